import NIOCore

/// gRPC length-prefixed message framing: 1 byte compressed flag, 4 bytes big-endian length,
/// then the message. Messages may be split over many DATA frames and several may share one,
/// so the reader accumulates and yields whole messages. It never buffers more than one
/// message of at most `maxMessageBytes` plus a 5-byte prefix.
struct GRPCMessageReader {
    enum Failure: Error, Equatable {
        /// The prefix announced a message over the limit (RESOURCE_EXHAUSTED).
        case messageTooLarge(length: UInt32, limit: Int)
        /// Compressed flag set without a negotiated encoding (INTERNAL).
        case compressedWithoutEncoding
        /// Compressed flag set with an encoding we do not implement (UNIMPLEMENTED).
        case unsupportedCompression(String)
        /// A flag byte other than 0 or 1 (INTERNAL).
        case invalidFlag(UInt8)
        /// The stream ended inside a message (INTERNAL).
        case truncated(have: Int, need: Int)
    }

    let maxMessageBytes: Int
    /// The request's `grpc-encoding`, or nil when absent/identity.
    let encoding: String?

    /// Bytes not yet yielded, starting at the next message's prefix. When it is empty a chunk
    /// is taken over as is, so a message that arrives whole in one chunk is never copied.
    private var buffer = ByteBuffer()

    init(maxMessageBytes: Int, encoding: String?) {
        self.maxMessageBytes = maxMessageBytes
        self.encoding = (encoding == "identity") ? nil : encoding
    }

    mutating func append(_ chunk: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
    }

    mutating func append(_ bytes: some Collection<UInt8>) {
        append(ByteBuffer(bytes: bytes))
    }

    /// The next whole message (a slice of what was appended), nil when more bytes are needed.
    mutating func next() throws(Failure) -> ByteBuffer? {
        guard buffer.readableBytes >= 5 else { return nil }
        let flag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
        let length = prefixLength()
        switch flag {
        case 0: break
        case 1:
            guard let encoding else { throw .compressedWithoutEncoding }
            throw .unsupportedCompression(encoding)
        default: throw .invalidFlag(flag)
        }
        guard length <= maxMessageBytes else { throw .messageTooLarge(length: length, limit: maxMessageBytes) }
        guard buffer.readableBytes >= 5 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        return buffer.readSlice(length: Int(length))!
    }

    /// The big-endian message length of the prefix at the reader index (5 bytes must be buffered).
    private func prefixLength() -> UInt32 {
        buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)!
    }

    /// Call at end of stream: throws when bytes of an incomplete message are left.
    func finish() throws(Failure) {
        let left = buffer.readableBytes
        guard left == 0 else {
            if left < 5 { throw .truncated(have: left, need: 5) }
            throw .truncated(have: left, need: 5 + Int(prefixLength()))
        }
    }
}

enum GRPCMessageWriter {
    /// Prefix + message in one buffer, uncompressed.
    static func frame(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(5 + message.count)
        let n = UInt32(message.count)
        out.append(0)
        out.append(UInt8(truncatingIfNeeded: n >> 24))
        out.append(UInt8(truncatingIfNeeded: n >> 16))
        out.append(UInt8(truncatingIfNeeded: n >> 8))
        out.append(UInt8(truncatingIfNeeded: n))
        out.append(contentsOf: message)
        return out
    }
}
