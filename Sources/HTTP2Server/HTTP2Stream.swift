import NIOCore

/// One HTTP/2 stream's state: what nghttp2 callbacks recorded about the request, and the
/// response bytes waiting for the data provider. Confined to the connection's event loop.
final class HTTP2Stream: HTTPResponseSink, HTTPBodyFlowControl, CancellableExchange {
    enum ResponseState {
        case idle
        /// Head submitted with a data provider; body chunks may follow.
        case streaming
        /// Head of a response to HEAD sent with END_STREAM; body calls are accepted and dropped.
        case headOnly
        /// Nothing more will be accepted from the handler.
        case ended
    }

    // Every property below is only touched on the event loop. The ones marked
    // `@exclusivity(unchecked)` are plain reads and writes, or mutations that call out to
    // nothing (`outbound`): no access to them can overlap another, so the dynamic checks (a
    // thread-local lookup each, ~3 % of a light gRPC call altogether) are off. The rest keep
    // their checks: `writePromises`, `cancelHandlers` and `deadlineTimer`, whose handling runs
    // callbacks, and the request's `headers` and `trailers`, touched once per request.
    let id: Int32
    /// Cleared when the stream closes, which also breaks the connection ↔ stream cycle.
    @exclusivity(unchecked) var connection: HTTP2Connection?

    // Request side, filled by callbacks. The nghttp2 header callback touches these once per
    // field; they are only accessed on the event loop, never across a call that could reach
    // them again, so the dynamic exclusivity checks (a thread-local lookup each) are off.
    @exclusivity(unchecked) var method = ""
    @exclusivity(unchecked) var path = ""
    @exclusivity(unchecked) var authority: String?
    @exclusivity(unchecked) var scheme = "http"
    var headers = HTTPFields()
    var trailers: HTTPFields?
    @exclusivity(unchecked) var headerBytes = 0
    @exclusivity(unchecked) var headersTooLarge = false
    @exclusivity(unchecked) var headReceived = false
    /// Idle checks that found this stream's header block still incomplete.
    @exclusivity(unchecked) var idleChecksWithoutHead = 0
    @exclusivity(unchecked) var requestEnded = false
    @exclusivity(unchecked) var body: HTTPRequestBody?
    /// Set once the head went to the handler (or was refused). Until then body bytes gather in
    /// `early` instead of becoming events, so a request that arrived whole in one read reaches
    /// its handler whole (`HTTPRequestBody.takeComplete`).
    @exclusivity(unchecked) var headDispatched = false
    @exclusivity(unchecked) var early = ByteBufferQueue()
    @exclusivity(unchecked) var earlyBytes = 0
    /// Body bytes received and not yet returned to the flow-control window.
    @exclusivity(unchecked) var unconsumed = 0

    // Response side.
    @exclusivity(unchecked) var responseState = ResponseState.idle
    /// True once END_STREAM is on its way (EOF returned or a body-less response submitted).
    @exclusivity(unchecked) var responseFinished = false
    @exclusivity(unchecked) var outbound = ByteBufferQueue()
    @exclusivity(unchecked) var outboundEnded = false
    @exclusivity(unchecked) var outboundTrailers: HTTPFields?
    @exclusivity(unchecked) var deferred = false
    @exclusivity(unchecked) var bytesQueued = 0
    @exclusivity(unchecked) var bytesSent = 0
    var writePromises: [(threshold: Int, promise: EventLoopPromise<Void>)] = []
    @exclusivity(unchecked) var endPromise: EventLoopPromise<Void>?
    var cancelHandlers = CancelHandlers()
    var deadlineTimer: Scheduled<Void>?
    @exclusivity(unchecked) var closed = false
    @exclusivity(unchecked) var cancellation: HTTPStreamError?
    /// Set when we reset the stream ourselves, so the close reports our reason.
    @exclusivity(unchecked) var localError: HTTPStreamError?

    init(id: Int32, connection: HTTP2Connection) {
        self.id = id
        self.connection = connection
    }

    var hasPendingOutbound: Bool { !self.outbound.isEmpty }

    // MARK: HTTPBodyFlowControl

    func bodyConsumed(_ bytes: Int) {
        guard bytes > 0, !self.closed, let connection = self.connection else { return }
        self.unconsumed -= bytes
        connection.consume(stream: self, bytes: bytes)
    }

    // MARK: HTTPResponseSink

    /// Responses to HEAD carry no body (RFC 9110 §9.3.2): one HEADERS frame with END_STREAM.
    var isHeadRequest: Bool { self.method == "HEAD" }

    func respond(_ head: HTTPResponseHead, body: ByteBuffer?, trailers: HTTPFields?) {
        guard self.responseState == .idle, !self.closed, let connection = self.connection else { return }
        self.responseState = .ended
        if self.isHeadRequest {
            self.responseFinished = true
            connection.submitResponse(self, head: head, withBody: false)
            return
        }
        if let body, body.readableBytes > 0 {
            self.outbound.append(body)
            self.bytesQueued += body.readableBytes
        } else if trailers == nil {
            self.responseFinished = true
            connection.submitResponse(self, head: head, withBody: false)
            return
        }
        self.outboundEnded = true
        self.outboundTrailers = trailers
        connection.submitResponse(self, head: head, withBody: true)
    }

    func sendHead(_ head: HTTPResponseHead) {
        guard self.responseState == .idle, !self.closed, let connection = self.connection else { return }
        if self.isHeadRequest {
            self.responseState = .headOnly
            self.responseFinished = true
            connection.submitResponse(self, head: head, withBody: false)
            return
        }
        self.responseState = .streaming
        connection.submitResponse(self, head: head, withBody: true)
    }

    func sendBody(_ chunk: ByteBuffer, promise: EventLoopPromise<Void>?) {
        if self.responseState == .headOnly {
            promise?.succeed(())
            return
        }
        guard self.responseState == .streaming, !self.closed, let connection = self.connection else {
            promise?.fail(self.cancellation ?? HTTPStreamError(code: .aborted, message: "body sent outside a streamed response"))
            return
        }
        if chunk.readableBytes > 0 {
            self.outbound.append(chunk)
            self.bytesQueued += chunk.readableBytes
        }
        if let promise {
            if self.bytesSent >= self.bytesQueued {
                promise.succeed(())
            } else {
                self.writePromises.append((self.bytesQueued, promise))
            }
        }
        connection.resume(self)
    }

    func end(trailers: HTTPFields?, promise: EventLoopPromise<Void>?) {
        switch self.responseState {
        case .idle:
            self.respond(HTTPResponseHead(status: 200), body: nil, trailers: trailers)
            promise?.succeed(())
        case .streaming:
            guard !self.closed, let connection = self.connection else {
                promise?.fail(self.cancellation ?? HTTPStreamError(code: .aborted, message: "stream closed"))
                return
            }
            self.responseState = .ended
            self.outboundEnded = true
            self.outboundTrailers = trailers
            self.endPromise = promise
            connection.resume(self)
        case .headOnly:
            self.responseState = .ended
            promise?.succeed(())
        case .ended:
            promise?.fail(HTTPStreamError(code: .aborted, message: "response already ended"))
        }
    }

    func abort(_ error: HTTPStreamError) {
        guard !self.closed, let connection = self.connection else { return }
        self.localError = error
        self.responseState = .ended
        connection.resetStream(self, errorCode: 8)  // CANCEL
    }

    var timerEventLoop: EventLoop? { self.connection?.eventLoop }

    /// Called by the data provider after it copied bytes out.
    func noteSent(_ bytes: Int, into completed: inout [EventLoopPromise<Void>]) {
        self.bytesSent += bytes
        while let first = self.writePromises.first, first.threshold <= self.bytesSent {
            completed.append(first.promise)
            self.writePromises.removeFirst()
        }
    }

    /// The stream is gone: tell the handler if its response did not complete, drop buffers.
    func didClose(error: HTTPStreamError?) {
        guard !self.closed else { return }
        self.closed = true
        self.deadlineTimer?.cancel()
        self.deadlineTimer = nil
        self.connection = nil
        self.outbound.removeAll()
        let failure = error ?? HTTPStreamError(code: .connectionClosed, message: "stream closed before the response completed")
        for (_, promise) in self.writePromises { promise.fail(failure) }
        self.writePromises = []
        if let endPromise = self.endPromise {
            self.endPromise = nil
            if error == nil && self.responseFinished { endPromise.succeed(()) } else { endPromise.fail(failure) }
        }
        if error != nil || !self.responseFinished {
            self.cancellation = failure
            self.body?.fail(failure)
            self.cancelHandlers.runAndRemove(failure)
        } else {
            if !(self.body?.isComplete ?? true) {
                self.body?.fail(HTTPStreamError(code: .aborted, message: "response completed before the request body"))
            }
            self.body?.flow = nil
            self.cancelHandlers = CancelHandlers()
        }
    }
}
