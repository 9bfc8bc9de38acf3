/// Binary snapshot encoding: little-endian fixed-width integers, length-prefixed strings and
/// arrays. The writer appends to a byte array; the reader checks every length against what is
/// left, so a damaged or truncated input gives a thrown `SnapshotError`, never a trap. No
/// checksum here: the file layer (Storage's `SnapshotFile`) covers the bytes with a CRC-32C.
public struct SnapshotError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the input the problem was found.
    public var offset: Int
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "snapshot damaged at byte \(offset): \(reason)" }
}

public struct SnapshotWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity n: Int = 0) { bytes.reserveCapacity(n) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    public mutating func count(_ n: Int) { u64(UInt64(n)) }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func optionalString(_ s: String?) {
        bool(s != nil)
        if let s { string(s) }
    }

    /// An array of Int32 as one bulk copy (the layout is little-endian on every platform we run on).
    public mutating func int32s(_ a: [Int32]) {
        count(a.count)
        a.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    public mutating func byteArray(_ b: [UInt8]) {
        count(b.count)
        bytes.append(contentsOf: b)
    }

    /// Appends `n` bytes written in place by `body` (bulk copies of flat arrays).
    mutating func raw(_ n: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: n))
        bytes.withUnsafeMutableBytes { body(UnsafeMutableRawBufferPointer(rebasing: $0[start..<(start + n)])) }
    }
}

/// Reads what `SnapshotWriter` wrote, from a borrowed buffer.
public struct SnapshotReader {
    public let buffer: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    public var remaining: Int { buffer.count - offset }
    public var isAtEnd: Bool { offset == buffer.count }

    public func failure(_ reason: String) -> SnapshotError { SnapshotError(offset: offset, reason: reason) }

    mutating func take(_ n: Int, _ what: @autoclosure () -> String) throws(SnapshotError) -> Int {
        guard n >= 0, n <= remaining else {
            throw failure("\(what()): needs \(n) bytes, \(remaining) left")
        }
        let o = offset
        offset += n
        return o
    }

    public mutating func u8() throws(SnapshotError) -> UInt8 { buffer[try take(1, "byte")] }

    public mutating func bool() throws(SnapshotError) -> Bool {
        let b = try u8()
        guard b <= 1 else { throw SnapshotError(offset: offset - 1, reason: "boolean byte \(b)") }
        return b == 1
    }

    public mutating func i32() throws(SnapshotError) -> Int32 {
        Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: try take(4, "Int32"), as: Int32.self))
    }

    public mutating func u32() throws(SnapshotError) -> UInt32 {
        UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: try take(4, "UInt32"), as: UInt32.self))
    }

    public mutating func i64() throws(SnapshotError) -> Int64 {
        Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: try take(8, "Int64"), as: Int64.self))
    }

    public mutating func u64() throws(SnapshotError) -> UInt64 {
        UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: try take(8, "UInt64"), as: UInt64.self))
    }

    public mutating func f64() throws(SnapshotError) -> Double { Double(bitPattern: try u64()) }

    /// A count of elements of at least `minSize` bytes each: bounded by what is left, so a
    /// damaged count cannot make the reader reserve absurd memory.
    public mutating func count(minSize: Int, _ what: String) throws(SnapshotError) -> Int {
        let n = try u64()
        guard n <= UInt64(remaining / max(minSize, 1)) else {
            throw SnapshotError(offset: offset - 8, reason: "\(what): count \(n) exceeds the \(remaining) bytes left")
        }
        return Int(n)
    }

    public mutating func string() throws(SnapshotError) -> String {
        let n = Int(try u32())
        let o = try take(n, "string of \(n) bytes")
        let slice = UnsafeRawBufferPointer(rebasing: buffer[o..<(o + n)])
        guard let s = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw SnapshotError(offset: o, reason: "string is not valid UTF-8")
        }
        return s
    }

    public mutating func optionalString() throws(SnapshotError) -> String? {
        try bool() ? try string() : nil
    }

    public mutating func int32s(_ what: String) throws(SnapshotError) -> [Int32] {
        let n = try count(minSize: 4, what)
        let o = try take(n * 4, what)
        return [Int32](unsafeUninitializedCapacity: n) { out, initialized in
            UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[o..<(o + n * 4)]))
            for i in 0..<n { out[i] = Int32(littleEndian: out[i]) }
            initialized = n
        }
    }

    public mutating func byteArray(_ what: String) throws(SnapshotError) -> [UInt8] {
        let n = try count(minSize: 1, what)
        let o = try take(n, what)
        return Array(UnsafeRawBufferPointer(rebasing: buffer[o..<(o + n)]))
    }

    /// The next `n` bytes in place (bulk reads of flat arrays).
    mutating func raw(_ n: Int, _ what: @autoclosure () -> String) throws(SnapshotError) -> UnsafeRawBufferPointer {
        let o = try take(n, what())
        return UnsafeRawBufferPointer(rebasing: buffer[o..<(o + n)])
    }
}
