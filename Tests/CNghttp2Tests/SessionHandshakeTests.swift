import CNghttp2
import Testing

/// Proves the system library links and works: a client and a server nghttp2 session, both
/// in memory, exchange the connection preface and SETTINGS (and their ACKs).
@Suite struct SessionHandshakeTests {
    final class Peer {
        var session: OpaquePointer?
        var framesReceived: [UInt8] = []
        var settingsAcked = false
    }

    static func makeCallbacks() -> OpaquePointer {
        var callbacks: OpaquePointer?
        #expect(nghttp2_session_callbacks_new(&callbacks) == 0)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            let peer = Unmanaged<Peer>.fromOpaque(userData!).takeUnretainedValue()
            let hd = frame!.pointee.hd
            peer.framesReceived.append(hd.type)
            if hd.type == UInt8(NGHTTP2_SETTINGS.rawValue) && hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 {
                peer.settingsAcked = true
            }
            return 0
        }
        return callbacks!
    }

    /// Drains everything `from` wants to send and feeds it to `to`; returns the byte count.
    static func pump(from: OpaquePointer, to: OpaquePointer) -> Int {
        var total = 0
        while true {
            var data: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(from, &data)
            #expect(n >= 0)
            if n <= 0 { break }
            let consumed = nghttp2_session_mem_recv(to, data, n)
            #expect(consumed == n)
            total += n
        }
        return total
    }

    @Test func clientAndServerExchangePrefaceAndSettings() {
        let callbacks = Self.makeCallbacks()
        defer { nghttp2_session_callbacks_del(callbacks) }
        let client = Peer()
        let server = Peer()
        var c: OpaquePointer?
        var s: OpaquePointer?
        #expect(nghttp2_session_client_new(&c, callbacks, Unmanaged.passUnretained(client).toOpaque()) == 0)
        #expect(nghttp2_session_server_new(&s, callbacks, Unmanaged.passUnretained(server).toOpaque()) == 0)
        defer {
            nghttp2_session_del(c)
            nghttp2_session_del(s)
        }
        var iv = nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: 256)
        #expect(nghttp2_submit_settings(c, UInt8(NGHTTP2_FLAG_NONE.rawValue), &iv, 1) == 0)
        #expect(nghttp2_submit_settings(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), &iv, 1) == 0)

        // Client's first bytes are the 24-byte preface followed by its SETTINGS frame.
        let clientFirst = Self.pump(from: c!, to: s!)
        #expect(clientFirst >= 24 + 9)
        _ = Self.pump(from: s!, to: c!)
        _ = Self.pump(from: c!, to: s!)
        _ = Self.pump(from: s!, to: c!)

        let settings = UInt8(NGHTTP2_SETTINGS.rawValue)
        #expect(server.framesReceived.contains(settings))
        #expect(client.framesReceived.contains(settings))
        #expect(server.settingsAcked)
        #expect(client.settingsAcked)
        #expect(nghttp2_session_get_remote_settings(s, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) == 256)
    }
}
