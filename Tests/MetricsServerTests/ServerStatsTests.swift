import Logging
import MetricsAPI
import MetricsCore
import NIOCore
import Prometheus
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

/// The request-duration histogram is ours (not swift-prometheus'), written in the text
/// swift-prometheus wrote for a duration histogram.
@Suite struct LatencyHistogramTests {
    @Test func boundsAreInclusiveAndCountsCumulative() {
        let h = LatencyHistogram(bounds: [.microseconds(100), .milliseconds(1), .milliseconds(10)], labels: [("front", "grpc")])
        for ns: Int64 in [0, 100_000, 100_001, 1_000_000, 5_000_000, 10_000_001, -7] { h.record(nanoseconds: ns) }
        var text = ""
        h.render(name: "x", into: &text)
        #expect(text == """
            x_bucket{front="grpc",le="0.0001"} 3
            x_bucket{front="grpc",le="0.001"} 5
            x_bucket{front="grpc",le="0.01"} 6
            x_bucket{front="grpc",le="+Inf"} 7
            x_sum{front="grpc"} 0.016200002
            x_count{front="grpc"} 7

            """)
    }

    @Test(arguments: [
        (Duration.microseconds(100), "0.0001"), (.microseconds(2500), "0.0025"), (.milliseconds(50), "0.05"),
        (.seconds(1), "1.0"), (.milliseconds(2500), "2.5"), (.seconds(10), "10.0"), (.nanoseconds(1), "0.000000001"),
        (.nanoseconds(0), "0.0"), (.nanoseconds(12_345_678_901), "12.345678901"),
    ])
    func secondsAreSpelledAsPrometheusDurationsWere(duration: Duration, text: String) {
        #expect(LatencyHistogram.seconds(LatencyHistogram.nanoseconds(duration)) == text)
        #expect(duration.bucketRepresentation == text)
    }

    @Test func labelValuesAreEscaped() {
        #expect(LatencyHistogram.escapedLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
    }

    @Test func theFamilyHeaderIsWrittenOnceAndOnlyWhenTimed() {
        let stats = ServerStats()
        #expect(!stats.prometheusText().contains("metricsd_request_duration_seconds"))
        stats.record(.grpc, .getMetrics, .ok, since: .now())
        stats.record(.rest, .getMetrics, .ok, since: .now())
        let text = stats.prometheusText()
        #expect(text.components(separatedBy: "# TYPE metricsd_request_duration_seconds histogram\n").count == 2)
        #expect(text.contains("metricsd_request_duration_seconds_count{front=\"rest\",method=\"GetMetrics\"} 1\n"))
        #expect(text.contains("metricsd_request_duration_seconds_bucket{front=\"grpc\",method=\"GetMetrics\",le=\"+Inf\"} 1\n"))
    }
}
