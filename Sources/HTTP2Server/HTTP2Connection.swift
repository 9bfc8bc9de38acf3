internal import CNghttp2
import NIOCore

/// One HTTP/2 connection: owns a libnghttp2 server session fed through the memory API.
///
/// nghttp2 callbacks only record what happened (`events`); requests are dispatched to the
/// handler after `mem_recv` returns, and output is drained with `mem_send` once per read batch
/// (or once per handler call made outside a read). The session lives only on this channel's
/// event loop; it holds a retained `Unmanaged` reference to this object as user data until
/// `nghttp2_session_del`.
final class HTTP2Connection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Event {
        case head(HTTP2Stream)
        case data(HTTP2Stream, ByteBuffer)
        case end(HTTP2Stream)
        case closed(HTTP2Stream, UInt32)
        case headersTooLarge(HTTP2Stream)
        case untrackedData(Int32, Int)
        case responseSent(HTTP2Stream)
        case pingAck
    }

    enum ShutdownState {
        case running
        case noticeSent
        case finalGoawaySent
    }

    let settings: HTTP2Server.Configuration
    let handler: any HTTPHandler
    private(set) var session: OpaquePointer?
    var context: ChannelHandlerContext?
    var eventLoop: EventLoop? { self.context?.eventLoop }
    var remoteAddress: SocketAddress?
    var streams: [Int32: HTTP2Stream] = [:]
    /// The stream callbacks asked for last: nghttp2 reports a header block field by field,
    /// so most lookups hit it and skip hashing. Read per callback on the event loop only, so
    /// without dynamic exclusivity checks (as the request fields of `HTTP2Stream`).
    @exclusivity(unchecked) var lastStream: HTTP2Stream?

    @inline(__always)
    func stream(_ id: Int32) -> HTTP2Stream? {
        if let last = self.lastStream, last.id == id { return last }
        let found = self.streams[id]
        if found != nil { self.lastStream = found }
        return found
    }
    var events: [Event] = []
    /// Strings of the previous request header block, reused when fields repeat. Per header
    /// field, event loop only: no dynamic exclusivity checks.
    @exclusivity(unchecked) var headerReuse = HeaderBlockReuse()
    var processing: [Event] = []
    /// The buffer `mem_recv` is reading, and where its readable bytes start, while it runs:
    /// nghttp2 hands DATA payloads as pointers into it, so chunks can be slices of it.
    var input: ByteBuffer?
    var inputStart: UnsafeRawPointer?
    var completedPromises: [EventLoopPromise<Void>] = []
    private var inReadBatch = false
    private var flushing = false
    var processingEvents = false
    private var needsFlush = false
    private var readHeld = false
    private var closing = false
    var shutdownState = ShutdownState.running
    /// Set when a stream opens; cleared by each idle check.
    var streamOpenedSinceIdleCheck = false
    /// Set by every read; cleared by each idle check.
    private var receivedSinceIdleCheck = false
    /// A liveness PING is out (`scheduleIdleCheck`) and nothing has been read since.
    private var livenessPingSent = false
    private var idleCheck: Scheduled<Void>?

    private var upgrade: H2CUpgrade?

    init(settings: HTTP2Server.Configuration, handler: any HTTPHandler, upgrade: H2CUpgrade? = nil) {
        self.settings = settings
        self.handler = handler
        self.upgrade = upgrade
    }

    // MARK: Channel lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.remoteAddress = context.channel.remoteAddress
        // The connection's IdleStateHandler guards the bytes before the protocol is known (and
        // HTTP/1.1); HTTP/2 has its own stream-based idle check (`scheduleIdleCheck`) and
        // ignores its events, so it leaves: it would only add a handler hop and a write
        // promise to every read and write.
        if let idle = try? context.pipeline.syncOperations.handler(type: IdleStateHandler.self) {
            context.pipeline.syncOperations.removeHandler(idle, promise: nil)
        }
        do {
            self.session = try NGHTTP2Session.makeServerSession(for: self, settings: self.settings)
        } catch {
            self.log("cannot create nghttp2 session: \(error)")
            context.close(promise: nil)
            return
        }
        if let upgrade = self.upgrade {
            self.upgrade = nil
            self.startUpgradedStream(upgrade)
        }
        self.scheduleIdleCheck()
        self.scheduleFlush()
    }

    /// True when some stream's request header block has been arriving for more than a whole
    /// idle period (a slowloris trickling HEADERS keeps the socket busy but never completes).
    private func hasStalledHeaderBlock() -> Bool {
        var stalled = false
        for stream in self.streams.values where !stream.headReceived {
            stream.idleChecksWithoutHead += 1
            if stream.idleChecksWithoutHead >= 2 { stalled = true }
        }
        return stalled
    }

    /// Closes (GOAWAY) a connection that had no open stream and opened none for a whole
    /// `idleTimeout`, however many PINGs it sends. A connection with open streams from which
    /// nothing was read for a whole period gets a PING; if nothing (not even the ACK) arrives
    /// in the next period, the peer is gone (a half-open socket: crashed host, cut network)
    /// or not reading, and the connection closes, cancelling its streams. A live client that
    /// is only waiting (a slow answer, a health Watch) answers the PING and stays.
    private func scheduleIdleCheck() {
        guard let context = self.context else { return }
        self.idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: self.settings.idleTimeout) {
            guard let session = self.session, !self.closing else { return }
            let received = self.receivedSinceIdleCheck
            self.receivedSinceIdleCheck = false
            if self.streams.isEmpty && !self.streamOpenedSinceIdleCheck {
                self.goAwayAndClose()
                return
            }
            if self.hasStalledHeaderBlock() {
                self.log("HTTP/2 header block incomplete for over \(self.settings.idleTimeout); closing")
                self.goAwayAndClose()
                return
            }
            if received {
                self.livenessPingSent = false
            } else if self.livenessPingSent {
                self.log("HTTP/2 peer silent for two idle periods (\(self.settings.idleTimeout) each) with \(self.streams.count) open stream(s), liveness PING unanswered; closing")
                self.goAwayAndClose()
                return
            } else {
                Self.livenessPingData.withUnsafeBufferPointer {
                    _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), $0.baseAddress)
                }
                self.livenessPingSent = true
                self.scheduleFlush()
            }
            self.streamOpenedSinceIdleCheck = false
            self.scheduleIdleCheck()
        }
    }

    /// The opaque data of liveness PINGs ("alive?\0\0"), told apart from the graceful
    /// shutdown's PING (all zeros), whose ACK sends the final GOAWAY.
    static let livenessPingData: [UInt8] = [0x61, 0x6C, 0x69, 0x76, 0x65, 0x3F, 0, 0]

    /// After `Upgrade: h2c` the HTTP/1.1 request is stream 1, already half-closed (remote).
    private func startUpgradedStream(_ upgrade: H2CUpgrade) {
        guard let session = self.session else { return }
        let rv = upgrade.settingsPayload.withUnsafeBufferPointer {
            nghttp2_session_upgrade2(session, $0.baseAddress, $0.count, upgrade.request.method == "HEAD" ? 1 : 0, nil)
        }
        guard rv == 0 else {
            self.log("h2c upgrade failed: \(NGHTTP2Session.errorString(Int(rv)))")
            self.closeConnection()
            return
        }
        let stream = HTTP2Stream(id: 1, connection: self)
        stream.method = upgrade.request.method
        stream.path = upgrade.request.path
        stream.authority = upgrade.request.authority
        stream.headers = upgrade.request.headers
        stream.headReceived = true
        stream.requestEnded = true
        self.streams[1] = stream
        self.events.append(.head(stream))
        self.processEvents()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.tearDown(HTTPStreamError(code: .connectionClosed, message: "connection handler removed"))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.tearDown(HTTPStreamError(code: .connectionClosed, message: "connection closed"))
        context.fireChannelInactive()
    }

    /// Cancels every open stream and deletes the session (releasing its reference to us).
    private func tearDown(_ error: HTTPStreamError) {
        self.idleCheck?.cancel()
        self.idleCheck = nil
        let open = self.streams
        self.streams = [:]
        self.lastStream = nil
        self.events = []
        for stream in open.values { stream.didClose(error: error) }
        if let session = self.session {
            self.session = nil
            nghttp2_session_del(session)
            Unmanaged.passUnretained(self).release()
        }
        let promises = self.completedPromises
        self.completedPromises = []
        for promise in promises { promise.succeed(()) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session = self.session, !self.closing else { return }
        let buffer = self.unwrapInboundIn(data)
        self.inReadBatch = true
        self.receivedSinceIdleCheck = true
        let result = buffer.withUnsafeReadableBytes { bytes in
            self.input = buffer
            self.inputStart = UnsafeRawPointer(bytes.baseAddress)
            defer {
                self.input = nil
                self.inputStart = nil
            }
            return nghttp2_session_mem_recv(session, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        if result < 0 {
            self.log("HTTP/2 protocol error from \(self.remoteAddress.map { "\($0)" } ?? "?"): \(NGHTTP2Session.errorString(result))")
            // nghttp2 has queued a GOAWAY for most errors; send it, then close.
            self.processEvents()
            self.flush()
            self.closeConnection()
            return
        }
        self.processEvents()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.inReadBatch = false
        self.flush()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        // Stop reading while the socket cannot take our output: nghttp2 would queue the
        // responses to whatever we read next.
        if context.channel.isWritable {
            context.read()
        } else {
            self.readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.flush()
            if self.readHeld {
                self.readHeld = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is HTTP2Server.GracefulShutdownEvent {
            self.beginGracefulShutdown()
        }
        // HTTP/2 removes the IdleStateHandler (PINGs and SETTINGS would count as traffic for
        // it) and uses its own stream-based idle check (`scheduleIdleCheck`).
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.log("HTTP/2 connection error: \(error)")
        self.closeConnection()
    }

    // MARK: Output

    /// Drains now unless a read batch, a drain, or event dispatch is under way — those flush
    /// when they finish, which coalesces many responses into one write.
    func scheduleFlush() {
        if self.inReadBatch || self.flushing || self.processingEvents {
            self.needsFlush = true
        } else {
            self.flush()
        }
    }

    /// Pulls everything nghttp2 wants to send into one buffer, writes and flushes it once.
    func flush() {
        guard self.session != nil, let context = self.context, !self.flushing else { return }
        self.flushing = true
        self.needsFlush = false
        var wrote = false
        var rounds = 0
        // The session is re-read each round: user code runs in between (promises, handlers)
        // and a synchronous channel close would have deleted it.
        while let session = self.session, rounds < 64 {
            rounds += 1
            var out: ByteBuffer?
            while context.channel.isWritable || out == nil {
                var chunk: UnsafePointer<UInt8>?
                let n = nghttp2_session_mem_send(session, &chunk)
                if n < 0 {
                    self.log("nghttp2_session_mem_send failed: \(NGHTTP2Session.errorString(n))")
                    self.flushing = false
                    self.closeConnection()
                    return
                }
                guard n > 0, let chunk else { break }
                if out == nil { out = context.channel.allocator.buffer(capacity: Swift.max(n, 4096)) }
                out!.writeBytes(UnsafeRawBufferPointer(start: chunk, count: n))
                if out!.readableBytes >= 1 << 20 { break }
            }
            if let out {
                context.write(self.wrapOutboundOut(out), promise: nil)
                wrote = true
            }
            if !self.completedPromises.isEmpty {
                let promises = self.completedPromises
                self.completedPromises = []
                for promise in promises { promise.succeed(()) }
            }
            self.flushing = false
            self.processEvents()
            self.flushing = true
            guard let session = self.session else { break }
            let more = self.needsFlush || !self.events.isEmpty
                || (nghttp2_session_want_write(session) != 0 && context.channel.isWritable)
            self.needsFlush = false
            if !more { break }
        }
        self.needsFlush = false
        self.flushing = false
        if wrote { context.flush() }
        // Flushing may have failed and closed the channel synchronously, deleting the session.
        guard let session = self.session else { return }
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 {
            self.closeConnection()
        }
    }

    /// Closes our side first and the socket a little later: closing at once with client bytes
    /// still unread would make the kernel send RST, and the client could lose our GOAWAY.
    func closeConnection() {
        guard !self.closing, let context = self.context else { return }
        self.closing = true
        context.close(mode: .output, promise: nil)
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(500)) {
            context.close(promise: nil)
        }
    }

    // MARK: Shutdown

    /// GOAWAY(2^31-1) as a notice plus a PING; the final GOAWAY with the real last stream id
    /// follows on the PING ACK (or after `goAwayDelay`). Open streams then finish; the
    /// connection closes when nghttp2 has nothing left to read or write.
    func beginGracefulShutdown() {
        guard self.shutdownState == .running, let session = self.session, let context = self.context else { return }
        self.shutdownState = .noticeSent
        nghttp2_submit_shutdown_notice(session)
        nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
        context.eventLoop.assumeIsolated().scheduleTask(in: self.settings.goAwayDelay) {
            self.sendFinalGoaway()
        }
        self.scheduleFlush()
    }

    func sendFinalGoaway() {
        guard self.shutdownState == .noticeSent, let session = self.session else { return }
        self.shutdownState = .finalGoawaySent
        nghttp2_submit_goaway(
            session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
            NGHTTP2_NO_ERROR.rawValue, nil, 0)
        self.scheduleFlush()
    }

    private func goAwayAndClose() {
        guard let session = self.session else { return }
        nghttp2_submit_goaway(
            session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
            NGHTTP2_NO_ERROR.rawValue, nil, 0)
        self.flush()
        self.closeConnection()
    }

    /// A DATA payload nghttp2 reports during `mem_recv`: a slice of the read buffer when it
    /// lies inside it (no copy), else a copy.
    func inputChunk(_ data: UnsafePointer<UInt8>, count: Int) -> ByteBuffer {
        let pointer = UnsafeRawPointer(data)
        if let input = self.input, let start = self.inputStart, pointer >= start,
            pointer + count <= start + input.readableBytes,
            let slice = input.getSlice(at: input.readerIndex + (pointer - start), length: count)
        {
            return slice
        }
        return ByteBuffer(bytes: UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func log(_ message: String) {
        self.settings.logger?(message)
    }
}
