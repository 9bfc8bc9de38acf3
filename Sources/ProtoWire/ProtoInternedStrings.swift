/// A small fixed set of strings (such as the event types) that decoding hands out instead of
/// fresh copies; see `ProtoReader.decodeString(_:preferring:)`. The UTF-8 of all of them is kept
/// in one array so a lookup compares lengths and bytes without touching the strings themselves.
public struct ProtoInternedStrings: Sendable {
    @usableFromInline let strings: [String]
    /// The UTF-8 of every string, back to back; string `i` is `utf8[starts[i]..<starts[i + 1]]`.
    @usableFromInline let utf8: [UInt8]
    @usableFromInline let starts: [Int]

    public init(_ strings: [String]) {
        self.strings = strings
        var utf8: [UInt8] = []
        var starts = [0]
        for string in strings {
            utf8.append(contentsOf: string.utf8)
            starts.append(utf8.count)
        }
        self.utf8 = utf8
        self.starts = starts
    }

    /// The string whose UTF-8 equals `bytes`, if any.
    @inlinable
    public func string(matching bytes: UnsafeRawBufferPointer) -> String? {
        let found: Int? = utf8.withUnsafeBytes { all in
            starts.withUnsafeBufferPointer { starts in
                for i in 0..<(starts.count &- 1) {
                    let start = starts[i]
                    guard starts[i &+ 1] &- start == bytes.count else { continue }
                    var j = 0
                    while j < bytes.count && all[start &+ j] == bytes[j] { j &+= 1 }
                    if j == bytes.count { return i }
                }
                return nil
            }
        }
        return found.map { strings[$0] }
    }
}
