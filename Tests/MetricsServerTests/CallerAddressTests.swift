import HTTP2Server
import NIOCore
import Testing

@testable import MetricsServer

/// SPEC §6 `--no-auth`: identity = peer address. The port is not part of it, so reconnecting
/// does not make a new identity with fresh rate limits (SPEC §5).
@Suite struct CallerAddressTests {
    @Test func theSameHostOnDifferentPortsIsOneCaller() throws {
        let a = try SocketAddress(ipAddress: "10.1.2.3", port: 1111)
        let b = try SocketAddress(ipAddress: "10.1.2.3", port: 2222)
        #expect(HTTPRequestHead.callerAddress(a) == "10.1.2.3")
        #expect(HTTPRequestHead.callerAddress(a) == HTTPRequestHead.callerAddress(b))
    }

    @Test func differentHostsAreDifferentCallers() throws {
        let v4 = try SocketAddress(ipAddress: "10.1.2.3", port: 1)
        let v6 = try SocketAddress(ipAddress: "::1", port: 1)
        #expect(HTTPRequestHead.callerAddress(v4) != HTTPRequestHead.callerAddress(v6))
        #expect(HTTPRequestHead.callerAddress(nil) == "unknown")
    }
}
