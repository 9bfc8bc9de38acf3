import MetricsAPI

// Codable structs with the same JSON shape as our REST documents (docs/api.md), for the
// Foundation JSONEncoder/JSONDecoder baseline. Optionals are left out when nil, as our writer
// leaves out absent metrics and empty event fields, so both sides read and write the same
// documents.

enum FoundationJSONMirror {
    struct Response: Codable, Equatable {
        var metadata: Metadata?
        var groupBy: GroupBy?
        var all: All?
    }

    struct Metadata: Codable, Equatable {
        var count: Int64
        var first: Link?
        var prev: Link?
        var `self`: Link?
        var next: Link?
        var last: Link?
    }

    struct Link: Codable, Equatable {
        var rel: String
        var href: String
    }

    struct GroupBy: Codable, Equatable {
        var groupByField: String
        var groups: [Group]
    }

    struct Group: Codable, Equatable {
        var key: String
        var keyDescription: String
        var metrics: Metrics?
    }

    struct All: Codable, Equatable {
        var metrics: Metrics?
    }

    struct Metrics: Codable, Equatable {
        var closedConversations: Int64?
        var closedByAgent: Int64?
        var closedByConsumer: Int64?
        var autoClosed: Int64?
        var avgTimeToResponse: Double?
        var avgTimeToFirstResponseFirstAssignment: Double?
        var avgTimeToFirstResponseAllAssignments: Double?
        var avgWaitTime: Double?
        var avgWaitTimeFirstResponse: Double?
        var assignedConversations: Int64?
        var activeConversations: Int64?
        var onlineAgents: Int64?
        var awayAgents: Int64?
        var backSoonAgents: Int64?
        var availableSlots: Int64?
        var agentLoad: Double?
        var humanAgentLoad: Double?
        var humanOnlineLoad: Double?
    }

    struct PublishRequest: Codable, Equatable {
        var producerId: String
        var sequence: Int64
        var events: [Event]
    }

    struct Event: Codable, Equatable {
        var type: String
        var time: Int64
        var skillId: String?
        var name: String?
        var agentGroupId: String?
        var parentGroupId: String?
        var agentId: String?
        var userType: String?
        var skillIds: [String]?
        var maxSlots: Int32?
        var state: String?
        var conversationId: String?
        var weight: Double?
        var closedBy: String?
    }
}

extension FoundationJSONMirror.Response {
    init(_ r: GetMetricsResponse) {
        metadata = r.metadata.map { m in
            .init(
                count: m.count, first: m.first.map(FoundationJSONMirror.Link.init),
                prev: m.prev.map(FoundationJSONMirror.Link.init), self: m.`self`.map(FoundationJSONMirror.Link.init),
                next: m.next.map(FoundationJSONMirror.Link.init), last: m.last.map(FoundationJSONMirror.Link.init))
        }
        groupBy = r.groupBy.map { g in
            .init(
                groupByField: g.groupByField,
                groups: g.groups.map {
                    .init(key: $0.key, keyDescription: $0.keyDescription, metrics: $0.metrics.map(FoundationJSONMirror.Metrics.init))
                })
        }
        all = r.all.map { .init(metrics: $0.metrics.map(FoundationJSONMirror.Metrics.init)) }
    }
}

extension FoundationJSONMirror.Link {
    init(_ l: Link) { self.init(rel: l.rel, href: l.href) }
}

extension FoundationJSONMirror.Metrics {
    init(_ m: Metrics) {
        self.init(
            closedConversations: m.closedConversations, closedByAgent: m.closedByAgent,
            closedByConsumer: m.closedByConsumer, autoClosed: m.autoClosed, avgTimeToResponse: m.avgTimeToResponse,
            avgTimeToFirstResponseFirstAssignment: m.avgTimeToFirstResponseFirstAssignment,
            avgTimeToFirstResponseAllAssignments: m.avgTimeToFirstResponseAllAssignments,
            avgWaitTime: m.avgWaitTime, avgWaitTimeFirstResponse: m.avgWaitTimeFirstResponse,
            assignedConversations: m.assignedConversations, activeConversations: m.activeConversations,
            onlineAgents: m.onlineAgents, awayAgents: m.awayAgents, backSoonAgents: m.backSoonAgents,
            availableSlots: m.availableSlots, agentLoad: m.agentLoad, humanAgentLoad: m.humanAgentLoad,
            humanOnlineLoad: m.humanOnlineLoad)
    }
}

extension FoundationJSONMirror.PublishRequest {
    /// `accountId` comes from the URL, not the body, so the mirror has none.
    init(_ r: PublishEventsRequest) {
        func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
        self.init(
            producerId: r.producerId, sequence: r.sequence,
            events: r.events.map { e in
                .init(
                    type: e.type, time: e.time, skillId: nonEmpty(e.skillId), name: nonEmpty(e.name),
                    agentGroupId: nonEmpty(e.agentGroupId), parentGroupId: e.parentGroupId,
                    agentId: nonEmpty(e.agentId), userType: nonEmpty(e.userType),
                    skillIds: e.skillIds.isEmpty ? nil : e.skillIds, maxSlots: e.maxSlots, state: nonEmpty(e.state),
                    conversationId: nonEmpty(e.conversationId), weight: e.weight, closedBy: nonEmpty(e.closedBy))
            })
    }
}
