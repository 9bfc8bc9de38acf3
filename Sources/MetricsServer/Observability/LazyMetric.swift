import Synchronization

/// A metric object created on first use and cached: the registry's lookup by label strings
/// (and its lock) happens once per label set, not once per request.
final class LazyMetric<Metric: AnyObject & Sendable>: Sendable {
    private let reference = AtomicLazyReference<Metric>()
    private let make: @Sendable () -> Metric

    init(_ make: @escaping @Sendable () -> Metric) { self.make = make }

    var value: Metric {
        if let m = reference.load() { return m }
        return reference.storeIfNil(make())
    }

    /// The metric if something created it already (reading must not create empty series).
    func peek() -> Metric? { reference.load() }
}
