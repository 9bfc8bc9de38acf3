import HTTP2Server
import NIOCore
import NIOPosix

/// A fixed ~300-byte response on every path: the server side of the h2load comparison with
/// nghttpd (see scripts/h2bench.sh). Usage: h2bench [port] [threads]
struct FixedResponse: HTTPHandler {
    let body: ByteBuffer
    let head = HTTPResponseHead(status: 200, headers: ["content-type": "text/plain", "content-length": "300"])

    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        responder.respond(self.head, body: self.body)
    }
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
let threads = arguments.count > 2 ? Int(arguments[2]) ?? 1 : 1
let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let handler = FixedResponse(body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 300))
let server = HTTP2Server(configuration: .init(host: "127.0.0.1", port: port), group: group, handler: handler)
let address = try await server.start()
print("h2bench listening on \(address)")
while true {
    try await Task.sleep(for: .seconds(3600))
}
