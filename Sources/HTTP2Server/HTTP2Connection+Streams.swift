internal import CNghttp2
import NIOCore

/// Acting on what the nghttp2 callbacks recorded, and the operations streams call back into.
/// Everything here runs on the event loop outside any nghttp2 call, so handler code invoked
/// from here may submit responses freely.
extension HTTP2Connection {
    // MARK: Dispatch

    /// Acts on what the callbacks recorded. Runs outside nghttp2 calls, so handler code may
    /// submit responses freely.
    func processEvents() {
        guard !self.processingEvents else { return }
        self.processingEvents = true
        defer { self.processingEvents = false }
        while !self.events.isEmpty {
            swap(&self.events, &self.processing)
            for event in self.processing {
                self.dispatch(event)
            }
            self.processing.removeAll(keepingCapacity: true)
        }
    }

    func dispatch(_ event: Event) {
        switch event {
        case .head(let stream):
            stream.headDispatched = true
            var early = ByteBufferQueue()
            swap(&early, &stream.early)
            guard !stream.closed, let context = self.context else { return }
            let head = HTTPRequestHead(
                method: stream.method,
                path: stream.path,
                authority: stream.authority ?? stream.headers["host"],
                scheme: stream.scheme,
                headers: stream.headers,
                remoteAddress: self.remoteAddress,
                wireProtocol: .http2
            )
            stream.headers = HTTPFields()
            if let declared = head.headers["content-length"].flatMap(Int.init), declared > self.settings.maxRequestBodySize {
                // Refuse before the handler runs; the reset follows the 413 (`.responseSent`).
                stream.bodyConsumed(stream.earlyBytes)
                stream.localError = HTTPStreamError(
                    code: .bodyTooLarge, message: "request body exceeds \(self.settings.maxRequestBodySize) bytes")
                stream.responseState = .ended
                stream.responseFinished = true
                self.submitResponse(stream, head: HTTPResponseHead(status: 413), withBody: false)
                return
            }
            // Bytes that came with the head: past the limit, the handler is told as if they had
            // come after it (`.data`); otherwise they are its body so far.
            let oversized = stream.earlyBytes > self.settings.maxRequestBodySize
            if oversized {
                stream.bodyConsumed(stream.earlyBytes)
                early.removeAll()
            } else if !stream.requestEnded {
                // More is to come: whatever the handler keeps must not pin the read buffer
                // (the chunks are slices of it, see `.data`).
                var copied = ByteBufferQueue()
                while let chunk = early.removeFirst() { copied.append(ByteBuffer(buffer: chunk)) }
                early = copied
            }
            let body = HTTPRequestBody(
                eventLoop: context.eventLoop, flow: stream, finished: stream.requestEnded && !oversized,
                trailers: stream.trailers, early: early, earlyBytes: oversized ? 0 : stream.earlyBytes)
            stream.body = body
            self.handler.handle(head, body: body, responder: HTTPResponder(stream, eventLoop: context.eventLoop))
            if oversized { self.rejectOversizedBody(stream) }
        case .data(let stream, let chunk):
            guard let body = stream.body, !stream.closed, stream.localError == nil else {
                stream.bodyConsumed(chunk.readableBytes)
                return
            }
            if body.receivedBytes + chunk.readableBytes > self.settings.maxRequestBodySize {
                stream.bodyConsumed(chunk.readableBytes)
                self.rejectOversizedBody(stream)
            } else if stream.requestEnded {
                // The request ended in this read: the handler is about to see it whole, so a
                // slice of the read buffer (`inputChunk`) is handed over as is.
                body.receive(chunk)
            } else {
                // More is to come: whatever the handler keeps must not pin the read buffer.
                body.receive(ByteBuffer(buffer: chunk))
            }
        case .end(let stream):
            stream.body?.finish(trailers: stream.trailers)
        case .closed(let stream, let errorCode):
            self.streams.removeValue(forKey: stream.id)
            if self.lastStream === stream { self.lastStream = nil }
            if stream.unconsumed > 0, let session = self.session {
                // A closed stream's unread bytes still hold connection window; give it back.
                nghttp2_session_consume_connection(session, stream.unconsumed)
                stream.unconsumed = 0
            }
            var error = stream.localError
            if error == nil && errorCode != 0 {
                error = HTTPStreamError(code: .resetByClient, message: "stream \(stream.id) reset", http2ErrorCode: errorCode)
            }
            stream.didClose(error: error)
        case .headersTooLarge(let stream):
            guard !stream.closed else { return }
            stream.responseState = .ended
            stream.responseFinished = true
            self.submitResponse(stream, head: HTTPResponseHead(status: 431), withBody: false)
        case .responseSent(let stream):
            // Complete response, request still open: RFC 9113 §8.1 lets us stop the upload
            // with RST_STREAM(NO_ERROR) instead of holding (or reading) the rest.
            if !stream.closed && !stream.requestEnded { self.resetStream(stream, errorCode: 0) }
        case .untrackedData(let id, let length):
            if let session = self.session { nghttp2_session_consume(session, id, length) }
        case .pingAck:
            if self.shutdownState == .noticeSent { self.sendFinalGoaway() }
        }
    }

    /// 413 when the handler has not answered yet (the reset follows once it is sent, see
    /// `.responseSent`: submitted now, RST_STREAM would overtake it and nghttp2 would drop
    /// the 413); otherwise RST_STREAM(NO_ERROR) at once. The handler sees `.bodyTooLarge`.
    private func rejectOversizedBody(_ stream: HTTP2Stream) {
        let error = HTTPStreamError(
            code: .bodyTooLarge, message: "request body exceeds \(self.settings.maxRequestBodySize) bytes")
        stream.localError = error
        stream.body?.fail(error)
        if stream.responseState == .idle {
            stream.responseState = .ended
            stream.responseFinished = true
            self.submitResponse(stream, head: HTTPResponseHead(status: 413), withBody: false)
        } else {
            stream.responseState = .ended
            self.resetStream(stream, errorCode: 0)
        }
    }

    // MARK: Called by streams (on the event loop, never from inside an nghttp2 callback)

    func submitResponse(_ stream: HTTP2Stream, head: HTTPResponseHead, withBody: Bool) {
        guard let session = self.session else { return }
        let rv: Int32
        if withBody {
            var provider = nghttp2_data_provider()
            provider.read_callback = NGHTTP2Session.dataSourceRead
            rv = NGHTTP2Session.withNameValues(status: head.status, fields: head.headers) { nva, count in
                nghttp2_submit_response(session, stream.id, nva, count, &provider)
            }
        } else {
            rv = NGHTTP2Session.withNameValues(status: head.status, fields: head.headers) { nva, count in
                nghttp2_submit_response(session, stream.id, nva, count, nil)
            }
        }
        if rv != 0 {
            self.log("nghttp2_submit_response(stream \(stream.id)) failed: \(NGHTTP2Session.errorString(Int(rv)))")
            self.resetStream(stream, errorCode: 2)  // INTERNAL_ERROR
        }
        self.scheduleFlush()
    }

    func resume(_ stream: HTTP2Stream) {
        guard let session = self.session else { return }
        if stream.deferred {
            stream.deferred = false
            nghttp2_session_resume_data(session, stream.id)
        }
        self.scheduleFlush()
    }

    func resetStream(_ stream: HTTP2Stream, errorCode: UInt32) {
        guard let session = self.session else { return }
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, errorCode)
        self.scheduleFlush()
    }

    func consume(stream: HTTP2Stream, bytes: Int) {
        guard let session = self.session else { return }
        nghttp2_session_consume(session, stream.id, bytes)
        self.scheduleFlush()
    }
}
