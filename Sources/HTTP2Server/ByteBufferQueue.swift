import NIOCore

/// Body chunks waiting: a response's for the nghttp2 data provider, a request's for its reader.
/// The first chunk sits in an inline slot, so the common one-chunk body allocates no array.
struct ByteBufferQueue {
    private var first: ByteBuffer?
    private var rest: [ByteBuffer] = []
    private var restHead = 0

    var isEmpty: Bool { self.first == nil }
    /// True when at most one chunk is queued.
    var hasAtMostOne: Bool { self.restHead == self.rest.count }

    mutating func append(_ chunk: ByteBuffer) {
        if self.first == nil {
            self.first = chunk
        } else {
            self.rest.append(chunk)
        }
    }

    /// Copies up to `length` bytes into `destination`, dropping what was copied; returns the
    /// number of bytes copied.
    mutating func copy(into destination: UnsafeMutableRawPointer, length: Int) -> Int {
        var written = 0
        while written < length, let available = self.first?.readableBytes {
            let n = Swift.min(length - written, available)
            if n > 0 {
                self.first!.withUnsafeReadableBytes { source in
                    (destination + written).copyMemory(from: source.baseAddress!, byteCount: n)
                }
                written += n
            }
            if n == available {
                self.popFirst()
            } else {
                self.first!.moveReaderIndex(forwardBy: n)
            }
        }
        return written
    }

    /// Removes and returns the oldest chunk.
    mutating func removeFirst() -> ByteBuffer? {
        let chunk = self.first
        if chunk != nil { self.popFirst() }
        return chunk
    }

    private mutating func popFirst() {
        guard self.restHead < self.rest.count else {
            self.first = nil
            return
        }
        self.first = self.rest[self.restHead]
        self.rest[self.restHead] = ByteBuffer()
        self.restHead += 1
        if self.restHead == self.rest.count {
            self.rest.removeAll(keepingCapacity: true)
            self.restHead = 0
        }
    }

    mutating func removeAll() {
        self = ByteBufferQueue()
    }
}
