import Benchmark
import Foundation
import MetricsAPI
import ProtoWire
import SwiftProtobuf

/// Decode and encode of a 50-group GetMetricsResponse and a 1000-event PublishEventsRequest:
/// our protobuf codec against swift-protobuf on the same bytes, and our REST JSON codec against
/// Foundation's JSONEncoder/JSONDecoder on the same documents. One operation per iteration, so
/// the malloc counts are per message.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds, warmupIterations: 20, maxDuration: .seconds(3), maxIterations: 20_000)
    // Build and cross-check every input before the first measurement.
    Benchmark.setup = { _ = CodecFixtures.shared }

    // MARK: Protobuf, GetMetricsResponse

    Benchmark("proto decode GetMetricsResponse: ours") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(try GetMetricsResponse(protobufBytes: f.responseProto)) }
    }
    Benchmark("proto decode GetMetricsResponse: swift-protobuf") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations {
            blackHole(try ManagerWorkspace_V1_GetMetricsResponse(serializedBytes: f.responseProto))
        }
    }
    Benchmark("proto encode GetMetricsResponse: ours") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(f.response.protobufBytes()) }
    }
    Benchmark("proto encode GetMetricsResponse: swift-protobuf") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(try f.pbResponse.serializedBytes() as [UInt8]) }
    }

    // MARK: Protobuf, PublishEventsRequest

    Benchmark("proto decode PublishEventsRequest: ours") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(try PublishEventsRequest(protobufBytes: f.publishProto)) }
    }
    Benchmark("proto decode PublishEventsRequest: swift-protobuf") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations {
            blackHole(try ManagerWorkspace_V1_PublishEventsRequest(serializedBytes: f.publishProto))
        }
    }
    Benchmark("proto encode PublishEventsRequest: ours") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(f.publish.protobufBytes()) }
    }
    Benchmark("proto encode PublishEventsRequest: swift-protobuf") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(try f.pbPublish.serializedBytes() as [UInt8]) }
    }

    // MARK: REST JSON, GetMetricsResponse

    Benchmark("json decode GetMetricsResponse: ours") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(try GetMetricsResponse(jsonBytes: f.responseJSON)) }
    }
    Benchmark("json decode GetMetricsResponse: Foundation") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations {
            blackHole(try f.decoder.decode(FoundationJSONMirror.Response.self, from: f.responseJSONData))
        }
    }
    Benchmark("json encode GetMetricsResponse: ours") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(f.response.jsonBytes()) }
    }
    Benchmark("json encode GetMetricsResponse: Foundation") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(try f.encoder.encode(f.mirrorResponse)) }
    }

    // MARK: REST JSON, PublishEventsRequest

    Benchmark("json decode PublishEventsRequest: ours") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(try PublishEventsRequest(jsonBody: f.publishJSON)) }
    }
    Benchmark("json decode PublishEventsRequest: Foundation") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations {
            blackHole(try f.decoder.decode(FoundationJSONMirror.PublishRequest.self, from: f.publishJSONData))
        }
    }
    Benchmark("json encode PublishEventsRequest: ours") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(f.publish.jsonBody()) }
    }
    Benchmark("json encode PublishEventsRequest: Foundation") { benchmark in
        let f = CodecFixtures.shared
        for _ in benchmark.scaledIterations { blackHole(try f.encoder.encode(f.mirrorPublish)) }
    }
}
