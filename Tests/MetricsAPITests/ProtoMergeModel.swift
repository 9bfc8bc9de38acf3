import MetricsAPI

/// Proto merge semantics written out by hand, as the model the decoder is checked against:
/// a scalar present (non-default / non-nil) in the later message wins, repeated fields are
/// appended, and a message field present in both is merged recursively.
enum ProtoMergeModel {
    static func pick<T: Equatable>(_ a: T, _ b: T, default value: T) -> T { b == value ? a : b }
    static func pick<T>(_ a: T?, _ b: T?) -> T? { b ?? a }
    static func nested<T>(_ a: T?, _ b: T?, _ merge: (T, T) -> T) -> T? {
        guard let a else { return b }
        guard let b else { return a }
        return merge(a, b)
    }

    static func timeRange(_ a: TimeRange, _ b: TimeRange) -> TimeRange {
        TimeRange(fromMs: pick(a.fromMs, b.fromMs, default: 0), toMs: pick(a.toMs, b.toMs, default: 0))
    }

    static func filters(_ a: Filters, _ b: Filters) -> Filters {
        var m = Filters()
        m.time = nested(a.time, b.time, timeRange)
        m.agentIds = a.agentIds + b.agentIds
        m.agentGroupIds = a.agentGroupIds + b.agentGroupIds
        m.skillIds = a.skillIds + b.skillIds
        m.userTypes = a.userTypes + b.userTypes
        m.includeSubGroups = a.includeSubGroups || b.includeSubGroups
        return m
    }

    static func getMetricsRequest(_ a: GetMetricsRequest, _ b: GetMetricsRequest) -> GetMetricsRequest {
        var m = GetMetricsRequest()
        m.accountId = pick(a.accountId, b.accountId, default: "")
        m.offset = pick(a.offset, b.offset, default: 0)
        m.limit = pick(a.limit, b.limit, default: 0)
        m.sort = pick(a.sort, b.sort, default: "")
        m.filters = nested(a.filters, b.filters, filters)
        m.metricsToRetrieveByTime = a.metricsToRetrieveByTime + b.metricsToRetrieveByTime
        m.metricsToRetrieveCurrentValue = a.metricsToRetrieveCurrentValue + b.metricsToRetrieveCurrentValue
        m.responseSections = a.responseSections + b.responseSections
        m.groupBy = pick(a.groupBy, b.groupBy, default: "")
        return m
    }

    static func metrics(_ a: Metrics, _ b: Metrics) -> Metrics {
        var m = Metrics()
        m.closedConversations = pick(a.closedConversations, b.closedConversations)
        m.closedByAgent = pick(a.closedByAgent, b.closedByAgent)
        m.closedByConsumer = pick(a.closedByConsumer, b.closedByConsumer)
        m.autoClosed = pick(a.autoClosed, b.autoClosed)
        m.avgTimeToResponse = pick(a.avgTimeToResponse, b.avgTimeToResponse)
        m.avgTimeToFirstResponseFirstAssignment = pick(a.avgTimeToFirstResponseFirstAssignment, b.avgTimeToFirstResponseFirstAssignment)
        m.avgTimeToFirstResponseAllAssignments = pick(a.avgTimeToFirstResponseAllAssignments, b.avgTimeToFirstResponseAllAssignments)
        m.avgWaitTime = pick(a.avgWaitTime, b.avgWaitTime)
        m.avgWaitTimeFirstResponse = pick(a.avgWaitTimeFirstResponse, b.avgWaitTimeFirstResponse)
        m.assignedConversations = pick(a.assignedConversations, b.assignedConversations)
        m.activeConversations = pick(a.activeConversations, b.activeConversations)
        m.onlineAgents = pick(a.onlineAgents, b.onlineAgents)
        m.awayAgents = pick(a.awayAgents, b.awayAgents)
        m.backSoonAgents = pick(a.backSoonAgents, b.backSoonAgents)
        m.availableSlots = pick(a.availableSlots, b.availableSlots)
        m.agentLoad = pick(a.agentLoad, b.agentLoad)
        m.humanAgentLoad = pick(a.humanAgentLoad, b.humanAgentLoad)
        m.humanOnlineLoad = pick(a.humanOnlineLoad, b.humanOnlineLoad)
        return m
    }

    static func link(_ a: Link, _ b: Link) -> Link {
        Link(rel: pick(a.rel, b.rel, default: ""), href: pick(a.href, b.href, default: ""))
    }

    static func metadata(_ a: Metadata, _ b: Metadata) -> Metadata {
        var m = Metadata()
        m.count = pick(a.count, b.count, default: 0)
        m.first = nested(a.first, b.first, link)
        m.prev = nested(a.prev, b.prev, link)
        m.`self` = nested(a.`self`, b.`self`, link)
        m.next = nested(a.next, b.next, link)
        m.last = nested(a.last, b.last, link)
        return m
    }

    static func getMetricsResponse(_ a: GetMetricsResponse, _ b: GetMetricsResponse) -> GetMetricsResponse {
        var m = GetMetricsResponse()
        m.metadata = nested(a.metadata, b.metadata, metadata)
        m.groupBy = nested(a.groupBy, b.groupBy) { x, y in
            var s = GroupBySection()
            s.groupByField = pick(x.groupByField, y.groupByField, default: "")
            s.groups = x.groups + y.groups
            return s
        }
        m.all = nested(a.all, b.all) { x, y in AllSection(metrics: nested(x.metrics, y.metrics, metrics)) }
        return m
    }

    static func publishEventsRequest(_ a: PublishEventsRequest, _ b: PublishEventsRequest) -> PublishEventsRequest {
        var m = PublishEventsRequest()
        m.accountId = pick(a.accountId, b.accountId, default: "")
        m.producerId = pick(a.producerId, b.producerId, default: "")
        m.sequence = pick(a.sequence, b.sequence, default: 0)
        m.events = a.events + b.events
        return m
    }
}
