import Logging
import MetricsAPI
import MetricsCore
import NIOCore
import Testing

@testable import MetricsServer

@Suite struct ServerStatsTests {
    @Test func countersMoveByExactlyTheNumberRecordedPerStatus() {
        let stats = ServerStats()
        for _ in 0..<7 { stats.record(.grpc, .getMetrics, .ok) }
        for _ in 0..<3 { stats.record(.grpc, .getMetrics, .resourceExhausted) }
        stats.record(.rest, .getMetrics, .ok)
        #expect(stats.count(.grpc, .getMetrics, .ok) == 7)
        #expect(stats.count(.grpc, .getMetrics, .resourceExhausted) == 3)
        #expect(stats.count(.rest, .getMetrics, .ok) == 1)
        #expect(stats.count(.rest, .publishEvents, .ok) == 0)
    }

    /// scripts/loadtest matches this exact line (label order front, method, code).
    @Test func theRequestSeriesKeepsTheLabelOrderScriptsRead() {
        let stats = ServerStats()
        stats.record(.grpc, .getMetrics, .ok)
        stats.record(.grpc, .getMetrics, .ok)
        let text = stats.prometheusText()
        #expect(text.contains("\nmetricsd_requests_total{front=\"grpc\",method=\"GetMetrics\",code=\"OK\"} 2\n"))
        #expect(text.contains("# TYPE metricsd_requests_total counter"))
    }

    @Test func unusedStatusesMakeNoSeries() {
        let stats = ServerStats()
        stats.record(.rest, .publishEvents, .ok)
        let text = stats.prometheusText()
        #expect(!text.contains("code=\"INTERNAL\""))
        #expect(!text.contains("front=\"grpc\""))
    }

    @Test func rejectionsEventsAndTheFsyncPlaceholderAreAlwaysShown() {
        let stats = ServerStats()
        stats.recordRejection(.concurrency)
        stats.recordRejection(.rate)
        stats.recordRejection(.rate)
        stats.recordEvents(applied: 5, rejected: 2, duplicate: true)
        stats.recordDemoEvents(applied: 9, rejected: 1)
        let text = stats.prometheusText()
        for line in [
            "metricsd_rate_limit_rejections_total{reason=\"concurrent\"} 1",
            "metricsd_rate_limit_rejections_total{reason=\"per_minute\"} 2",
            "metricsd_events_total{outcome=\"applied\"} 5",
            "metricsd_events_total{outcome=\"rejected\"} 2",
            "metricsd_duplicate_batches_total 1",
            "metricsd_demo_events_total{outcome=\"applied\"} 9",
            "metricsd_wal_fsync_duration_seconds_count 0",
            "metricsd_requests_in_flight 0.0",
        ] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
    }

    @Test func timedRequestsFillTheLatencyHistogram() {
        let stats = ServerStats()
        stats.record(.grpc, .getMetrics, .ok, since: .now() - .milliseconds(30))
        let text = stats.prometheusText()
        #expect(text.contains("metricsd_request_duration_seconds_bucket{front=\"grpc\",method=\"GetMetrics\",le=\"0.025\"} 0\n"))
        #expect(text.contains("metricsd_request_duration_seconds_bucket{front=\"grpc\",method=\"GetMetrics\",le=\"0.05\"} 1\n"))
        #expect(text.contains("metricsd_request_duration_seconds_count{front=\"grpc\",method=\"GetMetrics\"} 1\n"))
    }

    @Test func inFlightIsStartedMinusRecorded() {
        let stats = ServerStats()
        for _ in 0..<5 { stats.requestStarted() }
        #expect(stats.requestsInFlight == 5)
        for _ in 0..<5 { stats.record(.rest, .getMetrics, .ok) }
        #expect(stats.requestsInFlight == 0)
    }

    @Test func collectorsRunAtEachScrape() {
        let stats = ServerStats()
        let gauges = ServerGauges(stats.registry)
        stats.addCollector { _ in
            gauges.set(connections: 3, serving: false, sizes: CoreSizes(accounts: 1, agents: 20, openConversations: 7, buckets: 99))
        }
        let text = stats.prometheusText()
        for line in [
            "metricsd_open_connections 3.0", "metricsd_serving 0.0", "metricsd_core_accounts 1.0",
            "metricsd_core_agents 20.0", "metricsd_core_open_conversations 7.0", "metricsd_core_buckets 99.0",
        ] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
    }

    @Test func coreSizesSumOverAccounts() {
        let registry = AccountRegistry()
        var sim = Simulator(seed: 1, config: .small(startMs: 1_000_000_000_000))
        let events = sim.events()
        let now = events.last!.time
        for account in ["a", "b"] {
            registry.write(account: account) { state in for e in events { _ = state.metrics.apply(e, now: now) } }
        }
        let one = registry.write(account: "a") { ($0.metrics.agentCount, $0.metrics.bucketCount) }
        let sizes = CoreSizes.read(registry)
        #expect(sizes.accounts == 2)
        #expect(sizes.agents == 2 * one.0)
        #expect(sizes.buckets == 2 * one.1)
        #expect(one.1 > 0)
    }
}
