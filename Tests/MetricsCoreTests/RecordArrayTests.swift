@testable import MetricsCore
import Testing

/// The conversation records' own buffer: one cache line per record, and `Array`'s value
/// semantics (a copy is independent of the original, through growth and element writes).
@Suite struct RecordArrayTests {
    static func record(_ i: Int) -> ConversationRecord {
        ConversationRecord(id: i % 2 == 0 ? "c\(i)" : String(repeating: "long-id-", count: 4) + "\(i)", skill: Int32(i), openedAt: Int64(i), lastTime: Int64(i))
    }

    @Test func recordsSitOnWholeCacheLines() {
        #expect(MemoryLayout<ConversationRecord>.stride == 64)
        var a = RecordArray()
        for i in 0..<1000 {
            a.append(Self.record(i))
            a[i].agent = 0  // a write through the element accessor
            #expect(Int(bitPattern: a.baseAddress) % 64 == 0)
        }
        #expect(a.count == 1000)
        #expect(a.map(\.skill) == (0..<1000).map { Int32($0) })
    }

    @Test func copiesAreIndependent() {
        var a = RecordArray()
        for i in 0..<40 { a.append(Self.record(i)) }
        var b = a
        b[3].lastTime = -1
        b.append(Self.record(40))
        #expect(a[3].lastTime == 3 && a.count == 40)
        #expect(b[3].lastTime == -1 && b.count == 41)
        var c = b
        c.reserveCapacity(1000)
        c[40].id = "changed"
        #expect(b[40].id == Self.record(40).id)
        #expect(c[40].id == "changed")
        #expect(a.map(\.id) == (0..<40).map { Self.record($0).id })
    }
}
