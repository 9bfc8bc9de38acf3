/// A seeded hash of string ids for the id indexes (`IdSlotTable`): a multiply-and-fold hash of
/// the id's UTF-8 bytes (the construction of wyhash and foldhash), two multiplies for an id of
/// up to 16 bytes, instead of the standard library's SipHash-1-3 (perf put it at ~8 % of
/// batch apply).
///
/// Ids come from clients, so the hash is keyed: all four keys derive from a seed the caller
/// passes in (the server draws one per process), and every multiplication has a key on both
/// sides, so no input makes a product zero or otherwise collides independently of the keys.
/// That is the resistance foldhash and Go's runtime hash offer: colliding ids cannot be
/// precomputed. It is not a cryptographic PRF like SipHash; see docs/design.md, "Hash seeds".
///
/// Equal strings get equal hashes: `String ==` is canonical equivalence, so the bytes hashed
/// are the id's NFC form — its own bytes when they are all ASCII (the common case, checked
/// while hashing), else `_nfcCodeUnits`, the normalization `String.hash(into:)` uses.
struct IdHash: Sendable, Equatable {
    private let k0, k1, k2, k3: UInt64
    /// The seed the keys were derived from.
    let seed: UInt64

    /// Keys from the standard library's per-process hash seed (the randomness behind
    /// `String.hashValue`, which these indexes used before): for owners that pass no seed.
    static let processSeeded: IdHash = {
        var h = Hasher()
        h.combine(0x6964_2D68_6173_6821 as UInt64)
        return IdHash(seed: UInt64(truncatingIfNeeded: h.finalize()))
    }()

    init(seed: UInt64) {
        self.seed = seed
        var g = SplitMix64(seed: seed)
        k0 = g.next()
        k1 = g.next()
        k2 = g.next()
        k3 = g.next()
    }

    /// What an `IdSlotTable` stores and probes from: the hash's low 32 bits.
    @inline(__always)
    func tag(_ id: String) -> UInt32 { UInt32(truncatingIfNeeded: hash(id)) }

    /// The hash of `id` (equal for equal strings).
    @inline(__always)
    func hash(_ id: String) -> UInt64 {
        if let r = id.utf8.withContiguousStorageIfAvailable({ hashBytes(UnsafeRawBufferPointer($0)) }), r.ascii {
            return r.hash
        }
        return Self.withNFCBytes(of: id) { hashBytes($0).hash }
    }

    @inline(never)
    private static func withNFCBytes<R>(of id: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        id._nfcCodeUnits.withUnsafeBytes(body)
    }

    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let p = a.multipliedFullWidth(by: b)
        return p.high ^ p.low
    }

    /// The hash of `bytes`, and whether they are all ASCII.
    @inline(__always)
    func hashBytes(_ bytes: UnsafeRawBufferPointer) -> (hash: UInt64, ascii: Bool) {
        let n = bytes.count
        var a: UInt64 = 0
        var b: UInt64 = 0
        var s = k0 ^ UInt64(truncatingIfNeeded: n)
        var high: UInt64 = 0
        if n > 16 {
            var i = 0
            while n - i > 16 {
                let x = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let y = bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
                high |= x | y
                s = Self.fold(x ^ k1, y ^ s)
                i += 16
            }
            a = bytes.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self)
            b = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 8 {
            a = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            b = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            a = UInt64(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            b = UInt64(bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
        } else if n > 0 {
            a = UInt64(bytes[0]) << 16 | UInt64(bytes[n >> 1]) << 8 | UInt64(bytes[n - 1])
        }
        high |= a | b
        let h = Self.fold(Self.fold(a ^ k1, b ^ s) ^ k2, k3 ^ UInt64(truncatingIfNeeded: n))
        return (h, high & 0x8080_8080_8080_8080 == 0)
    }
}
