import CPrefetch

extension Array {
    /// Prefetches element `i` (nothing when out of range).
    @inline(__always)
    func prefetch(_ i: Int) {
        withUnsafeBufferPointer { b in
            if i >= 0 && i < b.count, let p = b.baseAddress { cprefetch_read(p + i) }
        }
    }
}

extension Array {
    /// Prefetches the count and first elements of the array at element `i` (an array of
    /// arrays), without retaining it: `x[i].prefetchStorage()` would retain `x[i]`, a write
    /// to the very line it prefetches, which waits for it. Reads the element's reference
    /// (an array is one reference to its heap buffer: count at +16, elements from +32).
    @inline(__always)
    func prefetchElementStorage(_ i: Int) {
        guard MemoryLayout<Element>.size == MemoryLayout<UInt>.size else { return }
        withUnsafeBufferPointer { b in
            guard i >= 0 && i < b.count, let p = b.baseAddress else { return }
            let bits = UnsafeRawPointer(p + i).load(as: UInt.self)
            if let object = UnsafeRawPointer(bitPattern: bits) { cprefetch_read(object + 16) }
        }
    }
}
