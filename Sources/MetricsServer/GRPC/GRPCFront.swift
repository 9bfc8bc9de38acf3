import HTTP2Server
import MetricsAPI
import NIOCore

/// The gRPC front: routes on `:path`, checks method and content-type, and hands each call to a
/// `GRPCCall`. It knows the wire rules of gRPC; what a call means is MetricsService's business.
///
/// A class: every call keeps the front, and one reference is cheaper to keep than the
/// service, health and descriptor references a struct would copy into each call.
final class GRPCFront: HTTPHandler {
    static let maxMessageBytes = 4 * 1024 * 1024

    let service: MetricsService
    let health: HealthState
    let reflection: ReflectionService
    /// Honour `x-metricsd-test-delay-ms` (interop tests of deadlines and cancellation only).
    let testHooks: Bool

    init(service: MetricsService, health: HealthState, reflection: ReflectionService, testHooks: Bool) {
        self.service = service
        self.health = health
        self.reflection = reflection
        self.testHooks = testHooks
    }

    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        let path = request.pathAndQuery.path
        let contentType = request.headers["content-type"] ?? ""
        guard contentType.hasPrefix("application/grpc") else {
            // The one case where a non-200 status is right (GRPC.md). Answered once the upload
            // ended: an early complete answer makes some clients drop the stream and lose it.
            var headers: HTTPFields = ["content-type": "text/plain"]
            headers.add(name: "accept", value: "application/grpc")
            let stats = service.stats
            body.discard {
                stats.record(.grpc, .other, .invalidArgument)  // counted before the client can see it
                responder.respond(
                    HTTPResponseHead(status: 415, headers: headers),
                    body: ByteBuffer(string: "gRPC calls need content-type application/grpc, got \"\(contentType)\"\n"))
            }
            return
        }
        guard let method = GRPCMethod(path: path) else {
            body.discard()
            let error = APIError(code: .unimplemented, message: "unknown method \(path)")
            responder.respond(GRPCResponses.trailersOnly(error))
            service.stats.record(.grpc, .other, .unimplemented)
            return
        }
        guard request.method == "POST" else {
            body.discard()
            let error = APIError(code: .unimplemented, message: "gRPC calls use POST, got \(request.method)")
            responder.respond(GRPCResponses.trailersOnly(error))
            service.stats.record(.grpc, method.stat, .unimplemented)
            return
        }
        GRPCCall(front: self, method: method, request: request, responder: responder, eventLoop: body.eventLoop)
            .start(body: body)
    }
}
