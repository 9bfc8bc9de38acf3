#if canImport(Glibc)
import Glibc
#endif

/// Clients send the same header fields in the same order on every request of a connection
/// (HPACK makes that cheap for them). This keeps the strings of the previous request header
/// block by position and hands them out again when the bytes are equal, so a repeated field
/// costs a comparison instead of an allocation and a UTF-8 check; a block whose regular
/// fields all repeat gets the previous block's `HTTPFields` itself.
///
/// One per HTTP/2 connection: header blocks cannot interleave (RFC 9113 §6.10), so `begin` …
/// `finish` always belong to one stream's request header block. One per HTTP/1.1 connection
/// too, where requests come one after the other (the request line is its first "field").
/// What it keeps is bounded by `maxSlots` fields of at most the connection's header-list limit.
struct HeaderBlockReuse {
    static let maxSlots = 32

    /// The previous block's fields (pseudo ones included), by position.
    private var slots: [HTTPFields.Field] = []
    private var previous = HTTPFields()
    private var position = 0
    private var regular = 0
    /// True while every regular field so far equals the previous block's at its position.
    private var matching = true
    private var fields = HTTPFields()

    mutating func begin() {
        self.position = 0
        self.regular = 0
        self.matching = true
        self.fields = HTTPFields()
    }

    /// The strings for the block's next field. `lowercasingName`: the name may hold uppercase
    /// ASCII (HTTP/1.1 field names are case-insensitive); it is compared and kept lowercased.
    mutating func strings(
        name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, lowercasingName: Bool = false
    ) -> (name: String, value: String) {
        let at = self.position
        self.position += 1
        if at < self.slots.count,
            lowercasingName ? Self.equalLowercased(self.slots[at].name, name) : Self.equal(self.slots[at].name, name),
            Self.equal(self.slots[at].value, value)
        {
            return (self.slots[at].name, self.slots[at].value)
        }
        let field = HTTPFields.Field(
            name: lowercasingName ? Self.lowercasedString(name) : String(decoding: name, as: UTF8.self),
            value: String(decoding: value, as: UTF8.self))
        if at < self.slots.count {
            self.slots[at] = field
        } else if at == self.slots.count && at < Self.maxSlots {
            self.slots.append(field)
        }
        return (field.name, field.value)
    }

    /// Adds a regular (not pseudo) field whose name is lowercase.
    mutating func append(name: String, value: String) {
        if self.matching {
            if self.regular < self.previous.count, self.previous.fields[self.regular] == HTTPFields.Field(name: name, value: value) {
                self.regular += 1
                return
            }
            self.matching = false
            self.fields = HTTPFields(prefix: self.previous.fields[..<self.regular])
        }
        self.fields.appendLowercased(name: name, value: value)
        self.regular += 1
    }

    /// The block's regular fields.
    mutating func finish() -> HTTPFields {
        if self.matching {
            if self.regular == self.previous.count { return self.previous }
            self.fields = HTTPFields(prefix: self.previous.fields[..<self.regular])
        }
        self.previous = self.fields
        self.fields = HTTPFields()
        return self.previous
    }

    /// `string` (lowercase) equals `bytes` with their ASCII uppercase letters lowercased.
    private static func equalLowercased(_ string: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var string = string
        return string.withUTF8 { utf8 in
            guard utf8.count == bytes.count else { return false }
            for i in 0..<utf8.count where utf8[i] != Self.lowercased(bytes[i]) { return false }
            return true
        }
    }

    static func lowercased(_ b: UInt8) -> UInt8 {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) ? b | 0x20 : b
    }

    static func lowercasedString(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { out in
            for (i, b) in bytes.enumerated() { out[i] = Self.lowercased(b) }
            return bytes.count
        }
    }

    private static func equal(_ string: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var string = string
        return string.withUTF8 { utf8 in
            utf8.count == bytes.count && (utf8.count == 0 || memcmp(utf8.baseAddress!, bytes.baseAddress!, utf8.count) == 0)
        }
    }
}
