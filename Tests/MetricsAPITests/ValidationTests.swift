import MetricsAPI
import MetricsCore
import Testing

let now: Int64 = 1_700_000_000_000
let hour: Int64 = 3_600_000

/// A valid request: the last hour, no metrics, everything else default.
func validRequest(_ edit: (inout GetMetricsRequest) -> Void = { _ in }) -> GetMetricsRequest {
    var r = GetMetricsRequest()
    r.accountId = "acme"
    var f = Filters()
    f.time = TimeRange(fromMs: now - hour, toMs: now)
    r.filters = f
    edit(&r)
    return r
}

func expectInvalid(
    _ req: GetMetricsRequest, front: APIFront = .grpc, _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let q = try req.validated(now: now, front: front)
        Issue.record("accepted, got \(q)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == .invalidArgument, sourceLocation: sourceLocation)
        #expect(error.httpStatus == 400, sourceLocation: sourceLocation)
        #expect(error.message == message, sourceLocation: sourceLocation)
    }
}

func validQuery(_ req: GetMetricsRequest, front: APIFront = .grpc) throws -> MetricsQuery {
    try req.validated(now: now, front: front)
}

@Suite struct ValidationTests {
    // MARK: accountId

    @Test(arguments: ["a", "acme", "A-z_0.9", String(repeating: "x", count: 64), "1641709730"])
    func accountIdMatchingThePatternIsAccepted(_ id: String) throws {
        #expect(try validQuery(validRequest { $0.accountId = id }).accountId == id)
    }

    @Test(arguments: ["", "a b", "a/b", "caf\u{e9}", String(repeating: "x", count: 65), "a%2F", "a\u{0}"])
    func invalidAccountIdIs400(_ id: String) {
        expectInvalid(validRequest { $0.accountId = id }, "accountId must match [A-Za-z0-9_.-]{1,64}")
        expectInvalid(validRequest { $0.accountId = id }, front: .rest, "accountId must match [A-Za-z0-9_.-]{1,64}")
    }

    // MARK: filters and time

    @Test func missingFiltersIs400() {
        expectInvalid(validRequest { $0.filters = nil }, "filters is required")
    }

    @Test func anEmptyRequestIsToldFiltersIsRequiredFirst() {
        expectInvalid(GetMetricsRequest(), "filters is required")
        expectInvalid(GetMetricsRequest(), front: .rest, "filters is required")
    }

    @Test func missingTimeIs400() {
        expectInvalid(validRequest { $0.filters?.time = nil }, "filters.time is required")
    }

    @Test func missingTimeFromIs400() {
        expectInvalid(validRequest { $0.filters?.time?.fromMs = 0 }, "filters.time.from is required")
    }

    @Test func missingTimeToIs400() {
        expectInvalid(validRequest { $0.filters?.time?.toMs = 0 }, "filters.time.to is required")
    }

    @Test func fromAfterToIs400() {
        expectInvalid(
            validRequest { $0.filters?.time = TimeRange(fromMs: now - 10, toMs: now - 11) },
            "filters.time.from must not be after filters.time.to")
    }

    @Test func fromEqualToToIsAccepted() throws {
        let q = try validQuery(validRequest { $0.filters?.time = TimeRange(fromMs: now - 10, toMs: now - 10) })
        #expect(q.fromMs == now - 10 && q.toMs == now - 10)
    }

    @Test func fromOlderThanNowMinus24HoursMinus5MinutesIs400() throws {
        let oldest = now - 24 * hour - 5 * 60_000
        _ = try validQuery(validRequest { $0.filters?.time?.fromMs = oldest })
        expectInvalid(
            validRequest { $0.filters?.time?.fromMs = oldest - 1 },
            "filters.time.from is older than 24 hours (plus 5 minutes) before now")
        expectInvalid(
            validRequest { $0.filters?.time?.fromMs = -5 },
            "filters.time.from is older than 24 hours (plus 5 minutes) before now")
    }

    @Test func fromAfterNowIsAnEmptyWindowNotAnError() throws {
        let q = try validQuery(validRequest { $0.filters?.time = TimeRange(fromMs: now + 1000, toMs: now + 2000) })
        #expect(q.fromMs == now + 1000)
    }

    @Test func toLaterThanNowIsAccepted() throws {
        #expect(try validQuery(validRequest { $0.filters?.time?.toMs = now + hour }).toMs == now + hour)
    }

    // MARK: offset and limit

    @Test func negativeOffsetIs400() {
        expectInvalid(validRequest { $0.offset = -1 }, "offset must not be negative")
        expectInvalid(validRequest { $0.offset = .min }, front: .rest, "offset must not be negative")
    }

    @Test func offsetIsPassedThrough() throws {
        #expect(try validQuery(validRequest { $0.offset = 120 }).offset == 120)
    }

    @Test func grpcLimitZeroMeans50() throws {
        #expect(try validQuery(validRequest { $0.limit = 0 }).limit == 50)
    }

    @Test func restLimitZeroIs400() {
        expectInvalid(validRequest { $0.limit = 0 }, front: .rest, "limit must be between 1 and 50")
    }

    @Test(arguments: [Int32(-1), 51, Int32.max, Int32.min])
    func limitOutside1To50Is400OnBothFronts(_ limit: Int32) {
        expectInvalid(validRequest { $0.limit = limit }, "limit must be between 1 and 50")
        expectInvalid(validRequest { $0.limit = limit }, front: .rest, "limit must be between 1 and 50")
    }

    @Test(arguments: [Int32(1), 7, 50])
    func limitFrom1To50IsAccepted(_ limit: Int32) throws {
        #expect(try validQuery(validRequest { $0.limit = limit }, front: .rest).limit == Int(limit))
        #expect(try validQuery(validRequest { $0.limit = limit }, front: .grpc).limit == Int(limit))
    }

    // MARK: sort

    @Test func emptySortMeansKeyAscending() throws {
        #expect(try validQuery(validRequest { $0.sort = "" }).sort == MetricsQuery.Sort(key: .key, descending: false))
    }

    @Test func sortKeyAscAndDesc() throws {
        #expect(try validQuery(validRequest { $0.sort = "key:asc" }).sort == .init(key: .key, descending: false))
        #expect(try validQuery(validRequest { $0.sort = "key:desc" }).sort == .init(key: .key, descending: true))
    }

    static let specSortMetrics = [
        "agentLoad", "humanAgentLoad", "humanOnlineLoad", "closedConversations", "closedByAgent",
        "closedByConsumer", "autoClosed", "avgTimeToResponse", "avgTimeToFirstResponseFirstAssignment",
        "avgTimeToFirstResponseAllAssignments", "avgWaitTime", "avgWaitTimeFirstResponse",
        "assignedConversations", "activeConversations", "onlineAgents", "awayAgents", "backSoonAgents",
        "availableSlots",
    ]

    @Test(arguments: specSortMetrics)
    func everySpecSortMetricIsAcceptedInBothDirections(_ name: String) throws {
        let desc = try validQuery(validRequest { $0.sort = name + ":desc" }).sort
        #expect(desc.descending)
        guard case .metric(let m) = desc.key else {
            Issue.record("not a metric sort")
            return
        }
        #expect(m.responseName == name)
        #expect(try validQuery(validRequest { $0.sort = name + ":asc" }).sort.descending == false)
    }

    @Test func sortMetricNeedNotBeRequested() throws {
        let q = try validQuery(validRequest { $0.sort = "agentLoad:desc" })
        #expect(q.metrics.isEmpty)
        #expect(q.sort == .init(key: .metric(.agentLoad), descending: true))
    }

    @Test func snakeCaseSortKeyIs400() {
        expectInvalid(
            validRequest { $0.sort = "closed_conversations:desc" },
            "sort: unknown metric \"closed_conversations\" (sort uses camelCase names such as closedConversations)")
    }

    @Test(arguments: ["closedConversations", "closedConversations:DESC", "closedConversations:", ":asc:desc",
                      "key", "key:up", "closedConversations:desc:asc", " key:asc"])
    func malformedSortIs400(_ sort: String) {
        if sort == " key:asc" {
            expectInvalid(
                validRequest { $0.sort = sort },
                "sort: unknown metric \" key\" (sort uses camelCase names such as closedConversations)")
        } else {
            expectInvalid(
                validRequest { $0.sort = sort },
                "sort must be METRIC:asc, METRIC:desc, key:asc or key:desc, got \"\(sort)\"")
        }
    }

    @Test func unknownSortMetricIs400() {
        expectInvalid(
            validRequest { $0.sort = "foo:asc" },
            "sort: unknown metric \"foo\" (sort uses camelCase names such as closedConversations)")
    }

    // MARK: filters

    @Test func userTypesHumanAndBotAreAccepted() throws {
        let q = try validQuery(validRequest { $0.filters?.userTypes = ["HUMAN", "BOT", "HUMAN"] })
        #expect(q.filters.userTypes == [.human, .bot])
    }

    @Test func unknownUserTypeIs400NamingFiltersUserTypes() {
        expectInvalid(
            validRequest { $0.filters?.userTypes = ["BOT", "human"] },
            "filters.userTypes[1]: unknown user type \"human\" (expected HUMAN or BOT)")
    }

    @Test func emptyFilterArraysMeanTheSameAsAbsentOnes() throws {
        let empty = try validQuery(validRequest {
            $0.filters?.agentIds = []
            $0.filters?.agentGroupIds = []
            $0.filters?.skillIds = []
            $0.filters?.userTypes = []
        })
        #expect(empty.filters == MetricsQuery.Filters())
    }

    @Test func includeSubGroupsNullMeansFalse() throws {
        let body = "{\"filters\":{\"time\":{\"from\":\(now - hour),\"to\":\(now)},\"includeSubGroups\":null}}"
        var req = try GetMetricsRequest(jsonBody: body.bytes)
        req.accountId = "acme"
        #expect(try validQuery(req).filters.includeSubGroups == false)
    }

    @Test func filterIdsArePassedAsSets() throws {
        let q = try validQuery(validRequest {
            $0.filters?.agentIds = ["a1", "a2", "a1"]
            $0.filters?.agentGroupIds = ["g1"]
            $0.filters?.skillIds = ["s1"]
            $0.filters?.includeSubGroups = true
        })
        #expect(q.filters == MetricsQuery.Filters(
            agentIds: ["a1", "a2"], agentGroupIds: ["g1"], skillIds: ["s1"], includeSubGroups: true))
    }

    // MARK: sections and groupBy

    @Test func absentSectionsWithGroupByMeanBoth() throws {
        let q = try validQuery(validRequest { $0.groupBy = "skillId" })
        #expect(q.includeAll && q.groupBy == .skillId)
    }

    @Test func absentSectionsWithoutGroupByMeanOnlyAll() throws {
        let q = try validQuery(validRequest())
        #expect(q.includeAll && q.groupBy == nil)
    }

    @Test func explicitGroupBySectionWithoutGroupByIs400() {
        expectInvalid(
            validRequest { $0.responseSections = ["all", "groupBy"] },
            "responseSections includes groupBy but groupBy is not set")
    }

    @Test func onlyTheAllSectionDropsTheGroups() throws {
        let q = try validQuery(validRequest {
            $0.responseSections = ["all"]
            $0.groupBy = "agentGroupId"
        })
        #expect(q.includeAll && q.groupBy == nil)
    }

    @Test func onlyTheGroupBySectionDropsAll() throws {
        let q = try validQuery(validRequest {
            $0.responseSections = ["groupBy"]
            $0.groupBy = "agentGroupId"
        })
        #expect(!q.includeAll && q.groupBy == .agentGroupId)
    }

    @Test func unknownSectionIs400() {
        expectInvalid(
            validRequest { $0.responseSections = ["all", "groups"] },
            "responseSections[1]: unknown section \"groups\" (expected all or groupBy)")
    }

    @Test(arguments: ["agentId", "skill_id", "SkillId", " skillId"])
    func groupByOtherThanSkillIdOrAgentGroupIdIs400(_ field: String) {
        expectInvalid(validRequest { $0.groupBy = field }, "groupBy must be skillId or agentGroupId, got \"\(field)\"")
        expectInvalid(
            validRequest {
                $0.groupBy = field
                $0.responseSections = ["all"]
            }, "groupBy must be skillId or agentGroupId, got \"\(field)\"")
    }

    // MARK: metric names

    @Test func metricsAreSnakeCaseAndReturnedOnceInRequestOrder() throws {
        let q = try validQuery(validRequest {
            $0.metricsToRetrieveByTime = ["avg_wait_time", "closed_conversations", "avg_wait_time"]
            $0.metricsToRetrieveCurrentValue = ["online_agents", "agent_load", "online_agents"]
        })
        #expect(q.metrics == [.avgWaitTime, .closedConversations, .onlineAgents, .agentLoad])
    }

    @Test func everyMetricIsAcceptedInItsOwnList() throws {
        let q = try validQuery(validRequest {
            $0.metricsToRetrieveByTime = Metric.allCases.filter { $0.kind == .byTime }.map(\.requestName)
            $0.metricsToRetrieveCurrentValue = Metric.allCases.filter { $0.kind == .currentValue }.map(\.requestName)
        })
        #expect(q.metrics.count == 18)
        #expect(Metric.allCases.filter { $0.kind == .byTime }.count == 9)
    }

    @Test func activeConversationsIsACurrentValueMetric() throws {
        let q = try validQuery(validRequest { $0.metricsToRetrieveCurrentValue = ["active_conversations"] })
        #expect(q.metrics == [.activeConversations])
        expectInvalid(
            validRequest { $0.metricsToRetrieveByTime = ["active_conversations"] },
            "metricsToRetrieveByTime[0]: \"active_conversations\" is a current-value metric; list it in metricsToRetrieveCurrentValue")
    }

    @Test func byTimeNameInTheCurrentValueListIs400() {
        expectInvalid(
            validRequest { $0.metricsToRetrieveCurrentValue = ["online_agents", "closed_conversations"] },
            "metricsToRetrieveCurrentValue[1]: \"closed_conversations\" is a by-time metric; list it in metricsToRetrieveByTime")
    }

    @Test func currentValueNameInTheByTimeListIs400() {
        expectInvalid(
            validRequest { $0.metricsToRetrieveByTime = ["agent_load"] },
            "metricsToRetrieveByTime[0]: \"agent_load\" is a current-value metric; list it in metricsToRetrieveCurrentValue")
    }

    @Test func unknownMetricNameIs400() {
        expectInvalid(
            validRequest { $0.metricsToRetrieveByTime = ["closed_conversations", "avg_wait_time", "foo"] },
            "metricsToRetrieveByTime[2]: unknown metric \"foo\"")
        expectInvalid(
            validRequest { $0.metricsToRetrieveCurrentValue = ["onlineAgents"] },
            "metricsToRetrieveCurrentValue[0]: unknown metric \"onlineAgents\" (request names are snake_case: online_agents)")
    }

    // MARK: the whole query

    @Test func aFullRequestBecomesTheExpectedQuery() throws {
        let q = try validQuery(validRequest {
            $0.offset = 10
            $0.limit = 5
            $0.sort = "closedConversations:desc"
            $0.filters?.skillIds = ["s1"]
            $0.metricsToRetrieveByTime = ["closed_conversations"]
            $0.metricsToRetrieveCurrentValue = ["human_online_load"]
            $0.groupBy = "skillId"
        })
        #expect(q == MetricsQuery(
            accountId: "acme", fromMs: now - hour, toMs: now, filters: .init(skillIds: ["s1"]),
            metrics: [.closedConversations, .humanOnlineLoad], includeAll: true, groupBy: .skillId,
            sort: .init(key: .metric(.closedConversations), descending: true), offset: 10, limit: 5))
    }
}
