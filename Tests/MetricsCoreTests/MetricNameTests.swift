import Testing

import MetricsCore

/// `Metric(requestName:)` / `Metric(responseName:)` look names up by length and bytes rather
/// than by hashing; these pin that every name is found and that near misses are not.
@Suite struct MetricNameTests {
    @Test func everyNameFindsItsMetric() {
        for m in Metric.allCases {
            #expect(Metric(requestName: m.requestName) == m)
            #expect(Metric(responseName: m.responseName) == m)
        }
    }

    @Test func spellingsAreNotMixedUp() {
        #expect(Metric(requestName: "closedConversations") == nil)
        #expect(Metric(responseName: "closed_conversations") == nil)
        // Names without an uppercase letter are spelled the same both ways.
        #expect(Metric(requestName: "closed_conversations") == .closedConversations)
    }

    @Test func nearMissesAreRejected() {
        let misses = [
            "", "a", "closed_conversation", "closed_conversationss", "Closed_conversations",
            "closed_conversations ", " closed_conversations", "avg_wait_tim", "avg_wait_timx",
            "online_agents\u{0}", "onlíne_agents", "agent_load_", String(repeating: "x", count: 10_000),
            // Same length as agent_load (10 bytes), different bytes.
            "agent_loax", "away_agentz",
        ]
        for name in misses {
            #expect(Metric(requestName: name) == nil, "\(name.prefix(40))")
            #expect(Metric(responseName: name) == nil, "\(name.prefix(40))")
        }
    }

    @Test func namesBuiltAtRuntimeAreFound() {
        let text = "xxavg_wait_timexx"
        let inner = String(text.dropFirst(2).dropLast(2))
        #expect(Metric(requestName: inner) == .avgWaitTime)
        let built = ["avg", "wait", "time"].joined(separator: "_")
        #expect(Metric(requestName: built) == .avgWaitTime)
    }

    /// `MetricValues` keeps one inline entry per metric; a new metric must grow it.
    @Test func metricValuesHasAnEntryPerMetric() {
        #expect(Metric.allCases.count == 18)
        var values = MetricValues()
        for m in Metric.allCases { values[m] = .count(Int64(m.rawValue)) }
        for m in Metric.allCases { #expect(values[m] == .count(Int64(m.rawValue))) }
        var other = values
        #expect(other == values)
        other[.humanOnlineLoad] = .double(1)
        #expect(other != values)
        #expect(values.present.count == 18)
    }
}
