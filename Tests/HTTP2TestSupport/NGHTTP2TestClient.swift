import CNghttp2
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP/2 client for tests (of the transport in HTTP2ServerTests, of the gRPC front's
/// wire shapes in MetricsServerTests): a libnghttp2 client session driven over a blocking TCP
/// socket. Everything runs on the calling thread; `pump(until:)` alternates sending what the
/// session wants and feeding it what arrives, until a condition holds or a timeout passes.
public final class NGHTTP2TestClient {
    public struct Response {
        public var headers: [(String, String)] = []
        public var trailers: [(String, String)] = []
        public var body: [UInt8] = []
        public var dataFrames = 0
        public var headerFrames = 0
        public var endStreamOnFirstHeaders = false
        public var closed = false
        public var errorCode: UInt32 = 0
        public var status: Int? { self.headers.first { $0.0 == ":status" }.flatMap { Int($0.1) } }
        public var bodyString: String { String(decoding: self.body, as: UTF8.self) }
    }

    public struct OutgoingBody {
        public var bytes: [UInt8]
        public var offset = 0
        public var maxChunk: Int
        public var end: Bool
        public var deferred = false
        /// Sent as a trailing HEADERS frame (with END_STREAM) after the last DATA frame.
        public var trailers: [(String, String)] = []
    }

    public let fd: Int32
    public var session: OpaquePointer?
    public var responses: [Int32: Response] = [:]
    public var bodies: [Int32: OutgoingBody] = [:]
    public var goaways: [(lastStreamID: Int32, errorCode: UInt32)] = []
    public var pingAcks = 0
    /// (type, flags, stream) of every frame received, for diagnosing failures.
    public var frameLog: [(UInt8, UInt8, Int32)] = []
    public var peerClosed = false
    /// Bytes per `send()` call; 1 sends the connection byte by byte.
    public var writeChunkSize = 1 << 20

    public init(port: Int) throws {
        self.fd = try Self.connect(port: port)
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, namelen, value, valuelen, _, ud in
            let client = Unmanaged<NGHTTP2TestClient>.fromOpaque(ud!).takeUnretainedValue()
            let id = frame!.pointee.hd.stream_id
            let pair = (
                String(decoding: UnsafeRawBufferPointer(start: name, count: namelen), as: UTF8.self),
                String(decoding: UnsafeRawBufferPointer(start: value, count: valuelen), as: UTF8.self)
            )
            if frame!.pointee.headers.cat == NGHTTP2_HCAT_HEADERS {
                client.responses[id, default: Response()].trailers.append(pair)
            } else {
                client.responses[id, default: Response()].headers.append(pair)
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, ud in
            let client = Unmanaged<NGHTTP2TestClient>.fromOpaque(ud!).takeUnretainedValue()
            let hd = frame!.pointee.hd
            client.frameLog.append((hd.type, hd.flags, hd.stream_id))
            switch UInt32(hd.type) {
            case NGHTTP2_HEADERS.rawValue:
                var response = client.responses[hd.stream_id, default: Response()]
                response.headerFrames += 1
                if response.headerFrames == 1 && hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 {
                    response.endStreamOnFirstHeaders = true
                }
                client.responses[hd.stream_id] = response
            case NGHTTP2_DATA.rawValue:
                client.responses[hd.stream_id, default: Response()].dataFrames += 1
            case NGHTTP2_GOAWAY.rawValue:
                client.goaways.append((frame!.pointee.goaway.last_stream_id, frame!.pointee.goaway.error_code))
            case NGHTTP2_PING.rawValue:
                if hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { client.pingAcks += 1 }
            default: break
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, id, data, len, ud in
            let client = Unmanaged<NGHTTP2TestClient>.fromOpaque(ud!).takeUnretainedValue()
            client.responses[id, default: Response()].body.append(contentsOf: UnsafeBufferPointer(start: data, count: len))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, id, code, ud in
            let client = Unmanaged<NGHTTP2TestClient>.fromOpaque(ud!).takeUnretainedValue()
            client.responses[id, default: Response()].closed = true
            client.responses[id, default: Response()].errorCode = code
            return 0
        }
        var session: OpaquePointer?
        nghttp2_session_client_new(&session, callbacks, Unmanaged.passUnretained(self).toOpaque())
        self.session = session
        var iv = nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0)
        nghttp2_submit_settings(session, 0, &iv, 1)
    }

    deinit {
        nghttp2_session_del(self.session)
        close(self.fd)
    }

    public static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 0, tv_usec: 20_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // A server that stops reading makes sends fail after 3 s instead of hanging the test.
        var sendTimeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Submits a request; `body` is sent in DATA frames of at most `maxChunk` bytes, and the
    /// stream stays open after it unless `end`.
    @discardableResult
    public func request(
        method: String = "GET", path: String = "/", headers: [(String, String)] = [],
        body: [UInt8]? = nil, maxChunk: Int = 16384, end: Bool = true, trailers: [(String, String)] = []
    ) -> Int32 {
        var nv: [(String, String)] = [(":method", method), (":path", path), (":scheme", "http"), (":authority", "localhost")]
        nv += headers
        let id = Self.withNVs(nv) { nva, count -> Int32 in
            if let body {
                var provider = nghttp2_data_provider()
                provider.read_callback = { session, id, buf, len, flags, _, ud in
                    let client = Unmanaged<NGHTTP2TestClient>.fromOpaque(ud!).takeUnretainedValue()
                    guard var out = client.bodies[id] else { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
                    let n = min(len, out.maxChunk, out.bytes.count - out.offset)
                    out.bytes.withUnsafeBufferPointer { src in
                        buf!.update(from: src.baseAddress! + out.offset, count: n)
                    }
                    out.offset += n
                    if out.offset == out.bytes.count && out.end {
                        flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
                        if !out.trailers.isEmpty {
                            flags!.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                            let rv = NGHTTP2TestClient.withNVs(out.trailers) { nghttp2_submit_trailer(session, id, $0, $1) }
                            if rv != 0 { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
                        }
                    } else if n == 0 {
                        out.deferred = true
                        client.bodies[id] = out
                        return Int(NGHTTP2_ERR_DEFERRED.rawValue)
                    }
                    client.bodies[id] = out
                    return n
                }
                let id = nghttp2_submit_request(self.session, nil, nva, count, &provider, nil)
                self.bodies[id] = OutgoingBody(bytes: body, maxChunk: maxChunk, end: end, trailers: trailers)
                return id
            }
            return nghttp2_submit_request(self.session, nil, nva, count, nil, nil)
        }
        precondition(id > 0, "submit_request failed: \(id)")
        return id
    }

    /// Appends bytes to a stream opened with `end: false`, optionally ending it.
    public func sendMore(_ stream: Int32, _ bytes: [UInt8], end: Bool) {
        self.bodies[stream]!.bytes += bytes
        self.bodies[stream]!.end = end
        if self.bodies[stream]!.deferred {
            self.bodies[stream]!.deferred = false
            nghttp2_session_resume_data(self.session, stream)
        }
    }

    public func reset(_ stream: Int32, code: UInt32 = NGHTTP2_CANCEL.rawValue) {
        nghttp2_submit_rst_stream(self.session, 0, stream, code)
    }

    public func ping() {
        nghttp2_submit_ping(self.session, 0, nil)
    }

    /// What the server announced in its SETTINGS (nghttp2's defaults until that frame arrived),
    /// and the window it opened for what we send on the connection.
    public struct RemoteSettings: Equatable, Sendable {
        public var maxConcurrentStreams: UInt32
        public var initialWindowSize: UInt32
        public var maxHeaderListSize: UInt32
        public var maxFrameSize: UInt32
        public var connectionWindow: Int32
    }

    public var remoteSettings: RemoteSettings {
        RemoteSettings(
            maxConcurrentStreams: nghttp2_session_get_remote_settings(self.session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS),
            initialWindowSize: nghttp2_session_get_remote_settings(self.session, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE),
            maxHeaderListSize: nghttp2_session_get_remote_settings(self.session, NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE),
            maxFrameSize: nghttp2_session_get_remote_settings(self.session, NGHTTP2_SETTINGS_MAX_FRAME_SIZE),
            connectionWindow: nghttp2_session_get_remote_window_size(self.session))
    }

    public static func withNVs<R>(_ pairs: [(String, String)], _ body: (UnsafeMutablePointer<nghttp2_nv>, Int) -> R) -> R {
        var storage: [[UInt8]] = []
        for (name, value) in pairs {
            storage.append(Array(name.utf8))
            storage.append(Array(value.utf8))
        }
        let pointers = storage.map { bytes -> UnsafeMutablePointer<UInt8> in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
            p.initialize(from: bytes, count: bytes.count)
            return p
        }
        defer { pointers.forEach { $0.deallocate() } }
        var nva: [nghttp2_nv] = []
        for i in 0..<pairs.count {
            nva.append(nghttp2_nv(
                name: pointers[2 * i], value: pointers[2 * i + 1], namelen: storage[2 * i].count,
                valuelen: storage[2 * i + 1].count, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
        }
        return nva.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    }

    /// Sends everything the session has queued: gathered first, then written in pieces of
    /// `writeChunkSize`, so a small request (HEADERS, DATA, trailers) goes out in one write.
    public func sendPending() {
        var pending: [UInt8] = []
        while true {
            var data: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(self.session, &data)
            if n <= 0 { break }
            pending.append(contentsOf: UnsafeBufferPointer(start: data, count: n))
        }
        var offset = 0
        while offset < pending.count {
            let size = min(self.writeChunkSize, pending.count - offset)
            let sent = pending.withUnsafeBytes { send(self.fd, $0.baseAddress! + offset, size, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 {
                self.peerClosed = true
                return
            }
            offset += sent
        }
    }

    /// Reads once (waiting at most ~20 ms) and feeds the session; false when the peer closed.
    @discardableResult
    public func receiveOnce() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            self.peerClosed = true
            return false
        }
        if n > 0 {
            let rv = buffer.withUnsafeBufferPointer { nghttp2_session_mem_recv(self.session, $0.baseAddress, n) }
            precondition(rv >= 0, "client mem_recv failed: \(rv)")
        }
        return true
    }

    /// Sends and receives until `condition` holds; returns whether it did before `timeout`.
    @discardableResult
    public func pump(timeout: Double = 5, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            self.sendPending()
            if condition() { return true }
            if self.peerClosed { return condition() }
            self.receiveOnce()
        }
        return condition()
    }

    /// Sends a request and waits for the stream to close; returns the response.
    public func fetch(
        method: String = "GET", path: String = "/", headers: [(String, String)] = [], body: [UInt8]? = nil,
        maxChunk: Int = 16384, trailers: [(String, String)] = []
    ) -> Response? {
        let id = self.request(method: method, path: path, headers: headers, body: body, maxChunk: maxChunk, trailers: trailers)
        guard self.pump(until: { self.responses[id]?.closed == true }) else { return nil }
        return self.responses[id]
    }
}
