public import Prometheus

extension MetricNameDescriptor {
    /// A descriptor from the whole series name, as operators and docs/operations.md spell it.
    public static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
