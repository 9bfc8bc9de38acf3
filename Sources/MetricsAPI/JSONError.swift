/// A JSON syntax or type error: what went wrong, where in the document (path) and at which
/// byte offset (0-based). `description` is the message clients see in a 400.
struct JSONError: Error, Sendable, Equatable {
    var path: String
    var message: String
    var offset: Int

    var description: String {
        path.isEmpty ? "\(message) at byte \(offset)" : "\(path): \(message) at byte \(offset)"
    }
}

/// An object key as the reader found it: the raw bytes between the quotes when the key has no
/// escapes, else the decoded string. Match it with string literal patterns (`case "filters":`).
/// Valid only inside the `JSONReader.read` call that produced it.
struct JSONKey {
    let raw: UnsafeBufferPointer<UInt8>
    let decoded: String?

    var string: String { decoded ?? String(decoding: raw, as: UTF8.self) }

    @inline(__always)
    static func ~= (pattern: StaticString, key: JSONKey) -> Bool {
        let n = pattern.utf8CodeUnitCount
        guard n == key.raw.count else { return key.decoded.map { $0 == pattern.description } ?? false }
        guard n > 0, let k = key.raw.baseAddress else { return key.decoded == nil }
        let p = UnsafeRawPointer(pattern.utf8Start)
        let q = UnsafeRawPointer(k)
        var i = 0
        while i + 8 <= n {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < n {
            if p.load(fromByteOffset: i, as: UInt8.self) != q.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }
}
