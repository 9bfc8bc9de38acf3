/// One record on disk: a 16-byte header, then the payload.
///
///     0  u32 LE  payload length
///     4  u32 LE  CRC-32C of payload ‖ lsn (8 bytes LE)
///     8  u64 LE  lsn: the record's number, 1, 2, 3, … across all segments
///     16 payload
///
/// The CRC covers the LSN after the payload so the payload's part can be computed by the
/// caller, off the writer thread; the writer extends it with the LSN it assigns.
enum WALRecord {
    static let headerSize = 16
    /// Far above any request the fronts accept (4 MiB); a larger length is damage.
    static let maxPayload = 256 << 20

    static func crc(payloadCRC: UInt32, lsn: UInt64) -> UInt32 {
        withUnsafeBytes(of: lsn.littleEndian) { CRC32C.checksum($0, continuing: payloadCRC) }
    }

    static func appendHeader(to out: inout [UInt8], length: Int, crc: UInt32, lsn: UInt64) {
        withUnsafeBytes(of: UInt32(length).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: crc.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: lsn.littleEndian) { out.append(contentsOf: $0) }
    }

    enum Parsed {
        case record(lsn: UInt64, payload: Range<Int>)
        /// Not a whole valid record here; `reason` says what.
        case invalid(reason: String)
    }

    /// The record at `offset`, if whole and intact (and numbered `expected`, when given).
    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int, expected: UInt64?) -> Parsed {
        let remaining = bytes.count - offset
        guard remaining >= headerSize else { return .invalid(reason: "short header (\(remaining) of \(headerSize) bytes)") }
        let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
        let crc = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self).littleEndian
        let lsn = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self).littleEndian
        guard length <= maxPayload else { return .invalid(reason: "length \(length) above the limit \(maxPayload)") }
        guard remaining - headerSize >= length else {
            return .invalid(reason: "short record (\(remaining - headerSize) of \(length) payload bytes)")
        }
        let payload = (offset + headerSize)..<(offset + headerSize + length)
        let actual = Self.crc(payloadCRC: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[payload])), lsn: lsn)
        guard actual == crc else {
            return .invalid(reason: "CRC mismatch (stored \(hex(crc)), computed \(hex(actual)))")
        }
        if let expected, lsn != expected { return .invalid(reason: "record number \(lsn), expected \(expected)") }
        return .record(lsn: lsn, payload: payload)
    }

    /// Whether any intact record starts after `offset`: tells a torn tail (nothing valid
    /// follows) from damage in the middle of the log.
    static func validRecordFollows(_ bytes: UnsafeRawBufferPointer, after offset: Int) -> Bool {
        var o = offset + 1
        while o + headerSize <= bytes.count {
            if case .record = parse(bytes, at: o, expected: nil) { return true }
            o += 1
        }
        return false
    }

    static func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16, uppercase: true) }
}

/// Segment files are named by the LSN of their first record, zero-padded so that names sort
/// in log order: `00000000000000000001.wal`.
enum SegmentName {
    static let suffix = ".wal"

    static func name(firstLSN: UInt64) -> String {
        let digits = String(firstLSN)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    static func firstLSN(_ name: String) -> UInt64? {
        guard name.hasSuffix(suffix), name.count == 20 + suffix.count else { return nil }
        return UInt64(name.dropLast(suffix.count))
    }
}
