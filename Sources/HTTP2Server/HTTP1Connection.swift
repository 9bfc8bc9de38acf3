import NIOCore
import NIOHTTP1

/// Presents HTTP/1.1 requests through the same `HTTPHandler` API as HTTP/2 streams.
///
/// Sits behind NIO's decoder, encoder and `HTTPServerPipelineHandler`; the latter holds back
/// pipelined requests until the previous response ended, so requests reach us one at a time and
/// responses go out in order. Request bodies are buffered only up to `http1BodyBufferSize`
/// unread bytes; past that we stop reading the socket (back-pressure, like an HTTP/2 window).
final class HTTP1Connection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let settings: HTTP2Server.Configuration
    let handler: any HTTPHandler
    private var context: ChannelHandlerContext?
    var eventLoop: EventLoop? { self.context?.eventLoop }
    private var current: HTTP1Exchange?
    private var shuttingDown = false
    private var unconsumed = 0
    private var readHeld = false
    private var headTimer: Scheduled<Void>?
    /// When the connection started waiting for the next request head; nil while a request is
    /// in progress.
    private var headWaitStart: NIODeadline?
    private var lastResponseEnd: EventLoopFuture<Void>?
    private var flushScheduled = false
    /// Between a `channelRead` and its `channelReadComplete`: responses written meanwhile are
    /// flushed once, at `channelReadComplete`, instead of through a scheduled task.
    private var inReadBatch = false
    private var flushAtReadComplete = false

    init(settings: HTTP2Server.Configuration, handler: any HTTPHandler) {
        self.settings = settings
        self.handler = handler
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.startWaitingForHead()
    }

    /// Starts the `requestHeadTimeout` clock for the next request head. The timer is not
    /// cancelled and re-armed per request (two heap operations on the loop's timer queue each
    /// time): one timer stays armed, and when it fires it closes only if the connection has
    /// been waiting for a head for the whole timeout, otherwise it re-arms for the remainder.
    private func startWaitingForHead() {
        let now = NIODeadline.now()
        self.headWaitStart = now
        if self.headTimer == nil {
            self.armHeadTimer(deadline: now + self.settings.requestHeadTimeout)
        }
    }

    private func armHeadTimer(deadline: NIODeadline) {
        guard let context = self.context else { return }
        self.headTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.headTimer = nil
            guard let start = self.headWaitStart, self.current == nil else { return }
            let due = start + self.settings.requestHeadTimeout
            if due <= .now() {
                self.settings.logger?("HTTP/1.1 request head not complete in time; closing")
                self.context?.close(promise: nil)
            } else {
                self.armHeadTimer(deadline: due)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.headTimer?.cancel()
        self.headTimer = nil
        self.failCurrent(HTTPStreamError(code: .connectionClosed, message: "connection handler removed"))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failCurrent(HTTPStreamError(code: .connectionClosed, message: "connection closed"))
        context.fireChannelInactive()
    }

    private func failCurrent(_ error: HTTPStreamError) {
        guard let exchange = self.current else { return }
        self.current = nil
        exchange.didClose(error: error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.inReadBatch = true
            self.headWaitStart = nil
            var fields = HTTPFields()
            fields.reserveCapacity(head.headers.count)
            for (name, value) in head.headers {
                fields.add(name: name, value: value)
            }
            let request = HTTPRequestHead(
                method: head.method.rawValue,
                path: head.uri,
                authority: fields["host"],
                scheme: "http",
                headers: fields,
                remoteAddress: context.channel.remoteAddress,
                wireProtocol: .http1
            )
            let exchange = HTTP1Exchange(
                connection: self, version: head.version, keepAlive: head.isKeepAlive && !self.shuttingDown,
                isHead: head.method == .HEAD)
            let body = HTTPRequestBody(eventLoop: context.eventLoop, flow: exchange, finished: false)
            exchange.body = body
            self.current = exchange
            if let declared = fields["content-length"].flatMap(Int.init),
                declared > self.settings.maxRequestBodySize
            {
                // Refuse before the handler runs and before the client sends the body.
                exchange.rejectOversizedBody(limit: self.settings.maxRequestBodySize)
                return
            }
            if let expect = fields["expect"], expect.lowercased() == "100-continue" {
                // The client waits for this before sending the body; flow control still
                // applies through our reads, so agreeing at once is safe.
                context.writeAndFlush(
                    self.wrapOutboundOut(.head(HTTPResponseHead1(version: head.version, status: .continue))), promise: nil)
            }
            self.handler.handle(request, body: body, responder: HTTPResponder(exchange, eventLoop: context.eventLoop))
        case .body(let chunk):
            self.inReadBatch = true
            // After an early response the rest of the body is read and dropped (the connection
            // stays usable): holding reads would leave both sides waiting.
            guard let exchange = self.current, let body = exchange.body else { return }
            exchange.requestBytes += chunk.readableBytes
            if exchange.requestBytes > self.settings.maxRequestBodySize {
                exchange.rejectOversizedBody(limit: self.settings.maxRequestBodySize)
                return
            }
            guard !exchange.responseEnded else { return }
            self.unconsumed += chunk.readableBytes
            body.receive(chunk)
        case .end(let trailers):
            self.inReadBatch = true
            guard let exchange = self.current else { return }
            exchange.requestEnded = true
            var fields: HTTPFields?
            if let trailers {
                fields = HTTPFields(trailers.map { ($0.name, $0.value) })
            }
            exchange.body?.finish(trailers: fields)
            if self.finishIfDone(exchange) { self.closeAfterResponse() }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.inReadBatch = false
        if self.flushAtReadComplete {
            self.flushAtReadComplete = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Parse errors (after NIO's error handler answered 400), invalid response headers, I/O
    /// errors: the connection cannot continue, so it closes and the handler is told.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A declined h2c upgrade is reported as an error but the request carries on as HTTP/1.1.
        if error is H2CUpgrader.Refused { return }
        self.settings.logger?("HTTP/1.1 connection error: \(error)")
        self.failCurrent(HTTPStreamError(code: .connectionClosed, message: "connection error: \(error)"))
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if self.unconsumed > self.settings.http1BodyBufferSize {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is HTTP2Server.GracefulShutdownEvent {
            self.shuttingDown = true
            if let current = self.current {
                current.keepAlive = false
            } else {
                context.close(promise: nil)
            }
        } else if event is IdleStateHandler.IdleStateEvent, self.current == nil {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Called by the exchange

    func consumed(_ bytes: Int) {
        self.unconsumed -= bytes
        if self.readHeld && self.unconsumed <= self.settings.http1BodyBufferSize / 2, let context = self.context {
            self.readHeld = false
            context.read()
        }
    }

    /// The response ended before the request body: drop what the handler left unread.
    func responseEndedEarly(_ exchange: HTTP1Exchange) {
        exchange.body?.fail(HTTPStreamError(code: .aborted, message: "response completed before the request body"))
        self.unconsumed = 0
        if self.readHeld, let context = self.context {
            self.readHeld = false
            context.read()
        }
    }

    func write(_ part: HTTPServerResponsePart, flush: Bool, promise: EventLoopPromise<Void>?) {
        guard let context = self.context else {
            promise?.fail(HTTPStreamError(code: .connectionClosed, message: "connection closed"))
            return
        }
        context.write(self.wrapOutboundOut(part), promise: promise)
        if flush { self.scheduleFlush(context) }
    }

    /// One flush per read batch (or event-loop tick, for responses written outside a read)
    /// instead of one per response: pipelined requests that arrived in one read are answered
    /// with one writev, as the HTTP/2 side does.
    private func scheduleFlush(_ context: ChannelHandlerContext) {
        if self.inReadBatch {
            self.flushAtReadComplete = true
            return
        }
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (connection, context) = loopBound.value
            connection.flushScheduled = false
            context.flush()
        }
    }

    /// An exchange is over when both the request and the response ended. Returns true when
    /// the connection must close once the response is out (no keep-alive).
    @discardableResult
    func finishIfDone(_ exchange: HTTP1Exchange) -> Bool {
        guard exchange === self.current, exchange.requestEnded, exchange.responseEnded else { return false }
        self.current = nil
        exchange.didClose(error: nil)
        self.unconsumed = 0
        if self.readHeld, let context = self.context {
            self.readHeld = false
            context.read()
        }
        if exchange.keepAlive {
            self.startWaitingForHead()
            return false
        }
        return true
    }

    /// Writes the end of a response. NIO's pipelining handler may deliver the next pipelined
    /// request from inside this call, so callers finish their bookkeeping first.
    func writeEnd(_ trailers: HTTPHeaders?, promise: EventLoopPromise<Void>?) {
        guard let context = self.context else {
            promise?.fail(HTTPStreamError(code: .connectionClosed, message: "connection closed"))
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        if let promise { written.futureResult.cascade(to: promise) }
        self.lastResponseEnd = written.futureResult
        context.write(self.wrapOutboundOut(.end(trailers)), promise: written)
        self.scheduleFlush(context)
    }

    /// Closes once the last response is on the wire (closing at once could cut it short).
    func closeAfterResponse() {
        guard let context = self.context else { return }
        guard let last = self.lastResponseEnd else {
            context.close(promise: nil)
            return
        }
        last.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func close() {
        self.context?.close(promise: nil)
    }
}
