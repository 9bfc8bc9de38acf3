import NIOCore

/// What an HTTP/1.1 `Upgrade: h2c` request hands to the HTTP/2 connection: the client's
/// SETTINGS (from `HTTP2-Settings`) and the request, which becomes stream 1.
struct H2CUpgrade {
    var settingsPayload: [UInt8]
    var request: HTTPRequestHead
}

/// Decides whether a connection's first HTTP/1.1 request switches it to HTTP/2 (RFC 7540
/// §3.2, as `curl --http2` and `nghttp -u` do): `Upgrade: h2c`, an `HTTP2-Settings` field, and
/// both named in `Connection`. Only body-less requests upgrade: a request body would arrive as
/// HTTP/1.1 framing that the HTTP/2 side cannot take, so those stay on HTTP/1.1, as do
/// requests whose `HTTP2-Settings` is not base64url.
enum H2CUpgrader {
    static func upgrade(
        for head: HTTP1RequestHead, request: HTTPRequestHead, log: (@Sendable (String) -> Void)?
    ) -> H2CUpgrade? {
        guard head.connectionTokens.contains("upgrade"), head.connectionTokens.contains("http2-settings"),
            let protocols = head.headers["upgrade"],
            HTTP1Parser.tokens(protocols).contains("h2c"),
            let encoded = head.headers["http2-settings"]
        else { return nil }
        switch head.framing {
        case .none, .length(0): break
        case .length, .chunked:
            log?("h2c upgrade with a request body: staying on HTTP/1.1")
            return nil
        }
        guard let payload = Self.base64URLDecode(encoded) else {
            log?("h2c upgrade with a malformed HTTP2-Settings: staying on HTTP/1.1")
            return nil
        }
        var upgraded = request
        upgraded.headers = HTTPFields()
        for field in head.headers {
            switch field.name {
            case "upgrade", "http2-settings", "connection", "host": continue
            default: upgraded.headers.appendLowercased(name: field.name, value: field.value)
            }
        }
        upgraded.wireProtocol = .http2
        return H2CUpgrade(settingsPayload: payload, request: upgraded)
    }

    /// base64url without padding (RFC 4648 §5), as `HTTP2-Settings` carries it.
    static func base64URLDecode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"), UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "_"), UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }
}
