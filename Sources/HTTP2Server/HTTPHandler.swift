/// The one interface both wire protocols drive: HTTP/1.1 requests and HTTP/2 streams reach a
/// handler through it identically, so a REST gateway or gRPC front is written once.
///
/// `handle` is called on the connection's event loop as soon as the request head is complete
/// (before the body). A handler that can answer at once should do so synchronously through the
/// responder — that path allocates the least. Slow work should hop elsewhere (see
/// `AsyncHTTPHandler`) and answer through the responder from any thread.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder)
}

/// A handler written with Swift concurrency. Each request runs in its own `Task`; the task is
/// cancelled when the stream is (client RST_STREAM, disconnect, `responder.abort`).
public protocol AsyncHTTPHandler: Sendable {
    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody.Chunks, responder: HTTPResponder) async
}

/// Runs an `AsyncHTTPHandler` as an `HTTPHandler`.
public struct AsyncHTTPHandlerAdapter<Handler: AsyncHTTPHandler>: HTTPHandler {
    public let handler: Handler

    public init(_ handler: Handler) {
        self.handler = handler
    }

    public func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        let chunks = body.chunks
        let handler = self.handler
        let task = Task {
            await handler.handle(request, body: chunks, responder: responder)
        }
        responder.onCancel { _ in task.cancel() }
    }
}

/// An `HTTPHandler` made from a closure, handy for tests and fixed responses.
public struct HTTPHandlerClosure: HTTPHandler {
    let body: @Sendable (HTTPRequestHead, HTTPRequestBody, HTTPResponder) -> Void

    public init(_ body: @escaping @Sendable (HTTPRequestHead, HTTPRequestBody, HTTPResponder) -> Void) {
        self.body = body
    }

    public func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        self.body(request, body, responder)
    }
}
