public import NIOCore
import NIOPosix
import Synchronization

/// An HTTP server on one port for HTTP/2 with prior knowledge (h2c, via libnghttp2) and
/// HTTP/1.1, both presented to one `HTTPHandler`.
///
/// Lifecycle: `start()` binds; `shutdownGracefully()` stops accepting, sends GOAWAY to every
/// HTTP/2 connection (notice, then final), lets in-flight requests finish, closes HTTP/1.1
/// connections after their current response, and force-closes what remains at the deadline.
public final class HTTP2Server: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Connections with no traffic (and, for HTTP/2, no open streams) for this long close.
        /// An HTTP/2 connection with open streams from which nothing arrives for this long is
        /// sent a PING, and closes if nothing arrives in the next period either (a half-open
        /// socket); HTTP/1.1 closes a connection whose request body stops arriving for this long.
        public var idleTimeout: TimeAmount = .seconds(60)
        /// HTTP/1.1: a request head must arrive complete within this long of the connection
        /// opening or the previous exchange ending, or the connection closes (stops slowloris
        /// clients that trickle header bytes to dodge the idle timeout).
        public var requestHeadTimeout: TimeAmount = .seconds(30)
        public var maxConcurrentStreams: UInt32 = 256
        /// Per-stream receive window advertised in SETTINGS.
        public var initialWindowSize: UInt32 = 1 << 20
        /// Connection-level receive window.
        public var connectionWindowSize: Int32 = 16 << 20
        /// Request header block limit (HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE, enforced by us; the
        /// HTTP/1.1 decoder limit too). Past it: 431 over HTTP/2, 431 and close over HTTP/1.1.
        public var maxHeaderListSize: Int = 16 << 10
        /// Request bodies longer than this get 413 (if not yet answered), then HTTP/1.1 closes
        /// the connection and HTTP/2 resets the stream; the handler sees `.bodyTooLarge`.
        public var maxRequestBodySize: Int = 64 << 20
        /// Unread HTTP/1.1 body bytes buffered before we stop reading the socket.
        public var http1BodyBufferSize: Int = 1 << 20
        /// Token bucket for incoming RST_STREAM (nghttp2 sends GOAWAY when it runs dry).
        public var streamResetBurst: UInt64 = 1000
        public var streamResetRate: UInt64 = 100
        /// Longest wait for the PING ACK between the GOAWAY notice and the final GOAWAY.
        public var goAwayDelay: TimeAmount = .seconds(1)
        /// Receives one line per connection-level problem (protocol errors, failed setup).
        public var logger: (@Sendable (String) -> Void)?

        public init(host: String = "127.0.0.1", port: Int = 0) {
            self.host = host
            self.port = port
        }
    }

    /// Sent down every connection's pipeline when a graceful shutdown starts.
    struct GracefulShutdownEvent: Sendable {}

    private struct State {
        var serverChannel: Channel?
        var connections: [ObjectIdentifier: Channel] = [:]
        var shuttingDown = false
    }

    public let configuration: Configuration
    public let group: EventLoopGroup
    let handler: any HTTPHandler
    private let state = Mutex(State())

    /// - Parameter group: connections are spread over its loops; each connection (and its
    ///   nghttp2 session) stays on one. The default has one loop per core.
    public init(
        configuration: Configuration,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: any HTTPHandler
    ) {
        self.configuration = configuration
        self.group = group
        self.handler = handler
    }

    /// The bound address (with the real port when `port` was 0), once started.
    public var localAddress: SocketAddress? {
        self.state.withLock { $0.serverChannel?.localAddress }
    }

    /// Number of open client connections.
    public var connectionCount: Int {
        self.state.withLock { $0.connections.count }
    }

    /// Binds and starts accepting. Returns the bound address.
    @discardableResult
    public func start() async throws -> SocketAddress {
        let configuration = self.configuration
        let handler = self.handler
        let channel = try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                guard self.register(channel) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(allTimeout: configuration.idleTimeout),
                        ProtocolSniffer(settings: configuration, handler: handler),
                    ])
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        self.state.withLock { $0.serverChannel = channel }
        return channel.localAddress!
    }

    /// Tracks a new connection; false when shutting down (the connection is refused).
    private func register(_ channel: Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let accepted = self.state.withLock { state -> Bool in
            guard !state.shuttingDown else { return false }
            state.connections[id] = channel
            return true
        }
        if accepted {
            channel.closeFuture.whenComplete { [self] _ in
                _ = self.state.withLock { $0.connections.removeValue(forKey: id) }
            }
        }
        return accepted
    }

    /// Stops accepting, asks every connection to finish, and returns when all closed (or when
    /// `timeout` passed, after force-closing the rest).
    public func shutdownGracefully(timeout: TimeAmount = .seconds(10)) async {
        try? await self.initiateGracefulShutdown(timeout: timeout).get()
    }

    /// `shutdownGracefully` for callers outside Swift concurrency (signal handlers, tests):
    /// starts the shutdown at once; the future completes when every connection closed.
    public func initiateGracefulShutdown(timeout: TimeAmount = .seconds(10)) -> EventLoopFuture<Void> {
        let (server, connections) = self.state.withLock { state in
            state.shuttingDown = true
            return (state.serverChannel, Array(state.connections.values))
        }
        let loop = self.group.next()
        let serverClosed = server?.close() ?? loop.makeSucceededVoidFuture()
        for connection in connections {
            connection.pipeline.fireUserInboundEventTriggered(GracefulShutdownEvent())
        }
        let forceClose = loop.scheduleTask(in: timeout) {
            for connection in connections { connection.close(promise: nil) }
        }
        let closed = connections.map { $0.closeFuture } + [serverClosed.recover { _ in }]
        return EventLoopFuture.andAllComplete(closed, on: loop).always { _ in forceClose.cancel() }
    }
}
