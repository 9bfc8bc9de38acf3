/// A small seeded PRNG (SplitMix64): the simulator must be reproducible from a seed, and the
/// core may not use Foundation or system randomness.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    /// Uniform in range.
    mutating func between(_ lo: Int64, _ hi: Int64) -> Int64 { lo + Int64(next() % UInt64(max(hi - lo + 1, 1))) }

    /// True with probability p.
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) * 0x1p-53 < p }
}

/// A binary min-heap of scheduled simulator steps, ordered by time then insertion order.
struct StepHeap: Sendable {
    struct Entry: Sendable {
        var time: Int64
        var seq: UInt64
        var actor: Int32
    }

    private var items: [Entry] = []
    private var seq: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    private static func less(_ a: Entry, _ b: Entry) -> Bool { a.time != b.time ? a.time < b.time : a.seq < b.seq }

    mutating func push(time: Int64, actor: Int32) {
        seq &+= 1
        items.append(Entry(time: time, seq: seq, actor: actor))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard Self.less(items[i], items[p]) else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    func peek() -> Entry? { items.first }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Self.less(items[l], items[m]) { m = l }
                if r < items.count && Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
