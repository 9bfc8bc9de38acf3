import Foundation
import HTTP2Server
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// One serialized parent: the tests drive blocking sockets from the cooperative pool and time
/// short waits, so they must not compete with each other for the two cores.
@Suite(.serialized) struct AllHTTP2ServerTests {}

/// A weak reference that lives on an event loop, to check objects are freed.
final class WeakBody {
    weak var body: HTTPRequestBody?
    init(_ body: HTTPRequestBody) { self.body = body }
}

/// What handlers saw, for tests to assert on after the fact.
final class Recorder: Sendable {
    private let lines = Mutex<[String]>([])
    let bodies = Mutex<[NIOLoopBound<WeakBody>]>([])

    /// True once every body handed to a handler so far has been freed.
    func allBodiesFreed() async throws -> Bool {
        for weak in self.bodies.withLock({ $0 }) {
            let freed = try await weak.eventLoop.submit { weak.value.body == nil }.get()
            if !freed { return false }
        }
        return true
    }

    func record(_ line: String) {
        self.lines.withLock { $0.append(line) }
    }

    var all: [String] { self.lines.withLock { $0 } }

    /// Waits (polling) until some line satisfies `predicate`.
    func waitFor(timeout: Double = 5, _ predicate: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if self.all.contains(where: predicate) { return true }
            usleep(10_000)
        }
        return self.all.contains(where: predicate)
    }
}

/// The routes tests use, one handler for both protocols.
struct TestRoutes: HTTPHandler {
    let recorder: Recorder

    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        switch path {
        case "/info":
            body.discard()
            let text = "\(request.method) \(request.path) \(request.authority ?? "-") \(request.scheme) \(request.wireProtocol) \(request.headers["x-custom"] ?? "-")"
            responder.respond(
                HTTPResponseHead(status: 200, headers: ["content-type": "text/plain", "x-empty": "", "connection": "keep-alive"]),
                body: ByteBuffer(string: text))
        case "/whole":
            // Echoes the body, saying whether it was all there when the handler ran (one read)
            // and which x-trailer came with it.
            if let whole = body.takeComplete() {
                responder.respond(
                    HTTPResponseHead(status: 200, headers: ["x-whole": "yes", "x-trailer": body.trailers?["x-trailer"] ?? "-"]),
                    body: whole)
                return
            }
            _ = body.collect(upTo: 64 << 20).assumeIsolated().map { all in
                responder.respond(
                    HTTPResponseHead(status: 200, headers: ["x-whole": "no", "x-trailer": body.trailers?["x-trailer"] ?? "-"]),
                    body: all)
            }
        case "/echo":
            var chunks = 0
            var collected = ByteBuffer()
            body.read { event in
                switch event {
                case .data(var chunk):
                    chunks += 1
                    collected.writeBuffer(&chunk)
                case .end:
                    responder.respond(HTTPResponseHead(status: 200, headers: ["x-chunks": "\(chunks)"]), body: collected)
                case .failed(let error):
                    recorder.record("echo failed: \(error.code)")
                }
            }
        case "/trailers":
            body.discard()
            responder.sendHead(HTTPResponseHead(status: 200, headers: ["content-type": "application/grpc"]))
            responder.sendBody(ByteBuffer(string: "abc"))
            responder.end(trailers: ["grpc-status": "0", "grpc-message": "ok"])
        case "/trailers-only":
            body.discard()
            responder.respond(HTTPResponseHead(status: 200, headers: ["content-type": "application/grpc", "grpc-status": "12"]))
        case "/slow":
            body.discard()
            recorder.record("slow started")
            responder.eventLoop.scheduleTask(in: .milliseconds(400)) {
                responder.respond(HTTPResponseHead(status: 200), body: ByteBuffer(string: "slow done"))
            }
        case "/hold":
            // Never answers; records body progress and cancellation.
            recorder.bodies.withLock { $0.append(NIOLoopBound(WeakBody(body), eventLoop: body.eventLoop)) }
            responder.onCancel { error in recorder.record("cancelled: \(error.code)") }
            body.read { event in
                switch event {
                case .data(let chunk): recorder.record("data \(chunk.readableBytes)")
                case .end: recorder.record("end")
                case .failed(let error): recorder.record("body failed: \(error.code)")
                }
            }
        case "/noread":
            // Leaves the body unread for a while: the client must be held by flow control.
            responder.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(500)) {
                let seen = body.receivedBytes
                body.collect(upTo: 64 << 20).whenComplete { result in
                    switch result {
                    case .success(let all):
                        responder.respond(HTTPResponseHead(status: 200), body: ByteBuffer(string: "\(seen) \(all.readableBytes)"))
                    case .failure(let error):
                        recorder.record("noread failed: \(error)")
                    }
                }
            }
        case "/big":
            // 5 MiB streamed from a task, paced by the write promises, then trailers.
            body.discard()
            responder.sendHead(HTTPResponseHead(status: 200))
            Task {
                do {
                    for i in 0..<80 {
                        try await responder.sendBody(ByteBuffer(repeating: UInt8(i), count: 65536))
                    }
                    responder.end(trailers: ["x-done": "80"])
                } catch {
                    recorder.record("big failed: \(error)")
                }
            }
        case "/deadline":
            // Answers Trailers-Only "deadline exceeded" after 100 ms unless /deadline?fast.
            body.discard()
            responder.setDeadline(.now() + .milliseconds(100)) {
                recorder.record("deadline fired \(request.path)")
                responder.respond(HTTPResponseHead(status: 200, headers: ["grpc-status": "4"]))
            }
            if request.path.hasSuffix("fast") {
                responder.respond(HTTPResponseHead(status: 200, headers: ["grpc-status": "0"]))
            }
        case "/inject":
            body.discard()
            responder.respond(HTTPResponseHead(status: 200, headers: ["x-evil": "a\r\nset-cookie: pwned"]), body: ByteBuffer(string: "x"))
        case "/ignore":
            // Answers without touching the body at all.
            responder.respond(HTTPResponseHead(status: 200), body: ByteBuffer(string: "ignored"))
        case "/abort":
            body.discard()
            responder.abort("test abort")
        case "/limited":
            body.collect(upTo: 1000).whenComplete { result in
                switch result {
                case .success(let all):
                    responder.respond(HTTPResponseHead(status: 200), body: ByteBuffer(string: "\(all.readableBytes)"))
                case .failure(let error as HTTPStreamError):
                    responder.respond(HTTPResponseHead(status: 200, headers: ["x-error": "\(error.code)"]), body: nil)
                case .failure:
                    responder.abort()
                }
            }
        default:
            body.discard()
            responder.respond(HTTPResponseHead(status: 404), body: ByteBuffer(string: "no route"))
        }
    }
}

/// Sums the body with Swift concurrency, then answers with the total.
struct AsyncSummer: AsyncHTTPHandler {
    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody.Chunks, responder: HTTPResponder) async {
        do {
            var total = 0
            for try await chunk in body { total += chunk.readableBytes }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0..<20)))
            responder.respond(HTTPResponseHead(status: 200), body: ByteBuffer(string: "\(total)"))
        } catch {
            responder.abort("\(error)")
        }
    }
}

/// Runs `body` against a started server on an ephemeral port, then shuts it down.
func withServer<R>(
    _ configure: (inout HTTP2Server.Configuration) -> Void = { _ in },
    handler: any HTTPHandler,
    _ body: (HTTP2Server, Int) async throws -> R
) async throws -> R {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var configuration = HTTP2Server.Configuration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    let server = HTTP2Server(configuration: configuration, group: group, handler: handler)
    let address = try await server.start()
    do {
        let result = try await body(server, address.port!)
        await server.shutdownGracefully(timeout: .seconds(2))
        try await group.shutdownGracefully()
        return result
    } catch {
        await server.shutdownGracefully(timeout: .seconds(2))
        try await group.shutdownGracefully()
        throw error
    }
}
