import HTTP2Server
import MetricsAPI
import NIOCore
import ProtoWire

/// The header blocks and bodies the gRPC front sends, built once where they are constant.
enum GRPCResponses {
    static let okHead = HTTPResponseHead(status: 200, headers: ["content-type": "application/grpc"])
    static let okTrailers: HTTPFields = ["grpc-status": "0"]

    /// Trailers-Only: one HEADERS frame with END_STREAM carrying the status (GRPC.md).
    static func trailersOnly(_ error: APIError, retryAfterMs: Int64? = nil) -> HTTPResponseHead {
        var headers: HTTPFields = ["content-type": "application/grpc"]
        headers.add(name: "grpc-status", value: String(error.code.rawValue))
        headers.add(name: "grpc-message", value: GRPCMessageEncoding.percentEncode(error.message))
        if error.code == .unimplemented { headers.add(name: "grpc-accept-encoding", value: "identity") }
        if let retryAfterMs { headers.add(name: "retry-after-ms", value: String(retryAfterMs)) }
        return HTTPResponseHead(status: 200, headers: headers)
    }

    static func trailers(_ error: APIError) -> HTTPFields {
        var t: HTTPFields = ["grpc-status": String(error.code.rawValue)]
        t.add(name: "grpc-message", value: GRPCMessageEncoding.percentEncode(error.message))
        return t
    }

    /// A length-prefixed message, encoded straight into one network buffer.
    static func frame<M: ProtoMessage>(_ message: M, allocator: ByteBufferAllocator) -> ByteBuffer {
        message.withSizedEncoder { size, encode in
            var buffer = allocator.buffer(capacity: 5 + size)
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt32(size))
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
                encode(UnsafeMutableRawBufferPointer(rebasing: raw[..<size]))
            }
            return buffer
        }
    }
}
