import NIOCore

/// Serves HTTP/1.1 (and 1.0) on one connection through the same `HTTPHandler` API as HTTP/2
/// streams: the only handler behind the sniffer, with `HTTP1Parser` reading request heads
/// straight into `HTTPFields` and responses serialized into one `ByteBuffer` per read batch.
///
/// Pipelined requests are parsed one at a time: once a request has fully arrived, the bytes
/// after it stay buffered until its response ended, so responses go out in request order
/// (what NIO's `HTTPServerPipelineHandler` did). Request bodies are buffered only up to
/// `http1BodyBufferSize` unread bytes; past that we stop reading the socket (back-pressure,
/// like an HTTP/2 window), and likewise while that many bytes of later requests wait.
final class HTTP1Connection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Response bodies up to this size are copied into the batch buffer; larger ones are
    /// written as their own buffer (one more iovec beats copying them).
    static let copyBodyLimit = 8 << 10

    let settings: HTTP2Server.Configuration
    let handler: any HTTPHandler
    private var context: ChannelHandlerContext?
    var eventLoop: EventLoop? { self.context?.eventLoop }
    private var parser: HTTP1Parser
    /// Bytes read but not parsed yet: the rest of a head, or requests waiting their turn.
    private var inbound = ByteBuffer()
    /// Serialized response bytes not yet handed to the channel.
    private var outbound: ByteBuffer?
    private var current: HTTP1Exchange?
    private var requestCount = 0
    /// Set when nothing more may be parsed: a parse error, `Connection: close`, an upgrade.
    private var closing = false
    private var closeRequested = false
    private var processing = false
    private var shuttingDown = false
    private var unconsumed = 0
    private var readHeld = false
    private var headTimer: Scheduled<Void>?
    /// When the connection started waiting for the next request head; nil while a request is
    /// in progress.
    private var headWaitStart: NIODeadline?
    private var flushScheduled = false
    /// Between a `channelRead` and its `channelReadComplete`: responses written meanwhile are
    /// flushed once, at `channelReadComplete`, instead of through a scheduled task.
    private var inReadBatch = false
    private var flushAtReadComplete = false

    init(settings: HTTP2Server.Configuration, handler: any HTTPHandler) {
        self.settings = settings
        self.handler = handler
        self.parser = HTTP1Parser(maxHeaderListSize: settings.maxHeaderListSize)
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

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        self.inReadBatch = true
        if self.inbound.readableBytes == 0 {
            self.inbound = incoming
        } else {
            self.inbound.writeBuffer(&incoming)
        }
        self.processInbound()
    }

    /// Parses and dispatches what `inbound` holds, until it runs out, the current request is
    /// complete but its response is not (pipelining), or the connection stops parsing.
    /// Re-entrant calls (a handler answering synchronously ends an exchange) return at once:
    /// the loop already running picks up the new state.
    private func processInbound() {
        guard !self.processing else { return }
        self.processing = true
        defer { self.processing = false }
        while !self.closing, let context = self.context {
            if let current = self.current, current.requestEnded { break }
            let event: HTTP1Parser.Event?
            do {
                event = try self.parser.next(&self.inbound)
            } catch {
                self.parseFailed(error)
                return
            }
            guard let event else { break }
            switch event {
            case .head(let head): self.receiveHead(head, context: context)
            case .body(let chunk): self.receiveBody(chunk)
            case .end(let trailers): self.receiveEnd(trailers)
            }
        }
        // An empty buffer is replaced by the next read; a mostly-read one is compacted.
        if self.inbound.readableBytes > 0, self.inbound.readerIndex > 4096, self.inbound.readerIndex > self.inbound.readableBytes {
            self.inbound.discardReadBytes()
        }
        self.resumeReadsIfPossible()
    }

    private func receiveHead(_ head: HTTP1RequestHead, context: ChannelHandlerContext) {
        self.headWaitStart = nil
        self.requestCount += 1
        let request = HTTPRequestHead(
            method: head.method,
            path: head.target,
            authority: head.headers["host"],
            scheme: "http",
            headers: head.headers,
            remoteAddress: context.channel.remoteAddress,
            wireProtocol: .http1
        )
        // Only a connection's first request may switch it to HTTP/2 (as NIO's upgrade handler).
        if self.requestCount == 1, let upgrade = H2CUpgrader.upgrade(for: head, request: request, log: self.settings.logger) {
            self.upgradeToHTTP2(upgrade, context: context)
            return
        }
        let exchange = HTTP1Exchange(
            connection: self, minorVersion: head.minorVersion, keepAlive: head.keepAlive && !self.shuttingDown,
            isHead: head.method == "HEAD")
        if case .length(let declared) = head.framing, declared > self.settings.maxRequestBodySize {
            exchange.body = HTTPRequestBody(eventLoop: context.eventLoop, flow: exchange, finished: false)
            self.current = exchange
            // Refuse before the handler runs and before the client sends the body.
            exchange.rejectOversizedBody(limit: self.settings.maxRequestBodySize)
            return
        }
        // A body of known length that is all in the buffer already (pipelined and small
        // requests) goes to the handler with the head, whole (`HTTPRequestBody.takeComplete`).
        var early = ByteBufferQueue()
        var earlyBytes = 0
        var trailers: HTTPFields?
        let whole: Bool
        switch head.framing {
        case .none: whole = true
        case .length(let declared): whole = declared <= self.inbound.readableBytes
        case .chunked: whole = false
        }
        if whole {
            while !exchange.requestEnded, let event = try? self.parser.next(&self.inbound) {
                switch event {
                case .body(let chunk):
                    early.append(chunk)
                    earlyBytes += chunk.readableBytes
                case .end(let sent):
                    trailers = sent
                    exchange.requestEnded = true
                case .head:
                    // Unreachable: after a head the parser yields body bytes, then the end.
                    assertionFailure("the parser gave a head inside a body of declared length")
                }
            }
        }
        exchange.requestBytes = earlyBytes
        self.unconsumed += earlyBytes
        let body = HTTPRequestBody(
            eventLoop: context.eventLoop, flow: exchange, finished: exchange.requestEnded, trailers: trailers,
            early: early, earlyBytes: earlyBytes)
        exchange.body = body
        self.current = exchange
        if head.minorVersion == 1, let expect = head.headers["expect"], expect.lowercased() == "100-continue" {
            // The client waits for this before sending the body; flow control still applies
            // through our reads, so agreeing at once is safe.
            self.append { $0.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n") }
            self.scheduleFlush()
        }
        self.handler.handle(request, body: body, responder: HTTPResponder(exchange, eventLoop: context.eventLoop))
    }

    private func receiveBody(_ chunk: ByteBuffer) {
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
    }

    private func receiveEnd(_ trailers: HTTPFields?) {
        guard let exchange = self.current else { return }
        exchange.requestEnded = true
        exchange.body?.finish(trailers: trailers)
        self.finishIfDone(exchange)
    }

    /// Malformed input: a 400 (or 431, 501, 505) naming what was wrong, then close. If the
    /// current exchange already started its response there is no way to answer; just close.
    private func parseFailed(_ error: HTTP1ParseError) {
        self.settings.logger?("HTTP/1.1 malformed request: \(error)")
        let responding = self.current?.responseStarted ?? false
        self.failCurrent(HTTPStreamError(code: .connectionClosed, message: "malformed request: \(error.message)"))
        if !responding {
            self.writeErrorResponse(status: error.status, message: error.message, minorVersion: 1)
        }
        self.closeAfterResponse()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.inReadBatch = false
        if self.flushAtReadComplete {
            self.flushAtReadComplete = false
            self.flushNow(context)
        }
        context.fireChannelReadComplete()
    }

    /// I/O errors: the connection cannot continue, so it closes and the handler is told.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.settings.logger?("HTTP/1.1 connection error: \(error)")
        self.failCurrent(HTTPStreamError(code: .connectionClosed, message: "connection error: \(error)"))
        context.close(promise: nil)
    }

    private var mustHoldReads: Bool {
        self.unconsumed > self.settings.http1BodyBufferSize || self.inbound.readableBytes > self.settings.http1BodyBufferSize
    }

    func read(context: ChannelHandlerContext) {
        if self.mustHoldReads {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    private func resumeReadsIfPossible() {
        guard self.readHeld, let context = self.context,
            self.unconsumed <= self.settings.http1BodyBufferSize / 2,
            self.inbound.readableBytes <= self.settings.http1BodyBufferSize
        else { return }
        self.readHeld = false
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is HTTP2Server.GracefulShutdownEvent {
            self.shuttingDown = true
            if let current = self.current {
                current.keepAlive = false
            } else {
                self.closeAfterResponse()
            }
        } else if event is IdleStateHandler.IdleStateEvent {
            if let current = self.current {
                // A request whose body stopped arriving (we are not the ones holding reads): a
                // vanished client or a slow sender; either way it may not hold the handler.
                if !current.requestEnded && !self.readHeld {
                    self.settings.logger?("HTTP/1.1 request body stalled for \(self.settings.idleTimeout); closing")
                    context.close(promise: nil)
                }
            } else {
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: h2c

    /// 101, then HTTP/2 on this connection with the request as stream 1; bytes already read
    /// after the request (the client's preface) go to the HTTP/2 side.
    private func upgradeToHTTP2(_ upgrade: H2CUpgrade, context: ChannelHandlerContext) {
        self.closing = true
        self.append { $0.writeStaticString("HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n") }
        self.flushNow(context)
        let rest = self.inbound
        self.inbound = ByteBuffer()
        do {
            let sync = context.pipeline.syncOperations
            try sync.addHandler(HTTP2Connection(settings: self.settings, handler: self.handler, upgrade: upgrade), position: .after(self))
            if rest.readableBytes > 0 {
                context.fireChannelRead(self.wrapInboundOut(rest))
            }
            sync.removeHandler(context: context, promise: nil)
        } catch {
            self.settings.logger?("cannot switch the connection to HTTP/2: \(error)")
            context.close(promise: nil)
        }
    }

    // MARK: Called by the exchange

    func consumed(_ bytes: Int) {
        self.unconsumed -= bytes
        self.resumeReadsIfPossible()
    }

    /// The response ended before the request body: drop what the handler left unread.
    func responseEndedEarly(_ exchange: HTTP1Exchange) {
        exchange.body?.fail(HTTPStreamError(code: .aborted, message: "response completed before the request body"))
        self.unconsumed = 0
        self.resumeReadsIfPossible()
    }

    /// Serializes into the batch buffer (allocated on first use per batch).
    func append(_ write: (inout ByteBuffer) -> Void) {
        if self.outbound == nil {
            guard let context = self.context else { return }
            self.outbound = context.channel.allocator.buffer(capacity: 1024)
        }
        write(&self.outbound!)
    }

    /// A response body chunk: copied into the batch buffer when small, written on its own
    /// otherwise. `promise` completes once it (and everything before it) is written.
    func writeBody(_ chunk: ByteBuffer, chunked: Bool, promise: EventLoopPromise<Void>?) {
        guard let context = self.context else {
            promise?.fail(HTTPStreamError(code: .connectionClosed, message: "connection closed"))
            return
        }
        if chunked {
            self.append { $0.writeChunkSize(chunk.readableBytes) }
        }
        if chunk.readableBytes <= Self.copyBodyLimit {
            self.append { $0.writeImmutableBuffer(chunk) }
        } else {
            self.emitOutbound(context, promise: nil)
            context.write(self.wrapOutboundOut(chunk), promise: nil)
        }
        if chunked {
            self.append { $0.writeStaticString("\r\n") }
        }
        if let promise {
            self.emitOutbound(context, promise: promise)
        }
        self.scheduleFlush()
    }

    /// Hands `promise` to the channel behind every byte serialized so far.
    func emitPending(promise: EventLoopPromise<Void>) {
        guard let context = self.context else {
            promise.fail(HTTPStreamError(code: .connectionClosed, message: "connection closed"))
            return
        }
        self.emitOutbound(context, promise: promise)
    }

    private func emitOutbound(_ context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        if let outbound = self.outbound {
            self.outbound = nil
            context.write(self.wrapOutboundOut(outbound), promise: promise)
        } else if let promise {
            context.write(self.wrapOutboundOut(ByteBuffer()), promise: promise)
        }
    }

    private func flushNow(_ context: ChannelHandlerContext) {
        self.emitOutbound(context, promise: nil)
        context.flush()
    }

    /// One flush per read batch (or event-loop tick, for responses written outside a read)
    /// instead of one per response: pipelined requests that arrived in one read are answered
    /// with one write, as the HTTP/2 side does.
    func scheduleFlush() {
        if self.inReadBatch {
            self.flushAtReadComplete = true
            return
        }
        guard !self.flushScheduled, let context = self.context else { return }
        self.flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (connection, context) = loopBound.value
            connection.flushScheduled = false
            if connection.context != nil { connection.flushNow(context) }
        }
    }

    /// The plain-text error answers the server itself gives (parse errors, 413), always
    /// ending the connection.
    func writeErrorResponse(status: Int, message: String, minorVersion: Int) {
        self.append { buffer in
            buffer.writeStatusLine(minorVersion: minorVersion, status: status)
            buffer.writeStaticString("content-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: ")
            buffer.writeString(String(message.utf8.count + 1))
            buffer.writeStaticString("\r\n\r\n")
            buffer.writeString(message)
            buffer.writeStaticString("\n")
        }
    }

    /// An exchange is over when both the request and the response ended; then the next
    /// pipelined request is parsed, or the connection closes (no keep-alive).
    func finishIfDone(_ exchange: HTTP1Exchange) {
        guard exchange === self.current, exchange.requestEnded, exchange.responseEnded else { return }
        self.current = nil
        exchange.didClose(error: nil)
        self.unconsumed = 0
        if exchange.keepAlive && !self.closing {
            self.startWaitingForHead()
            self.processInbound()
        } else {
            self.closeAfterResponse()
        }
    }

    /// Closes once everything serialized so far is on the wire (closing at once could cut
    /// a response short).
    func closeAfterResponse() {
        self.closing = true
        guard !self.closeRequested, let context = self.context else { return }
        self.closeRequested = true
        let written = context.eventLoop.makePromise(of: Void.self)
        self.emitOutbound(context, promise: written)
        context.flush()
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

extension ByteBuffer {
    /// `HTTP/1.x NNN Reason\r\n`.
    mutating func writeStatusLine(minorVersion: Int, status: Int) {
        if status == 200 && minorVersion == 1 {
            self.writeStaticString("HTTP/1.1 200 OK\r\n")  // nearly every answer: one copy
            return
        }
        self.writeStaticString(minorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        self.writeDecimal(status)
        self.writeStaticString(" ")
        self.writeStaticString(HTTPStatusReason.phrase(status))
        self.writeStaticString("\r\n")
    }

    /// A non-negative integer in decimal, without making a string for it.
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0)
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { out in
            var v = value
            for i in stride(from: digits - 1, through: 0, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            return digits
        }
    }

    /// `name: value\r\n` for each field; the caller validated them.
    mutating func writeFields(_ fields: HTTPFields, skippingConnection: Bool) {
        for field in fields where !(skippingConnection && field.name == "connection") {
            self.writeString(field.name)
            self.writeStaticString(": ")
            self.writeString(field.value)
            self.writeStaticString("\r\n")
        }
    }

    /// A chunk-size line, lowercase hex.
    mutating func writeChunkSize(_ size: Int) {
        self.writeString(String(size, radix: 16))
        self.writeStaticString("\r\n")
    }
}

/// Reason phrases (RFC 9110 §15) for the status line; clients ignore them, but people read them.
enum HTTPStatusReason {
    static func phrase(_ status: Int) -> StaticString {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 425: "Too Early"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: ""
        }
    }
}
