import NIOCore

/// First handler of every connection: decides HTTP/2 (prior knowledge) or HTTP/1.1 from the
/// first bytes, installs the matching handlers after itself, replays the bytes, and leaves.
/// Decides as soon as a byte differs from the preface, so a short HTTP/1.1 request never waits.
final class ProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    let settings: HTTP2Server.Configuration
    let handler: any HTTPHandler
    private var buffered: ByteBuffer?

    init(settings: HTTP2Server.Configuration, handler: any HTTPHandler) {
        self.settings = settings
        self.handler = handler
    }

    enum Verdict {
        case needMore
        case http2
        case http1
    }

    static func classify(_ bytes: ByteBuffer) -> Verdict {
        let count = Swift.min(bytes.readableBytes, Self.preface.count)
        let matches = bytes.withUnsafeReadableBytes { raw in
            (0..<count).allSatisfy { raw[$0] == Self.preface[$0] }
        }
        if !matches { return .http1 }
        return count == Self.preface.count ? .http2 : .needMore
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        if self.buffered == nil {
            self.buffered = incoming
        } else {
            self.buffered!.writeBuffer(&incoming)
        }
        let verdict = Self.classify(self.buffered!)
        guard verdict != .needMore else { return }
        do {
            let connection: any ChannelHandler =
                verdict == .http2
                ? HTTP2Connection(settings: self.settings, handler: self.handler)
                : HTTP1Connection(settings: self.settings, handler: self.handler)
            try context.pipeline.syncOperations.addHandler(connection, position: .after(self))
        } catch {
            self.settings.logger?("cannot set up connection pipeline: \(error)")
            context.close(promise: nil)
            return
        }
        let bytes = self.buffered!
        self.buffered = nil
        context.fireChannelRead(self.wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Still undecided: nothing in flight, so shutdown or idleness just closes.
        if event is HTTP2Server.GracefulShutdownEvent || event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
