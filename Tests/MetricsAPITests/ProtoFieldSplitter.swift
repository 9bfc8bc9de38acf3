import ProtoWire

/// Splits a message's encoding into one chunk per emitted field (each repeated element its own
/// chunk), using the same visitor API as the codec, so tests can reorder fields on the wire.
struct ProtoFieldSplitter: ProtoFieldVisitor {
    var chunks: [(field: Int, bytes: [UInt8])] = []

    private mutating func add(_ field: Int, _ emit: (inout ProtoSizer) -> Void, _ write: (inout ProtoWriter) -> Void) {
        var sizer = ProtoSizer()
        emit(&sizer)
        let bytes = [UInt8](unsafeUninitializedCapacity: sizer.size) { buffer, count in
            var writer = ProtoWriter(UnsafeMutableRawBufferPointer(buffer))
            write(&writer)
            count = writer.offset
        }
        chunks.append((field, bytes))
    }

    mutating func emitVarint(_ value: UInt64, field: Int) {
        add(field, { $0.emitVarint(value, field: field) }, { $0.emitVarint(value, field: field) })
    }
    mutating func emitFixed64(_ value: UInt64, field: Int) {
        add(field, { $0.emitFixed64(value, field: field) }, { $0.emitFixed64(value, field: field) })
    }
    mutating func emitFixed32(_ value: UInt32, field: Int) {
        add(field, { $0.emitFixed32(value, field: field) }, { $0.emitFixed32(value, field: field) })
    }
    mutating func emitString(_ value: String, field: Int) {
        add(field, { $0.emitString(value, field: field) }, { $0.emitString(value, field: field) })
    }
    mutating func emitBytes(_ value: [UInt8], field: Int) {
        add(field, { $0.emitBytes(value, field: field) }, { $0.emitBytes(value, field: field) })
    }
    mutating func emitMessage<M: ProtoMessage>(_ value: M, field: Int) {
        add(field, { $0.emitMessage(value, field: field) }, { $0.emitMessage(value, field: field) })
    }
    mutating func emitPackedVarints(_ values: [UInt64], field: Int) {
        add(field, { $0.emitPackedVarints(values, field: field) }, { $0.emitPackedVarints(values, field: field) })
    }

    /// The fields of `message` in a random order that keeps the elements of each repeated
    /// field in their order (which proto semantics require), concatenated.
    static func shuffledEncoding<M: ProtoMessage>(_ message: M, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var splitter = ProtoFieldSplitter()
        message.traverseFields(&splitter)
        var queues: [Int: ArraySlice<[UInt8]>] = [:]
        for chunk in splitter.chunks { queues[chunk.field, default: []].append(chunk.bytes) }
        var out: [UInt8] = []
        while let field = queues.keys.sorted().randomElement(using: &rng) {
            var queue = queues[field]!
            out += queue.removeFirst()
            queues[field] = queue.isEmpty ? nil : queue
        }
        return out
    }
}
