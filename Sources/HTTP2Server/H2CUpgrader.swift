import NIOCore
import NIOHTTP1

/// What an HTTP/1.1 `Upgrade: h2c` request hands to the HTTP/2 connection: the client's
/// SETTINGS (from `HTTP2-Settings`) and the request, which becomes stream 1.
struct H2CUpgrade {
    var settingsPayload: [UInt8]
    var request: HTTPRequestHead
}

/// Lets NIO's `HTTPServerUpgradeHandler` switch a connection to HTTP/2 (RFC 7540 §3.2, as
/// `curl --http2` does). Only body-less requests upgrade: a request body would arrive as
/// HTTP/1.1 framing that the HTTP/2 side cannot take, so those stay on HTTP/1.1.
struct H2CUpgrader: HTTPServerProtocolUpgrader, Sendable {
    let settings: HTTP2Server.Configuration
    let handler: any HTTPHandler

    var supportedProtocol: String { "h2c" }
    var requiredUpgradeHeaders: [String] { ["HTTP2-Settings"] }

    struct Refused: Error {
        var reason: String
    }

    func buildUpgradeResponse(
        channel: Channel, upgradeRequest: NIOHTTP1.HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        let headers = upgradeRequest.headers
        let hasBody =
            headers["transfer-encoding"].contains { !$0.isEmpty }
            || headers["content-length"].contains { $0 != "0" }
        guard !hasBody else {
            return channel.eventLoop.makeFailedFuture(Refused(reason: "h2c upgrade with a request body"))
        }
        guard let encoded = headers.first(name: "http2-settings"), Self.base64URLDecode(encoded) != nil else {
            return channel.eventLoop.makeFailedFuture(Refused(reason: "malformed HTTP2-Settings"))
        }
        return channel.eventLoop.makeSucceededFuture(initialResponseHeaders)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: NIOHTTP1.HTTPRequestHead) -> EventLoopFuture<Void> {
        var fields = HTTPFields()
        for (name, value) in upgradeRequest.headers {
            switch name.lowercased() {
            case "upgrade", "http2-settings", "connection", "host": continue
            default: fields.add(name: name, value: value)
            }
        }
        let request = HTTPRequestHead(
            method: upgradeRequest.method.rawValue,
            path: upgradeRequest.uri,
            authority: upgradeRequest.headers.first(name: "host"),
            scheme: "http",
            headers: fields,
            remoteAddress: context.channel.remoteAddress,
            wireProtocol: .http2
        )
        let payload = upgradeRequest.headers.first(name: "http2-settings").flatMap(Self.base64URLDecode) ?? []
        let connection = HTTP2Connection(
            settings: self.settings, handler: self.handler,
            upgrade: H2CUpgrade(settingsPayload: payload, request: request))
        return context.eventLoop.makeCompletedFuture {
            try context.pipeline.syncOperations.addHandler(connection, position: .after(context.handler))
        }
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
