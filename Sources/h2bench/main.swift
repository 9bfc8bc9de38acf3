import HTTP2Server
import NIOCore
import NIOPosix

/// A fixed ~300-byte response on every path: the server side of the h2load comparison with
/// nghttpd (see scripts/h2bench.sh). With `grpc`, the answer has a gRPC unary call's shape
/// instead (content-type application/grpc, the 300 bytes framed as one message, trailers
/// grpc-status 0) and the request body is taken: the transport's share of a GetMetrics call
/// with no decoding, query or encoding (the "floor" column of scripts/bench-rounds).
/// Usage: h2bench [port] [threads] [grpc]
struct FixedResponse: HTTPHandler {
    let body: ByteBuffer
    let head: HTTPResponseHead
    let trailers: HTTPFields?

    init(grpc: Bool) {
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: 300)
        if grpc {
            var framed = ByteBuffer()
            framed.writeInteger(UInt8(0))
            framed.writeInteger(UInt32(payload.readableBytes))
            framed.writeImmutableBuffer(payload)
            body = framed
            head = HTTPResponseHead(status: 200, headers: ["content-type": "application/grpc"])
            trailers = ["grpc-status": "0"]
        } else {
            body = payload
            head = HTTPResponseHead(status: 200, headers: ["content-type": "text/plain", "content-length": "300"])
            trailers = nil
        }
    }

    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        if trailers != nil, body.takeComplete() == nil { body.discard() }
        responder.respond(self.head, body: self.body, trailers: trailers)
    }
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
let threads = arguments.count > 2 ? Int(arguments[2]) ?? 1 : 1
let grpc = arguments.count > 3 && arguments[3] == "grpc"
let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let handler = FixedResponse(grpc: grpc)
let server = HTTP2Server(configuration: .init(host: "127.0.0.1", port: port), group: group, handler: handler)
let address = try await server.start()
print("h2bench listening on \(address)")
while true {
    try await Task.sleep(for: .seconds(3600))
}
