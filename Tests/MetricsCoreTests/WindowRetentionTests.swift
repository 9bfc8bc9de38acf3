import MetricsCore
import Testing

/// SPEC §3 "Window" and "Retention".
@Suite struct WindowRetentionTests {
    /// One closed conversation at `t`.
    static func closedAt(_ t: Int64) -> Fixture {
        var f = Fixture()
        f.open("c", "s", at: t - 1); f.close("c", at: t)
        return f
    }

    func closed(_ f: Fixture, now: Int64, from: Int64, to: Int64) -> MetricValue? {
        f.query([.closedConversations], now: now, from: from, to: to).all?[.closedConversations]
    }

    @Test func windowRoundsToWholeMinutes() {
        let f = Self.closedAt(T0 + 59_999)  // minute 0
        let now = T0 + hour
        #expect(closed(f, now: now, from: T0 + 59_999, to: now) == .c(1))
        #expect(closed(f, now: now, from: T0 + 60_000, to: now) == .c(0))
        #expect(closed(f, now: now, from: T0 - hour, to: T0) == .c(1))  // to's minute is inclusive
        #expect(closed(f, now: now, from: T0 - hour, to: T0 - 1) == .c(0))
        let g = Self.closedAt(T0 + minute)  // minute 1
        #expect(closed(g, now: now, from: T0 + 30_000, to: T0 + 60_000) == .c(1))
    }

    @Test func toLaterThanNowIsTreatedAsNow() {
        var f = Fixture()
        f.open("c", "s", at: T0); f.close("c", at: T0 + 5 * minute)
        #expect(closed(f, now: T0 + 4 * minute, from: T0, to: T0 + 10 * minute) == .c(0))
        #expect(closed(f, now: T0 + 5 * minute, from: T0, to: T0 + 10 * minute) == .c(1))
    }

    @Test func fromAfterNowGivesEmptyWindow() {
        let f = Self.closedAt(T0)
        #expect(closed(f, now: T0 + 10, from: T0 + 11, to: T0 + 20) == .c(0))
        #expect(closed(f, now: T0 + 11, from: T0 + 11, to: T0 + 20) == .c(1))
    }

    @Test func byTimeDataRetained24Hours() {
        let f = Self.closedAt(T0 + 30 * second)
        // The retained minutes at now are nowMinute−1440 … : minute 0 until now reaches minute 1441.
        #expect(closed(f, now: T0 + day + 59_999, from: T0 - hour, to: T0 + day) == .c(1))
        #expect(closed(f, now: T0 + day + minute, from: T0 - hour, to: T0 + day) == .c(0))
        var pruned = f
        pruned.account.prune(now: T0 + day)
        #expect(closed(pruned, now: T0 + day + 59_999, from: T0 - hour, to: T0 + day) == .c(1))
        pruned.account.prune(now: T0 + day + minute)
        #expect(closed(pruned, now: T0 + day + minute, from: T0 - hour, to: T0 + day) == .c(0))
    }

    @Test func retainedSamplesMakeKeysOnlyWhileRetained() {
        let f = Self.closedAt(T0)
        #expect(f.query([.closedConversations], now: T0 + hour, groupBy: .skillId).keys == ["s"])
        #expect(f.query([.closedConversations], now: T0 + 2 * day, groupBy: .skillId).keys == [])
    }

    @Test func lateSampleInsertedBetweenMinutes() {
        var f = Fixture()
        f.open("a", "s", at: T0); f.open("b", "s", at: T0); f.open("c", "s", at: T0)
        f.close("a", at: T0 + 10 * minute)
        f.close("b", at: T0 + 2 * minute)
        f.close("c", at: T0 + 2 * minute + 1)
        let now = T0 + hour
        #expect(closed(f, now: now, from: T0, to: T0 + 2 * minute) == .c(2))
        #expect(closed(f, now: now, from: T0 + 3 * minute, to: now) == .c(1))
        #expect(closed(f, now: now, from: T0, to: now) == .c(3))
    }

    @Test func pruneForgetsClosedConversationsAfter24Hours() {
        var f = Self.closedAt(T0)
        f.account.prune(now: T0 + day + 1)
        f.expectApplied(T0 + day + 2, .conversationOpened(conversationId: "c", skillId: "s"))
    }
}
