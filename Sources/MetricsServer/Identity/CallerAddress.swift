import HTTP2Server
import NIOCore

extension HTTPRequestHead {
    /// Who the caller is under `--no-auth` (SPEC §6: identity = peer address): the IP address
    /// only. With the port included, every new connection would be a new identity with fresh
    /// rate limits, so a client could escape its limits by reconnecting.
    var callerAddress: String {
        Self.callerAddress(remoteAddress)
    }

    static func callerAddress(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        return address.ipAddress ?? "\(address)"
    }
}
