public import NIOCore

/// What a protocol connection implements for one request; used only on its event loop.
protocol HTTPResponseSink: AnyObject {
    func sendHead(_ head: HTTPResponseHead)
    func sendBody(_ chunk: ByteBuffer, promise: EventLoopPromise<Void>?)
    func end(trailers: HTTPFields?, promise: EventLoopPromise<Void>?)
    func respond(_ head: HTTPResponseHead, body: ByteBuffer?, trailers: HTTPFields?)
    func abort(_ error: HTTPStreamError)
    func onCancel(_ handler: @escaping (HTTPStreamError) -> Void)
    func setDeadline(_ deadline: NIODeadline, onExpiry: @escaping () -> Void)
}

/// Sends the response of one request. A value type, `Sendable`, callable from any thread or
/// task: calls made on the connection's event loop act at once, others hop there first. Calls
/// after the stream has ended are ignored (their promises fail).
///
/// A response is either one `respond(_:body:trailers:)` call, or `sendHead` then any number of
/// `sendBody` then `end`. Over HTTP/2, `respond(head, body: nil, trailers: nil)` is a single
/// HEADERS frame with END_STREAM (what gRPC calls Trailers-Only); a non-nil `trailers` ends the
/// stream with a trailing HEADERS frame.
public struct HTTPResponder: Sendable {
    let sink: NIOLoopBound<any HTTPResponseSink>

    init(_ sink: any HTTPResponseSink, eventLoop: EventLoop) {
        self.sink = NIOLoopBound(sink, eventLoop: eventLoop)
    }

    /// The connection's event loop; schedule deadlines here.
    public var eventLoop: EventLoop { self.sink.eventLoop }

    // Each method acts directly when already on the loop; only the hop allocates a closure.

    /// The whole response in one call: the cheapest path.
    public func respond(_ head: HTTPResponseHead, body: ByteBuffer? = nil, trailers: HTTPFields? = nil) {
        let sink = self.sink
        if sink.eventLoop.inEventLoop {
            sink.value.respond(head, body: body, trailers: trailers)
        } else {
            sink.eventLoop.execute { sink.value.respond(head, body: body, trailers: trailers) }
        }
    }

    /// Starts a streamed response.
    public func sendHead(_ head: HTTPResponseHead) {
        let sink = self.sink
        if sink.eventLoop.inEventLoop {
            sink.value.sendHead(head)
        } else {
            sink.eventLoop.execute { sink.value.sendHead(head) }
        }
    }

    /// Queues a body chunk. `promise` succeeds once the bytes were handed to the connection
    /// (use it to pace a producer); it fails if the stream ends first.
    public func sendBody(_ chunk: ByteBuffer, promise: EventLoopPromise<Void>? = nil) {
        let sink = self.sink
        if sink.eventLoop.inEventLoop {
            sink.value.sendBody(chunk, promise: promise)
        } else {
            sink.eventLoop.execute { sink.value.sendBody(chunk, promise: promise) }
        }
    }

    /// Ends the response, with trailers if given (gRPC status travels here).
    public func end(trailers: HTTPFields? = nil, promise: EventLoopPromise<Void>? = nil) {
        let sink = self.sink
        if sink.eventLoop.inEventLoop {
            sink.value.end(trailers: trailers, promise: promise)
        } else {
            sink.eventLoop.execute { sink.value.end(trailers: trailers, promise: promise) }
        }
    }

    /// Abandons the stream: RST_STREAM (CANCEL) over HTTP/2, closing the connection over HTTP/1.1.
    public func abort(_ message: String = "aborted by handler") {
        let sink = self.sink
        let error = HTTPStreamError(code: .aborted, message: message)
        if sink.eventLoop.inEventLoop {
            sink.value.abort(error)
        } else {
            sink.eventLoop.execute { sink.value.abort(error) }
        }
    }

    /// Registers `handler` to run (on the event loop) when the stream is cancelled before its
    /// response completed: client reset, disconnect, shutdown timeout, or `abort`. Runs at once
    /// if that already happened.
    public func onCancel(_ handler: @escaping @Sendable (HTTPStreamError) -> Void) {
        let sink = self.sink
        if sink.eventLoop.inEventLoop {
            sink.value.onCancel(handler)
        } else {
            sink.eventLoop.execute { sink.value.onCancel(handler) }
        }
    }

    /// Runs `onExpiry` on the event loop at `deadline` unless the stream ended first (the
    /// timer is then cancelled, so long deadlines hold nothing). A later call replaces the
    /// earlier deadline. (metricsd's gRPC front does not use this: its calls keep their own
    /// timers, the grpc-timeout one counted from the call's start.)
    public func setDeadline(_ deadline: NIODeadline, onExpiry: @escaping @Sendable () -> Void) {
        let sink = self.sink
        if sink.eventLoop.inEventLoop {
            sink.value.setDeadline(deadline, onExpiry: onExpiry)
        } else {
            sink.eventLoop.execute { sink.value.setDeadline(deadline, onExpiry: onExpiry) }
        }
    }

    /// `sendBody` that waits until the chunk was handed to the connection (back-pressure).
    public func sendBody(_ chunk: ByteBuffer) async throws {
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.sendBody(chunk, promise: promise)
        try await promise.futureResult.get()
    }
}
