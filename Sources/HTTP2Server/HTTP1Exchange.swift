import NIOCore
import NIOHTTP1

/// One HTTP/1.1 request/response pair, the HTTP/1 counterpart of `HTTP2Stream`.
final class HTTP1Exchange: HTTPResponseSink, HTTPBodyFlowControl {
    private var connection: HTTP1Connection?
    let version: HTTPVersion
    let isHead: Bool
    var keepAlive: Bool
    var body: HTTPRequestBody?
    var requestEnded = false
    var requestBytes = 0
    var responseStarted = false
    var responseEnded = false
    private var closed = false
    private var cancellation: HTTPStreamError?
    private var cancelHandlers: [(HTTPStreamError) -> Void] = []
    private var deadlineTimer: Scheduled<Void>?

    init(connection: HTTP1Connection, version: HTTPVersion, keepAlive: Bool, isHead: Bool) {
        self.connection = connection
        self.version = version
        self.keepAlive = keepAlive
        self.isHead = isHead
    }

    func bodyConsumed(_ bytes: Int) {
        self.connection?.consumed(bytes)
    }

    private func makeHead(_ head: HTTPResponseHead, contentLength: Int?) -> HTTPServerResponsePart {
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 2)
        for field in head.headers {
            headers.add(name: field.name, value: field.value)
        }
        let bodyless = head.status < 200 || head.status == 204 || head.status == 304  // RFC 9110 §8.6
        if let contentLength, !bodyless, !headers.contains(name: "content-length") {
            headers.add(name: "content-length", value: String(contentLength))
        }
        if !self.keepAlive {
            headers.replaceOrAdd(name: "connection", value: "close")
        }
        return .head(HTTPResponseHead1(version: self.version, status: .init(statusCode: head.status), headers: headers))
    }

    func respond(_ head: HTTPResponseHead, body: ByteBuffer?, trailers: HTTPFields?) {
        guard !self.responseStarted, !self.closed, let connection = self.connection else { return }
        self.responseStarted = true
        // With trailers the body must be chunked, so no content-length.
        connection.write(self.makeHead(head, contentLength: trailers == nil ? (body?.readableBytes ?? 0) : nil), flush: false, promise: nil)
        if let body, body.readableBytes > 0, !self.isHead {
            connection.write(.body(.byteBuffer(body)), flush: false, promise: nil)
        }
        self.finishResponse(trailers: trailers, promise: nil)
    }

    func sendHead(_ head: HTTPResponseHead) {
        guard !self.responseStarted, !self.closed, let connection = self.connection else { return }
        self.responseStarted = true
        connection.write(self.makeHead(head, contentLength: nil), flush: true, promise: nil)
    }

    func sendBody(_ chunk: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard self.responseStarted, !self.responseEnded, !self.closed, let connection = self.connection else {
            promise?.fail(self.cancellation ?? HTTPStreamError(code: .aborted, message: "body sent outside a streamed response"))
            return
        }
        if self.isHead {
            promise?.succeed(())
            return
        }
        connection.write(.body(.byteBuffer(chunk)), flush: true, promise: promise)
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
        self.responseEnded = true
        var headers: HTTPHeaders?
        if let trailers {
            headers = HTTPHeaders(trailers.map { ($0.name, $0.value) })
        }
        if !self.requestEnded {
            // Answered before the whole body arrived: the rest is read and dropped so the
            // next request on this connection can be parsed.
            connection.responseEndedEarly(self)
        }
        // Bookkeeping before the write: writing `.end` can start the next pipelined exchange.
        let close = connection.finishIfDone(self)
        connection.writeEnd(headers, promise: promise)
        if close { connection.closeAfterResponse() }
    }

    func abort(_ error: HTTPStreamError) {
        guard !self.closed, let connection = self.connection else { return }
        self.didClose(error: error)
        connection.close()
    }

    /// The body passed `maxRequestBodySize`: 413 if nothing was sent yet, then close.
    func rejectOversizedBody(limit: Int) {
        let error = HTTPStreamError(code: .bodyTooLarge, message: "request body exceeds \(limit) bytes")
        guard !self.closed, let connection = self.connection else { return }
        if !self.responseStarted {
            self.keepAlive = false
            self.responseStarted = true
            connection.write(self.makeHead(HTTPResponseHead(status: 413), contentLength: 0), flush: false, promise: nil)
            connection.writeEnd(nil, promise: nil)
        }
        self.didClose(error: error)
        connection.closeAfterResponse()
    }

    func setDeadline(_ deadline: NIODeadline, onExpiry: @escaping () -> Void) {
        guard !self.closed, let eventLoop = self.connection?.eventLoop else { return }
        self.deadlineTimer?.cancel()
        self.deadlineTimer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self, !self.closed else { return }
            self.deadlineTimer = nil
            onExpiry()
        }
    }

    func onCancel(_ handler: @escaping (HTTPStreamError) -> Void) {
        if let cancellation = self.cancellation {
            handler(cancellation)
        } else if !self.closed {
            self.cancelHandlers.append(handler)
        }
    }

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
                let handlers = self.cancelHandlers
                self.cancelHandlers = []
                for handler in handlers { handler(error) }
            }
        }
        self.body?.flow = nil
        self.cancelHandlers = []
    }
}

typealias HTTPResponseHead1 = NIOHTTP1.HTTPResponseHead
