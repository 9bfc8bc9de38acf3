public import NIOCore

/// What a body reader is told, in order: any number of `data`, then exactly one of `end` or
/// `failed`.
public enum HTTPBodyEvent: Sendable {
    case data(ByteBuffer)
    case end(trailers: HTTPFields?)
    case failed(HTTPStreamError)
}

/// How a body returns flow-control credit to its connection once the handler took bytes.
protocol HTTPBodyFlowControl: AnyObject {
    func bodyConsumed(_ bytes: Int)
}

/// The request body of one stream, delivered as it arrives. Used on the connection's event loop
/// (`chunks` is the thread-safe view for async code).
///
/// Back-pressure: bytes count as taken when they are handed to a reader (`read`, `next`,
/// `collect`, `chunks`). Until then they stay buffered here and the client's flow-control
/// window is not reopened, so a slow handler slows the client instead of growing memory.
/// A handler that answers without reading the body need not do anything: once its response
/// is complete the rest is refused (HTTP/2 RST_STREAM NO_ERROR) or drained (HTTP/1.1). Call
/// `discard()` to keep reading and dropping it while a streamed response is still going.
public final class HTTPRequestBody {
    // Event-loop confined. Readers are called only after their slot was read into a local
    // and cleared, and no mutation here calls out, so no two accesses can overlap: the
    // dynamic exclusivity checks are off for these properties.
    public let eventLoop: EventLoop
    @exclusivity(unchecked) private var buffered = ByteBufferQueue()
    @exclusivity(unchecked) private var finished = false
    @exclusivity(unchecked) private var failure: HTTPStreamError?
    @exclusivity(unchecked) private var terminalDelivered = false
    @exclusivity(unchecked) private var reader: ((HTTPBodyEvent) -> Void)?
    @exclusivity(unchecked) private var pendingNext: EventLoopPromise<ByteBuffer?>?
    @exclusivity(unchecked) var flow: (any HTTPBodyFlowControl)?

    /// Trailer fields, once the body ended with them.
    @exclusivity(unchecked) public private(set) var trailers: HTTPFields?
    /// Total body bytes received so far.
    @exclusivity(unchecked) public private(set) var receivedBytes = 0

    /// `early`: body bytes that arrived with the head, before the handler was called (their
    /// flow-control credit returns when a reader takes them, as for later chunks); `finished`
    /// with `trailers`: the request had ended by then too.
    init(
        eventLoop: EventLoop, flow: (any HTTPBodyFlowControl)?, finished: Bool, trailers: HTTPFields? = nil,
        early: ByteBufferQueue = ByteBufferQueue(), earlyBytes: Int = 0
    ) {
        self.eventLoop = eventLoop
        self.flow = flow
        self.finished = finished
        self.trailers = trailers
        self.buffered = early
        self.receivedBytes = earlyBytes
    }

    /// True once the client sent the whole body.
    public var isComplete: Bool { self.finished }

    // MARK: Connection side

    func receive(_ chunk: ByteBuffer) {
        guard !self.finished, self.failure == nil else {
            self.flow?.bodyConsumed(chunk.readableBytes)
            return
        }
        self.receivedBytes += chunk.readableBytes
        if let reader = self.reader {
            self.flow?.bodyConsumed(chunk.readableBytes)
            reader(.data(chunk))
        } else if let promise = self.pendingNext {
            self.pendingNext = nil
            self.flow?.bodyConsumed(chunk.readableBytes)
            promise.succeed(chunk)
        } else {
            self.buffered.append(chunk)
        }
    }

    func finish(trailers: HTTPFields?) {
        guard !self.finished, self.failure == nil else { return }
        self.finished = true
        self.trailers = trailers
        self.deliverTerminalIfDrained()
    }

    /// Cancellation: drops buffered bytes at once and tells whoever is reading.
    func fail(_ error: HTTPStreamError) {
        guard self.failure == nil, !self.terminalDelivered else { return }
        self.failure = error
        self.buffered.removeAll()
        self.flow = nil
        self.deliverTerminalIfDrained()
    }

    private func deliverTerminalIfDrained() {
        guard self.buffered.isEmpty, !self.terminalDelivered else { return }
        if let error = self.failure {
            self.terminalDelivered = true
            if let reader = self.reader {
                self.reader = nil
                reader(.failed(error))
            } else if let promise = self.pendingNext {
                self.pendingNext = nil
                promise.fail(error)
            }
        } else if self.finished {
            if let reader = self.reader {
                self.terminalDelivered = true
                self.reader = nil
                reader(.end(trailers: self.trailers))
            } else if let promise = self.pendingNext {
                self.terminalDelivered = true
                self.pendingNext = nil
                promise.succeed(nil)
            }
        }
    }

    private func takeBuffered() -> ByteBuffer? {
        guard let chunk = self.buffered.removeFirst() else { return nil }
        self.flow?.bodyConsumed(chunk.readableBytes)
        return chunk
    }

    // MARK: Handler side

    /// Push delivery: `reader` gets every chunk (buffered ones first, at once), then the end.
    public func read(_ reader: @escaping (HTTPBodyEvent) -> Void) {
        self.eventLoop.preconditionInEventLoop()
        precondition(self.reader == nil && self.pendingNext == nil, "body already has a reader")
        while let chunk = self.takeBuffered() {
            reader(.data(chunk))
        }
        self.reader = reader
        self.deliverTerminalIfDrained()
    }

    /// The whole body at once, when it is all here already and in one piece (the usual case
    /// for a small request: it arrived in the read that carried its head): the body counts as
    /// read, its flow-control credit is returned and no reader is needed. Nil otherwise (not
    /// ended yet, failed, in several chunks, or a reader was set): read it as usual then.
    public func takeComplete() -> ByteBuffer? {
        self.eventLoop.preconditionInEventLoop()
        guard self.finished, self.failure == nil, !self.terminalDelivered, self.reader == nil, self.pendingNext == nil,
            self.buffered.hasAtMostOne
        else { return nil }
        self.terminalDelivered = true
        return self.takeBuffered() ?? ByteBuffer()
    }

    /// Pull delivery: the next chunk, or nil at the end. One outstanding call at a time.
    public func next() -> EventLoopFuture<ByteBuffer?> {
        self.eventLoop.preconditionInEventLoop()
        precondition(self.reader == nil && self.pendingNext == nil, "body already has a reader")
        if let chunk = self.takeBuffered() {
            return self.eventLoop.makeSucceededFuture(chunk)
        }
        if let error = self.failure {
            self.terminalDelivered = true
            return self.eventLoop.makeFailedFuture(error)
        }
        if self.finished {
            self.terminalDelivered = true
            return self.eventLoop.makeSucceededFuture(nil)
        }
        let promise = self.eventLoop.makePromise(of: ByteBuffer?.self)
        self.pendingNext = promise
        return promise.futureResult
    }

    /// The whole body in one buffer. Fails with `.bodyTooLarge` past `limit` bytes (the rest
    /// of the body is then read and dropped, so the connection keeps flowing).
    public func collect(upTo limit: Int) -> EventLoopFuture<ByteBuffer> {
        let promise = self.eventLoop.makePromise(of: ByteBuffer.self)
        var collected: ByteBuffer? = nil
        var overflowed = false
        self.read { event in
            switch event {
            case .data(var chunk):
                guard !overflowed else { return }
                if (collected?.readableBytes ?? 0) + chunk.readableBytes > limit {
                    overflowed = true
                    collected = nil
                    promise.fail(HTTPStreamError(code: .bodyTooLarge, message: "request body exceeds \(limit) bytes"))
                } else if collected == nil {
                    collected = chunk
                } else {
                    collected!.writeBuffer(&chunk)
                }
            case .end:
                if !overflowed { promise.succeed(collected ?? ByteBuffer()) }
            case .failed(let error):
                if !overflowed { promise.fail(error) }
            }
        }
        return promise.futureResult
    }

    /// Reads and drops the body, so its flow-control credit returns to the client.
    public func discard() {
        self.read { _ in }
    }

    /// The body as an `AsyncSequence` of chunks; it throws `HTTPStreamError` on cancellation.
    public var chunks: Chunks {
        Chunks(body: NIOLoopBound(self, eventLoop: self.eventLoop))
    }

    public struct Chunks: AsyncSequence, Sendable {
        public typealias Element = ByteBuffer
        let body: NIOLoopBound<HTTPRequestBody>

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(body: self.body)
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let body: NIOLoopBound<HTTPRequestBody>

            public mutating func next() async throws -> ByteBuffer? {
                let body = self.body
                return try await body.eventLoop.flatSubmit { body.value.next() }.get()
            }
        }

        /// Collects the whole body, failing with `.bodyTooLarge` past `limit` bytes.
        public func collect(upTo limit: Int) async throws -> ByteBuffer {
            let body = self.body
            return try await body.eventLoop.flatSubmit { body.value.collect(upTo: limit) }.get()
        }
    }
}
