/// An ordered list of header fields with lowercase names, as both HTTP/1.1 and HTTP/2 requests
/// present them to a handler. Kept as a plain array: requests carry a handful of fields, so a
/// linear scan beats hashing and keeps per-request allocation to one buffer.
public struct HTTPFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    public init() {
        self.fields = []
    }

    public init(_ pairs: [(String, String)]) {
        self.fields = pairs.map { Field(name: Self.lowercased($0.0), value: $0.1) }
    }

    init(prefix: ArraySlice<Field>) {
        self.fields = Array(prefix)
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { self.fields.count }
    public var isEmpty: Bool { self.fields.isEmpty }

    /// Appends a field; the name is lowercased (HTTP/2 forbids uppercase names on the wire).
    public mutating func add(name: String, value: String) {
        self.fields.append(Field(name: Self.lowercased(name), value: value))
    }

    public mutating func reserveCapacity(_ capacity: Int) {
        self.fields.reserveCapacity(capacity)
    }

    /// Appends a field whose name the caller guarantees is already lowercase.
    mutating func appendLowercased(name: String, value: String) {
        self.fields.append(Field(name: name, value: value))
    }

    /// Replaces every field called `name` with one field, or adds it.
    public mutating func replaceOrAdd(name: String, value: String) {
        let name = Self.lowercased(name)
        self.fields.removeAll { $0.name == name }
        self.fields.append(Field(name: name, value: value))
    }

    public mutating func remove(name: String) {
        let name = Self.lowercased(name)
        self.fields.removeAll { $0.name == name }
    }

    /// The first value of `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        // Callers mostly ask with lowercase literals: look first, lowercase only on a miss
        // (stored names are lowercase, so a name with uppercase letters can only match then).
        if let field = self.fields.first(where: { $0.name == name }) { return field.value }
        let lower = Self.lowercased(name)
        guard lower != name else { return nil }
        return self.fields.first { $0.name == lower }?.value
    }

    /// Every value of `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        let name = Self.lowercased(name)
        return self.fields.compactMap { $0.name == name ? $0.value : nil }
    }

    public func makeIterator() -> IndexingIterator<[Field]> {
        self.fields.makeIterator()
    }

    /// Lowercases only when needed, so the common (already lowercase) case allocates nothing.
    static func lowercased(_ name: String) -> String {
        name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? name.lowercased() : name
    }
}
