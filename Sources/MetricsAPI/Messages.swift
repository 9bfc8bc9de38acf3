// Swift value types mirroring proto/manager_workspace/v1/metrics.proto, field for field.
// Binary codecs live in *+Proto.swift, the REST JSON mapping in *+JSON.swift, and the
// checks that turn a request into a MetricsCore.MetricsQuery in Validation.swift.

public struct TimeRange: Sendable, Equatable {
    public var fromMs: Int64 = 0
    public var toMs: Int64 = 0
    public init(fromMs: Int64 = 0, toMs: Int64 = 0) {
        self.fromMs = fromMs
        self.toMs = toMs
    }
}

public struct Filters: Sendable, Equatable {
    /// Required; nil when absent on the wire.
    public var time: TimeRange?
    public var agentIds: [String] = []
    public var agentGroupIds: [String] = []
    public var skillIds: [String] = []
    public var userTypes: [String] = []
    public var includeSubGroups: Bool = false
    public init() {}
}

public struct GetMetricsRequest: Sendable, Equatable {
    public var accountId: String = ""
    public var offset: Int64 = 0
    public var limit: Int32 = 0
    public var sort: String = ""
    /// Required; nil when absent on the wire.
    public var filters: Filters?
    public var metricsToRetrieveByTime: [String] = []
    public var metricsToRetrieveCurrentValue: [String] = []
    public var responseSections: [String] = []
    public var groupBy: String = ""
    public init() {}
}

/// One optional field per metric (proto3 `optional`): nil = absent on the wire / in JSON.
public struct Metrics: Sendable, Equatable {
    public var closedConversations: Int64?
    public var closedByAgent: Int64?
    public var closedByConsumer: Int64?
    public var autoClosed: Int64?
    public var avgTimeToResponse: Double?
    public var avgTimeToFirstResponseFirstAssignment: Double?
    public var avgTimeToFirstResponseAllAssignments: Double?
    public var avgWaitTime: Double?
    public var avgWaitTimeFirstResponse: Double?
    public var assignedConversations: Int64?
    public var activeConversations: Int64?
    public var onlineAgents: Int64?
    public var awayAgents: Int64?
    public var backSoonAgents: Int64?
    public var availableSlots: Int64?
    public var agentLoad: Double?
    public var humanAgentLoad: Double?
    public var humanOnlineLoad: Double?
    public init() {}
}

public struct Link: Sendable, Equatable {
    public var rel: String = ""
    public var href: String = ""
    public init(rel: String = "", href: String = "") {
        self.rel = rel
        self.href = href
    }
}

public struct Metadata: Sendable, Equatable {
    public var count: Int64 = 0
    public var first: Link?
    public var prev: Link?
    public var `self`: Link?
    public var next: Link?
    public var last: Link?
    public init() {}
}

public struct Group: Sendable, Equatable {
    public var key: String = ""
    public var keyDescription: String = ""
    public var metrics: Metrics?
    public init(key: String = "", keyDescription: String = "", metrics: Metrics? = nil) {
        self.key = key
        self.keyDescription = keyDescription
        self.metrics = metrics
    }
}

public struct GroupBySection: Sendable, Equatable {
    public var groupByField: String = ""
    public var groups: [Group] = []
    public init() {}
}

public struct AllSection: Sendable, Equatable {
    public var metrics: Metrics?
    public init(metrics: Metrics? = nil) { self.metrics = metrics }
}

public struct GetMetricsResponse: Sendable, Equatable {
    public var metadata: Metadata?
    public var groupBy: GroupBySection?
    public var all: AllSection?
    public init() {}
}

/// Flat event: `type` says which other fields apply (docs/api.md lists them per type).
public struct EventMessage: Sendable, Equatable {
    public var type: String = ""
    public var time: Int64 = 0
    public var skillId: String = ""
    public var name: String = ""
    public var agentGroupId: String = ""
    public var parentGroupId: String?
    public var agentId: String = ""
    public var userType: String = ""
    public var skillIds: [String] = []
    public var maxSlots: Int32?
    public var state: String = ""
    public var conversationId: String = ""
    public var weight: Double?
    public var closedBy: String = ""
    public init() {}
}

public struct PublishEventsRequest: Sendable, Equatable {
    public var accountId: String = ""
    public var producerId: String = ""
    public var sequence: Int64 = 0
    public var events: [EventMessage] = []
    public init() {}
}

public struct Rejection: Sendable, Equatable {
    public var index: Int32 = 0
    public var reason: String = ""
    public init(index: Int32 = 0, reason: String = "") {
        self.index = index
        self.reason = reason
    }
}

public struct PublishEventsResponse: Sendable, Equatable {
    public var applied: Int64 = 0
    public var rejected: Int64 = 0
    public var duplicate: Bool = false
    public var rejections: [Rejection] = []
    public init() {}
}
