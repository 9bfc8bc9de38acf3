import MetricsAPI

// Hand-written values of what each Golden/*.txtpb says, field by field. They are typed in
// here (not derived from our codec) so a golden test fails when decoder or encoder is wrong.
enum GoldenExpected {
    static let requestFull: GetMetricsRequest = {
        var filters = Filters()
        filters.time = TimeRange(fromMs: 1_700_000_000_000, toMs: 1_700_000_600_000)
        filters.agentIds = ["a1", "", "a3"]
        filters.agentGroupIds = ["g1"]
        filters.skillIds = ["s1", "s2"]
        filters.userTypes = ["HUMAN", "BOT"]
        filters.includeSubGroups = true
        var r = GetMetricsRequest()
        r.accountId = "acme-1"
        r.offset = 100
        r.limit = 25
        r.sort = "closedConversations:desc"
        r.filters = filters
        r.metricsToRetrieveByTime = ["closed_conversations", "avg_wait_time"]
        r.metricsToRetrieveCurrentValue = ["online_agents"]
        r.responseSections = ["all", "groupBy"]
        r.groupBy = "skillId"
        return r
    }()

    static let requestNegative: GetMetricsRequest = {
        var filters = Filters()
        filters.time = TimeRange(fromMs: .min, toMs: .max)
        var r = GetMetricsRequest()
        r.accountId = "ü日本🙂"
        r.offset = -1
        r.limit = .min
        r.filters = filters
        return r
    }()

    static let requestEmptyFilters: GetMetricsRequest = {
        var filters = Filters()
        filters.time = TimeRange()
        var r = GetMetricsRequest()
        r.filters = filters
        return r
    }()

    static let filters: Filters = {
        var f = Filters()
        f.agentGroupIds = ["g-1", "g-2"]
        f.includeSubGroups = true
        return f
    }()

    static let metricsFull: Metrics = {
        var m = Metrics()
        m.closedConversations = 7
        m.closedByAgent = 3
        m.closedByConsumer = 2
        m.autoClosed = 2
        m.avgTimeToResponse = 1234.5
        m.avgTimeToFirstResponseFirstAssignment = 0.001
        m.avgTimeToFirstResponseAllAssignments = 1e300
        m.avgWaitTime = 60000
        m.avgWaitTimeFirstResponse = -0.25
        m.assignedConversations = 300
        m.activeConversations = 300
        m.onlineAgents = 128
        m.awayAgents = 1
        m.backSoonAgents = 16384
        m.availableSlots = -5
        m.agentLoad = 33.333
        m.humanAgentLoad = .infinity
        m.humanOnlineLoad = 100
        return m
    }()

    static let metricsZero: Metrics = {
        var m = Metrics()
        m.closedConversations = 0
        m.closedByAgent = 0
        m.closedByConsumer = 0
        m.autoClosed = 0
        m.avgTimeToResponse = 0
        m.avgTimeToFirstResponseFirstAssignment = 0
        m.avgTimeToFirstResponseAllAssignments = 0
        m.avgWaitTime = 0
        m.avgWaitTimeFirstResponse = 0
        m.assignedConversations = 0
        m.activeConversations = 0
        m.onlineAgents = 0
        m.awayAgents = 0
        m.backSoonAgents = 0
        m.availableSlots = 0
        m.agentLoad = 0
        m.humanAgentLoad = 0
        m.humanOnlineLoad = -0.0
        return m
    }()

    static let metricsKnownOfV2: Metrics = {
        var m = Metrics()
        m.closedConversations = 9
        m.avgWaitTime = 1.5
        m.humanOnlineLoad = 0
        return m
    }()

    static let link = Link(
        rel: "self",
        href: "http://localhost:8080/manager_workspace/api/account/A/metrics?offset=0&limit=1&sort=closedConversations:desc")

    static let metadata: Metadata = {
        var m = Metadata()
        m.count = 3
        m.first = Link(rel: "first", href: "http://h/m?offset=0&limit=1")
        m.prev = Link()
        m.`self` = Link(rel: "self", href: "http://h/m?offset=1&limit=1")
        m.next = Link(rel: "next", href: "http://h/m?offset=2&limit=1")
        m.last = Link(rel: "last", href: "http://h/m?offset=2&limit=1")
        return m
    }()

    static let group: Group = {
        var metrics = Metrics()
        metrics.closedConversations = 1
        metrics.avgWaitTime = 2.5
        return Group(key: "1641709730", keyDescription: "Sales", metrics: metrics)
    }()

    static let groupBySection: GroupBySection = {
        var online = Metrics()
        online.onlineAgents = 0
        var s = GroupBySection()
        s.groupByField = "agentGroupId"
        s.groups = [
            Group(key: "1", keyDescription: "NA", metrics: Metrics()),
            Group(),
            Group(key: "x", keyDescription: "", metrics: online),
        ]
        return s
    }()

    static let responseFull: GetMetricsResponse = {
        let href = "http://h/a?offset=0&limit=50"
        var metadata = Metadata()
        metadata.count = 2
        metadata.first = Link(rel: "first", href: href)
        metadata.`self` = Link(rel: "self", href: href)
        metadata.last = Link(rel: "last", href: href)
        var billing = Metrics()
        billing.closedConversations = 4
        billing.agentLoad = 12.5
        var zero = Metrics()
        zero.closedConversations = 0
        var section = GroupBySection()
        section.groupByField = "skillId"
        section.groups = [
            Group(key: "10", keyDescription: "Billing", metrics: billing),
            Group(key: "9", keyDescription: "NA", metrics: zero),
        ]
        var r = GetMetricsResponse()
        r.metadata = metadata
        r.groupBy = section
        r.all = AllSection(metrics: billing)
        return r
    }()

    static let responseAllOnly: GetMetricsResponse = {
        var metadata = Metadata()
        metadata.`self` = Link(rel: "self", href: "h")
        var r = GetMetricsResponse()
        r.metadata = metadata
        r.all = AllSection(metrics: Metrics())
        return r
    }()

    static let eventFull: EventMessage = {
        var e = EventMessage()
        e.type = "agent_upserted"
        e.time = 1_700_000_000_123
        e.skillId = "s1"
        e.name = "Ann"
        e.agentGroupId = "g1"
        e.parentGroupId = "g0"
        e.agentId = "a1"
        e.userType = "HUMAN"
        e.skillIds = ["s1", "s2"]
        e.maxSlots = 3
        e.state = "ONLINE"
        e.conversationId = "c1"
        e.weight = 0.5
        e.closedBy = "AGENT"
        return e
    }()

    static let eventZeroOptionals: EventMessage = {
        var e = EventMessage()
        e.type = "agent_group_upserted"
        e.parentGroupId = ""
        e.maxSlots = 0
        e.weight = 0
        return e
    }()

    static let eventNegative: EventMessage = {
        var e = EventMessage()
        e.type = "conversation_assigned"
        e.time = -1
        e.maxSlots = -1
        e.weight = -2.75
        return e
    }()

    static let publishRequest: PublishEventsRequest = {
        var skill = EventMessage()
        skill.type = "skill_upserted"
        skill.time = 1
        skill.skillId = "s1"
        skill.name = "Billing"
        var r = PublishEventsRequest()
        r.accountId = "demo"
        r.producerId = "p1"
        r.sequence = 42
        r.events = [skill, EventMessage(), closedC1]
        return r
    }()

    static let closedC1: EventMessage = {
        var e = EventMessage()
        e.type = "conversation_closed"
        e.time = 3
        e.conversationId = "c1"
        e.closedBy = "SYSTEM"
        return e
    }()

    static let publishRequestKnownOfV2: PublishEventsRequest = {
        var r = PublishEventsRequest()
        r.accountId = "demo"
        r.producerId = "p1"
        r.sequence = 42
        r.events = [closedC1, EventMessage()]
        return r
    }()

    static let publishResponse: PublishEventsResponse = {
        var r = PublishEventsResponse()
        r.applied = 5
        r.rejected = 2
        r.duplicate = true
        r.rejections = [Rejection(index: 0, reason: "closed conversation c1"), Rejection(index: -3, reason: "")]
        return r
    }()
}
