import MetricsCore
import Testing

/// A minute-aligned base time, so that `T0 + n·minute` starts minute n of the test.
let T0: Int64 = 1_700_000_040_000
let second: Int64 = 1000
let minute: Int64 = 60_000
let hour: Int64 = 3_600_000
let day: Int64 = 86_400_000

/// One account built event by event, with terse helpers for the hand-computed tests.
struct Fixture {
    var account = AccountMetrics()
    var applyNow: Int64? = nil

    @discardableResult
    mutating func at(_ t: Int64, _ kind: Event.Kind, sourceLocation: SourceLocation = #_sourceLocation) -> ApplyOutcome {
        let out = account.apply(Event(time: t, kind: kind), now: applyNow ?? t)
        return out
    }

    mutating func expectApplied(_ t: Int64, _ kind: Event.Kind, sourceLocation: SourceLocation = #_sourceLocation) {
        let out = at(t, kind)
        #expect(out == .applied, sourceLocation: sourceLocation)
    }

    mutating func expectRejected(_ t: Int64, _ kind: Event.Kind, sourceLocation: SourceLocation = #_sourceLocation) {
        let out = at(t, kind)
        #expect(out != .applied, sourceLocation: sourceLocation)
    }

    mutating func skill(_ id: String, _ name: String? = nil) {
        expectApplied(T0, .skillUpserted(skillId: id, name: name ?? "skill \(id)"))
    }

    mutating func group(_ id: String, parent: String? = nil, name: String? = nil) {
        expectApplied(T0, .agentGroupUpserted(agentGroupId: id, name: name ?? "group \(id)", parentGroupId: parent))
    }

    mutating func agent(
        _ id: String, group: String, skills: [String], slots: Int = 4, type: UserType = .human,
        state: AgentState? = .online
    ) {
        expectApplied(T0, .agentUpserted(agentId: id, name: "agent \(id)", userType: type, agentGroupId: group, skillIds: skills, maxSlots: slots))
        if let state { expectApplied(T0, .agentStateChanged(agentId: id, state: state)) }
    }

    mutating func open(_ c: String, _ skill: String, at t: Int64) { expectApplied(t, .conversationOpened(conversationId: c, skillId: skill)) }
    mutating func consumer(_ c: String, at t: Int64) { expectApplied(t, .consumerMessage(conversationId: c)) }
    mutating func assign(_ c: String, _ a: String, weight: Double = 1, at t: Int64) {
        expectApplied(t, .conversationAssigned(conversationId: c, agentId: a, weight: weight))
    }
    mutating func unassign(_ c: String, at t: Int64) { expectApplied(t, .conversationUnassigned(conversationId: c)) }
    mutating func say(_ c: String, _ a: String, at t: Int64) { expectApplied(t, .agentMessage(conversationId: c, agentId: a)) }
    mutating func close(_ c: String, by: ClosedBy = .agent, at t: Int64) { expectApplied(t, .conversationClosed(conversationId: c, closedBy: by)) }
    mutating func changeSkill(_ c: String, _ s: String, at t: Int64) { expectApplied(t, .skillChanged(conversationId: c, skillId: s)) }

    func query(
        _ metrics: [Metric], now: Int64, from: Int64? = nil, to: Int64? = nil,
        filters: MetricsQuery.Filters = .init(), groupBy: MetricsQuery.GroupByField? = nil,
        sort: MetricsQuery.Sort = .init(), offset: Int = 0, limit: Int = 50, includeAll: Bool = true
    ) -> MetricsResult {
        let q = MetricsQuery(
            accountId: "a", fromMs: from ?? (now - day), toMs: to ?? now, filters: filters, metrics: metrics,
            includeAll: includeAll, groupBy: groupBy, sort: sort, offset: offset, limit: limit)
        return account.query(q, now: now)
    }
}

extension MetricsResult {
    func group(_ key: String) -> MetricValues? { groups?.first { $0.key == key }?.metrics }
    var keys: [String] { groups?.map(\.key) ?? [] }
}

extension MetricValue {
    static func c(_ n: Int64) -> MetricValue { .count(n) }
    static func d(_ x: Double) -> MetricValue { .double(x) }
}
