extension AccountMetrics {
    /// Per-minute buckets held by the by-time series (agent-level and group-level tables):
    /// the memory that grows with traffic and shrinks with retention. Read by the server's
    /// `/metrics`.
    public var bucketCount: Int { agentSeries.entryCount + groupSeries.entryCount }
}
