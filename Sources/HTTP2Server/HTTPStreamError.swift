/// Why a request stream ended before its response completed, or why a body read failed.
public struct HTTPStreamError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The client reset the stream (HTTP/2 RST_STREAM).
        case resetByClient
        /// The connection closed (client vanished, idle timeout, protocol error).
        case connectionClosed
        /// The request body exceeded a configured or requested limit.
        case bodyTooLarge
        /// The handler (or server) aborted the stream.
        case aborted
    }

    public var code: Code
    public var message: String
    /// The HTTP/2 error code carried by RST_STREAM or GOAWAY, when there was one.
    public var http2ErrorCode: UInt32?

    public init(code: Code, message: String, http2ErrorCode: UInt32? = nil) {
        self.code = code
        self.message = message
        self.http2ErrorCode = http2ErrorCode
    }

    public var description: String {
        if let h2 = self.http2ErrorCode {
            return "\(self.code): \(self.message) (HTTP/2 error code \(h2))"
        }
        return "\(self.code): \(self.message)"
    }
}
