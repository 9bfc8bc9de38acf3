import ProtoWire
import Testing

@testable import MetricsServer

@Suite struct ReflectionTests {
    let service = ReflectionService(descriptors: .shared)

    @Test func listServicesNamesEveryServedService() {
        let r = service.answer(ReflectionRequest(host: "h", kind: .listServices("")))
        #expect(r.answer == .services([
            "manager_workspace.v1.MetricsService", "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
        ]))
        #expect(r.validHost == "h")
    }

    @Test(arguments: [
        "manager_workspace.v1.MetricsService", "manager_workspace.v1.MetricsService.GetMetrics",
        "manager_workspace.v1.GetMetricsRequest", "manager_workspace.v1.Metrics",
    ])
    func symbolsResolveToTheMetricsProto(symbol: String) throws {
        let r = service.answer(ReflectionRequest(kind: .fileContainingSymbol(symbol)))
        guard case .fileDescriptors(let files) = r.answer, let first = files.first else {
            Issue.record("no file for \(symbol): \(r.answer)")
            return
        }
        let fd = try FileDescriptorMessage(protobufBytes: first)
        #expect(fd.name == "manager_workspace/v1/metrics.proto")
        #expect(fd.package == "manager_workspace.v1")
        #expect(fd.services.map(\.name) == ["MetricsService"])
        #expect(fd.services.first?.methods == ["GetMetrics", "PublishEvents"])
    }

    @Test func nestedEnumsAreIndexed() {
        let r = service.answer(ReflectionRequest(kind: .fileContainingSymbol("grpc.health.v1.HealthCheckResponse.ServingStatus")))
        guard case .fileDescriptors(let files) = r.answer else {
            Issue.record("nested enum not indexed")
            return
        }
        #expect(files.count == 1)
    }

    @Test func unknownSymbolsAndFilesAreNotFound() {
        #expect(service.answer(ReflectionRequest(kind: .fileContainingSymbol("no.Such")))
            .answer == .error(code: 5, message: "symbol not found: no.Such"))
        #expect(service.answer(ReflectionRequest(kind: .fileByFilename("x.proto")))
            .answer == .error(code: 5, message: "file not found: x.proto"))
    }

    @Test func responsesRoundTripThroughTheWireFormat() throws {
        let r = service.answer(ReflectionRequest(host: "", kind: .fileByFilename("grpc/health/v1/health.proto")))
        let decoded = try ReflectionResponse(protobufBytes: r.protobufBytes())
        #expect(decoded == r)
    }
}
