import Foundation
import MetricsAPI
import ProtoWire
import SwiftProtobuf

/// Every input the codec benchmarks need, built once per process, and the checks that each
/// pair of codecs does the same work: both protobuf libraries decode each other's bytes to the
/// same content, and both JSON codecs read each other's documents to the same values. A
/// failed check stops the process before anything is measured.
struct CodecFixtures: @unchecked Sendable {
    // `@unchecked`: JSONEncoder/JSONDecoder are classes; the benchmarks only read them, one
    // benchmark at a time.
    static let shared = CodecFixtures()

    let response = SampleMessages.response
    let publish = SampleMessages.publish
    /// Our encodings (the bytes both libraries decode in the decode benchmarks).
    let responseProto: [UInt8]
    let publishProto: [UInt8]
    let pbResponse: ManagerWorkspace_V1_GetMetricsResponse
    let pbPublish: ManagerWorkspace_V1_PublishEventsRequest
    /// Our REST documents (the bytes both JSON codecs decode).
    let responseJSON: [UInt8]
    let publishJSON: [UInt8]
    let responseJSONData: Data
    let publishJSONData: Data
    let mirrorResponse: FoundationJSONMirror.Response
    let mirrorPublish: FoundationJSONMirror.PublishRequest
    let encoder = JSONEncoder()
    let decoder = JSONDecoder()

    init() {
        responseProto = response.protobufBytes()
        publishProto = publish.protobufBytes()
        pbResponse = ManagerWorkspace_V1_GetMetricsResponse(response)
        pbPublish = ManagerWorkspace_V1_PublishEventsRequest(publish)
        responseJSON = response.jsonBytes()
        publishJSON = publish.jsonBody()
        responseJSONData = Data(responseJSON)
        publishJSONData = Data(publishJSON)
        mirrorResponse = FoundationJSONMirror.Response(response)
        mirrorPublish = FoundationJSONMirror.PublishRequest(publish)
        do {
            try checkProtobuf()
            try checkJSON()
        } catch {
            fatalError("codec fixture check failed: \(error)")
        }
        print(
            "codec fixtures: GetMetricsResponse \(response.groupBy?.groups.count ?? 0) groups, "
                + "\(responseProto.count) B protobuf, \(responseJSON.count) B JSON; "
                + "PublishEventsRequest \(publish.events.count) events, \(publishProto.count) B protobuf, "
                + "\(publishJSON.count) B JSON")
    }

    private func checkProtobuf() throws {
        // swift-protobuf reads our bytes as the value built independently from the same source…
        try check(try ManagerWorkspace_V1_GetMetricsResponse(serializedBytes: responseProto) == pbResponse,
              "swift-protobuf decodes our GetMetricsResponse bytes to the same message")
        try check(try ManagerWorkspace_V1_PublishEventsRequest(serializedBytes: publishProto) == pbPublish,
              "swift-protobuf decodes our PublishEventsRequest bytes to the same message")
        // …writes the same bytes (both emit fields in number order)…
        let pbResponseBytes: [UInt8] = try pbResponse.serializedBytes()
        let pbPublishBytes: [UInt8] = try pbPublish.serializedBytes()
        check(pbResponseBytes == responseProto, "swift-protobuf and we encode GetMetricsResponse identically")
        check(pbPublishBytes == publishProto, "swift-protobuf and we encode PublishEventsRequest identically")
        // …and we read its bytes back to our value.
        try check(try GetMetricsResponse(protobufBytes: pbResponseBytes) == response,
              "we decode swift-protobuf's GetMetricsResponse bytes to the same value")
        try check(try PublishEventsRequest(protobufBytes: pbPublishBytes) == publish,
              "we decode swift-protobuf's PublishEventsRequest bytes to the same value")
        check(response.protobufSize == responseProto.count && publish.protobufSize == publishProto.count,
              "protobufSize equals the encoded length")
    }

    private func checkJSON() throws {
        // Foundation reads our documents as the mirror of the value…
        try check(try decoder.decode(FoundationJSONMirror.Response.self, from: responseJSONData) == mirrorResponse,
              "JSONDecoder reads our GetMetricsResponse JSON as the same values")
        try check(try decoder.decode(FoundationJSONMirror.PublishRequest.self, from: publishJSONData) == mirrorPublish,
              "JSONDecoder reads our PublishEventsRequest JSON as the same values")
        // …and we read Foundation's documents as the value (the body has no accountId).
        let foundationResponse = [UInt8](try encoder.encode(mirrorResponse))
        let foundationPublish = [UInt8](try encoder.encode(mirrorPublish))
        try check(try GetMetricsResponse(jsonBytes: foundationResponse) == response,
              "we read JSONEncoder's GetMetricsResponse JSON as the same value")
        var publishBody = publish
        publishBody.accountId = ""
        try check(try PublishEventsRequest(jsonBody: foundationPublish) == publishBody,
              "we read JSONEncoder's PublishEventsRequest JSON as the same value")
        // And our reader reads what our writer wrote.
        try check(try GetMetricsResponse(jsonBytes: responseJSON) == response, "our JSON round-trips GetMetricsResponse")
        try check(try PublishEventsRequest(jsonBody: publishJSON) == publishBody, "our JSON round-trips PublishEventsRequest")
    }

    private func check(_ condition: @autoclosure () throws -> Bool, _ what: String) rethrows {
        guard try condition() else { fatalError("codec fixture check failed: \(what)") }
    }
}
