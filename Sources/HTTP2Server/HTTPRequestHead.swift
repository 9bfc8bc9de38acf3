public import NIOCore

/// Which wire protocol carried a request.
public enum HTTPWireProtocol: Sendable, Hashable {
    case http1
    case http2
}

/// Everything known about a request once its header block is complete.
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// The request target (path and query), e.g. `/v1/items?limit=5`.
    public var path: String
    /// `:authority` for HTTP/2, `Host` for HTTP/1.1.
    public var authority: String?
    /// `:scheme` for HTTP/2; `http` for HTTP/1.1 (this server speaks cleartext only).
    public var scheme: String
    /// Regular header fields (no pseudo-headers), names lowercase.
    public var headers: HTTPFields
    public var remoteAddress: SocketAddress?
    public var wireProtocol: HTTPWireProtocol

    public init(
        method: String,
        path: String,
        authority: String?,
        scheme: String,
        headers: HTTPFields,
        remoteAddress: SocketAddress?,
        wireProtocol: HTTPWireProtocol
    ) {
        self.method = method
        self.path = path
        self.authority = authority
        self.scheme = scheme
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.wireProtocol = wireProtocol
    }
}

/// The status line and header fields of a response.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    /// Regular header fields; names must not start with `:`.
    public var headers: HTTPFields

    public init(status: Int, headers: HTTPFields = HTTPFields()) {
        self.status = status
        self.headers = headers
    }
}
