import NIOCore

/// One HTTP/1.1 request/response pair, the HTTP/1 counterpart of `HTTP2Stream`. Serializes
/// its response straight into the connection's batch buffer.
final class HTTP1Exchange: HTTPResponseSink, HTTPBodyFlowControl, CancellableExchange {
    /// How response body bytes go on the wire.
    enum BodyFraming {
        /// As they are: `content-length` framed, or close-delimited (HTTP/1.0).
        case raw
        case chunked
        /// Not at all: HEAD, 1xx, 204, 304.
        case none
    }

    private var connection: HTTP1Connection?
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    let minorVersion: Int
    let isHead: Bool
    var keepAlive: Bool
    var body: HTTPRequestBody?
    var requestEnded = false
    var requestBytes = 0
    var responseStarted = false
    var responseEnded = false
    private var framing = BodyFraming.raw
    /// HTTP/1.0 response without a length: the connection closes when it ends.
    private var closeDelimited = false
    private(set) var closed = false
    private(set) var cancellation: HTTPStreamError?
    var cancelHandlers = CancelHandlers()
    var deadlineTimer: Scheduled<Void>?

    init(connection: HTTP1Connection, minorVersion: Int, keepAlive: Bool, isHead: Bool) {
        self.connection = connection
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
        self.isHead = isHead
    }

    func bodyConsumed(_ bytes: Int) {
        self.connection?.consumed(bytes)
    }

    /// Serializes the status line and fields. A field that could inject CR/LF (or is not a
    /// token) never reaches the wire: nothing of the response is written, the connection
    /// closes, and false is returned (what NIO's `NIOHTTPResponseHeadersValidator` did).
    private func writeHead(_ head: HTTPResponseHead, contentLength: Int?, connection: HTTP1Connection) -> Bool {
        guard (100...999).contains(head.status) else {
            self.refuseResponse("invalid response status \(head.status)", connection: connection)
            return false
        }
        if let invalid = head.headers.firstInvalidHTTP1Field() {
            self.refuseResponse("invalid response header field \(invalid)", connection: connection)
            return false
        }
        let bodyless = head.status < 200 || head.status == 204 || head.status == 304  // RFC 9110 §8.6
        let declared = head.headers.contains { $0.name == "content-length" }
        var addLength: Int? = nil
        if bodyless {
            self.framing = .none
        } else if declared {
            self.framing = .raw
        } else if let contentLength {
            self.framing = .raw
            addLength = contentLength
        } else if self.minorVersion == 1 {
            self.framing = .chunked
        } else {
            self.framing = .raw  // HTTP/1.0 without a length: the body ends with the connection
            self.closeDelimited = true
            self.keepAlive = false
        }
        let chunked = self.framing == .chunked
        if self.isHead { self.framing = .none }
        // Our own connection field replaces the handler's when the answer is not the default.
        let connectionField: StaticString? = !self.keepAlive ? "close" : (self.minorVersion == 0 ? "keep-alive" : nil)
        connection.append { buffer in
            buffer.writeStatusLine(minorVersion: self.minorVersion, status: head.status)
            buffer.writeFields(head.headers, skippingConnection: connectionField != nil)
            if let addLength {
                buffer.writeStaticString("content-length: ")
                buffer.writeDecimal(addLength)
                buffer.writeStaticString("\r\n")
            }
            if chunked {
                buffer.writeStaticString("transfer-encoding: chunked\r\n")
            }
            if let connectionField {
                buffer.writeStaticString("connection: ")
                buffer.writeStaticString(connectionField)
                buffer.writeStaticString("\r\n")
            }
            buffer.writeStaticString("\r\n")
        }
        return true
    }

    private func refuseResponse(_ reason: String, connection: HTTP1Connection) {
        connection.settings.logger?("HTTP/1.1 response not sent: \(reason)")
        self.didClose(error: HTTPStreamError(code: .aborted, message: reason))
        connection.closeAfterResponse()
    }

    func respond(_ head: HTTPResponseHead, body: ByteBuffer?, trailers: HTTPFields?) {
        guard !self.responseStarted, !self.closed, let connection = self.connection else { return }
        self.responseStarted = true
        // With trailers the body must be chunked, so no content-length.
        let length = trailers == nil ? (body?.readableBytes ?? 0) : nil
        guard self.writeHead(head, contentLength: length, connection: connection) else { return }
        if let body, body.readableBytes > 0, self.framing != .none {
            connection.writeBody(body, chunked: self.framing == .chunked, promise: nil)
        }
        self.finishResponse(trailers: trailers, promise: nil)
    }

    func sendHead(_ head: HTTPResponseHead) {
        guard !self.responseStarted, !self.closed, let connection = self.connection else { return }
        self.responseStarted = true
        if self.writeHead(head, contentLength: nil, connection: connection) {
            connection.scheduleFlush()
        }
    }

    func sendBody(_ chunk: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard self.responseStarted, !self.responseEnded, !self.closed, let connection = self.connection else {
            promise?.fail(self.cancellation ?? HTTPStreamError(code: .aborted, message: "body sent outside a streamed response"))
            return
        }
        guard self.framing != .none, chunk.readableBytes > 0 else {
            promise?.succeed(())
            return
        }
        connection.writeBody(chunk, chunked: self.framing == .chunked, promise: promise)
    }

    func end(trailers: HTTPFields?, promise: EventLoopPromise<Void>?) {
        if !self.responseStarted {
            self.respond(HTTPResponseHead(status: 200), body: nil, trailers: trailers)
            promise?.succeed(())
            return
        }
        guard !self.responseEnded, !self.closed else {
            promise?.fail(self.cancellation ?? HTTPStreamError(code: .aborted, message: "response already ended"))
            return
        }
        self.finishResponse(trailers: trailers, promise: promise)
    }

    private func finishResponse(trailers: HTTPFields?, promise: EventLoopPromise<Void>?) {
        guard let connection = self.connection else { return }
        if self.framing == .chunked {
            if let invalid = trailers?.firstInvalidHTTP1Field() {
                // The head is out: all we can do is not end the body, so the client sees a
                // truncated response rather than injected fields.
                promise?.fail(HTTPStreamError(code: .aborted, message: "invalid trailer field \(invalid)"))
                self.refuseResponse("invalid trailer field \(invalid)", connection: connection)
                return
            }
            connection.append { buffer in
                buffer.writeStaticString("0\r\n")
                if let trailers { buffer.writeFields(trailers, skippingConnection: false) }
                buffer.writeStaticString("\r\n")
            }
        }
        self.responseEnded = true
        if let promise { connection.emitPending(promise: promise) }
        connection.scheduleFlush()
        if !self.requestEnded {
            // Answered before the whole body arrived: the rest is read and dropped so the
            // next request on this connection can be parsed.
            connection.responseEndedEarly(self)
        }
        if self.closeDelimited {
            connection.closeAfterResponse()  // the body ends here, whatever is still to read
        }
        // Last: this may start the next pipelined exchange, whose response must follow ours.
        connection.finishIfDone(self)
    }

    func abort(_ error: HTTPStreamError) {
        guard !self.closed, let connection = self.connection else { return }
        self.didClose(error: error)
        connection.closeAfterResponse()
    }

    /// The body passed `maxRequestBodySize`: 413 if nothing was sent yet, then close.
    func rejectOversizedBody(limit: Int) {
        let message = "request body exceeds \(limit) bytes"
        guard !self.closed, let connection = self.connection else { return }
        if !self.responseStarted {
            self.responseStarted = true
            connection.writeErrorResponse(status: 413, message: message, minorVersion: self.minorVersion)
        }
        self.didClose(error: HTTPStreamError(code: .bodyTooLarge, message: message))
        connection.closeAfterResponse()
    }

    var timerEventLoop: EventLoop? { self.connection?.eventLoop }

    func didClose(error: HTTPStreamError?) {
        guard !self.closed else { return }
        self.closed = true
        self.deadlineTimer?.cancel()
        self.deadlineTimer = nil
        self.connection = nil
        if let error, !self.responseEnded || !self.requestEnded {
            self.body?.fail(error)
            if !self.responseEnded {
                self.cancellation = error
                self.cancelHandlers.runAndRemove(error)
            }
        }
        self.body?.flow = nil
        self.cancelHandlers = CancelHandlers()
    }
}

extension HTTPFields {
    /// The first field that must not be written in an HTTP/1.1 head, described, or nil: a
    /// name that is not a token, or a value with CR, LF, NUL or another control character.
    func firstInvalidHTTP1Field() -> String? {
        for field in self {
            if field.name.isEmpty || !field.name.utf8.allSatisfy(HTTP1Parser.isTokenByte) {
                return "name \(field.name.debugDescription)"
            }
            if !field.value.utf8.allSatisfy(HTTP1Parser.isFieldValueByte) {
                return "\(field.name) (control character in value)"
            }
        }
        return nil
    }
}
