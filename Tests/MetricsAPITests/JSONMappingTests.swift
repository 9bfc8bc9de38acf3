@testable import MetricsAPI
import MetricsCore
import Testing

/// The REST JSON names and shapes of SPEC §1 and §4, byte for byte where we write.
@Suite struct JSONMappingTests {
    static let specRequestBody = """
        {"filters":{"time":{"from":1700000000000,"to":"1700000060000"},"agentIds":["a1"],"agentGroupIds":[],\
        "skillIds":["s1","s2"],"userTypes":["HUMAN"],"includeSubGroups":null,"future":{"x":[1,2.5,null]}},\
        "metricsToRetrieveByTime":["closed_conversations","avg_wait_time"],\
        "metricsToRetrieveCurrentValue":["online_agents"],"responseSections":["all","groupBy"],\
        "groupBy":"skillId","accountId":"ignored","offset":7,"limit":0,"sort":"ignored"}
        """

    static let specResponse = """
        {"metadata":{"count":3,\
        "first":{"rel":"first","href":"http://HOST/manager_workspace/api/account/A/metrics?offset=0&limit=1&sort=closedConversations:desc"},\
        "self":{"rel":"self","href":"http://HOST/manager_workspace/api/account/A/metrics?offset=0&limit=1&sort=closedConversations:desc"},\
        "next":{"rel":"next","href":"http://HOST/manager_workspace/api/account/A/metrics?offset=1&limit=1&sort=closedConversations:desc"},\
        "last":{"rel":"last","href":"http://HOST/manager_workspace/api/account/A/metrics?offset=2&limit=1&sort=closedConversations:desc"}},\
        "groupBy":{"groupByField":"agentGroupId","groups":[{"key":"1641709730","keyDescription":"Sales","metrics":{"closedConversations":1}}]},\
        "all":{"metrics":{"closedConversations":7}}}
        """

    static let eventsBody = """
        {"producerId":"p1","sequence":42,"events":[\
        {"type":"skill_upserted","time":1700000000000,"skillId":"s1","name":"Sales"},\
        {"type":"agent_upserted","time":1700000000001,"name":"Ann","agentGroupId":"g1","agentId":"a1","userType":"HUMAN","skillIds":["s1","s2"],"maxSlots":3},\
        {"type":"conversation_assigned","time":1700000000002,"agentId":"a1","conversationId":"c1","weight":0.5}]}
        """

    @Test func decodesTheSpecRequestBodyIgnoringUnknownAndURLFields() throws {
        let req = try GetMetricsRequest(jsonBody: Self.specRequestBody.bytes)
        var expected = GetMetricsRequest()
        var f = Filters()
        f.time = TimeRange(fromMs: 1_700_000_000_000, toMs: 1_700_000_060_000)
        f.agentIds = ["a1"]
        f.skillIds = ["s1", "s2"]
        f.userTypes = ["HUMAN"]
        f.includeSubGroups = false
        expected.filters = f
        expected.metricsToRetrieveByTime = ["closed_conversations", "avg_wait_time"]
        expected.metricsToRetrieveCurrentValue = ["online_agents"]
        expected.responseSections = ["all", "groupBy"]
        expected.groupBy = "skillId"
        #expect(req == expected)
    }

    /// Metric, section and groupBy names come back as shared strings when they match a known
    /// name; near misses, escaped spellings and other strings decode as written.
    @Test func knownNamesDecodeLikeAnyOtherString() throws {
        let doc = #"{"metricsToRetrieveByTime":["closed_conversations","closed_conversationsX","avg\u005fwait_time",""],"#
            + #""metricsToRetrieveCurrentValue":["online_agents","é"],"responseSections":["all","groupBy","al"],"groupBy":"skillId"}"#
        let req = try GetMetricsRequest(jsonBody: doc.bytes)
        #expect(req.metricsToRetrieveByTime == ["closed_conversations", "closed_conversationsX", "avg_wait_time", ""])
        #expect(req.metricsToRetrieveCurrentValue == ["online_agents", "é"])
        #expect(req.responseSections == ["all", "groupBy", "al"])
        #expect(req.groupBy == "skillId")
    }

    @Test func nullMeansAbsentForEveryRequestField() throws {
        let req = try GetMetricsRequest(
            jsonBody: """
                {"filters":{"time":{"from":null,"to":null},"agentIds":null,"includeSubGroups":null},\
                "metricsToRetrieveByTime":null,"responseSections":null,"groupBy":null}
                """.bytes)
        var f = Filters()
        f.time = TimeRange()
        var expected = GetMetricsRequest()
        expected.filters = f
        #expect(req == expected)
        #expect(try GetMetricsRequest(jsonBody: "{\"filters\":null}".bytes).filters == nil)
        #expect(try GetMetricsRequest(jsonBody: "{\"filters\":{\"time\":null}}".bytes).filters?.time == nil)
    }

    @Test func writesTheRequestBodyWithRESTNames() {
        var req = GetMetricsRequest()
        req.accountId = "A"
        req.limit = 5
        var f = Filters()
        f.time = TimeRange(fromMs: 1, toMs: 2)
        f.userTypes = ["BOT"]
        f.includeSubGroups = true
        req.filters = f
        req.metricsToRetrieveCurrentValue = ["agent_load"]
        req.groupBy = "agentGroupId"
        #expect(
            req.jsonBody().text
                == "{\"filters\":{\"time\":{\"from\":1,\"to\":2},\"userTypes\":[\"BOT\"],\"includeSubGroups\":true},"
                + "\"metricsToRetrieveCurrentValue\":[\"agent_load\"],\"groupBy\":\"agentGroupId\"}")
    }

    @Test(arguments: [
        ("{\"filters\":{\"time\":{\"from\":1.5,\"to\":2}}}", "filters.time.from: expected an integer, found a fraction or exponent at byte 27"),
        ("{\"metricsToRetrieveByTime\":[\"a\",3]}", "metricsToRetrieveByTime[1]: expected a string, found number at byte 32"),
        ("{\"filters\":{\"includeSubGroups\":\"yes\"}}", "filters.includeSubGroups: expected a boolean, found string at byte 31"),
        ("{\"filters\":{\"time\":{\"from\":99999999999999999999}}}", "filters.time.from: integer out of range at byte 27"),
        ("{\"filters\":[]}", "filters: expected an object, found array at byte 11"),
        ("[]", "expected an object, found array at byte 0"),
        ("{\"groupBy\":[\"skillId\"]}", "groupBy: expected a string, found array at byte 11"),
        ("{\"responseSections\":[null]}", "responseSections[0]: expected a string, found null at byte 21"),
    ])
    func typeErrorsNameTheFieldAndByte(_ doc: String, _ message: String) {
        do {
            _ = try GetMetricsRequest(jsonBody: doc.bytes)
            Issue.record("accepted \(doc)")
        } catch {
            #expect(error == APIError.invalidArgument(message))
        }
    }

    @Test func writesTheSpecResponseShape() {
        var all = MetricValues()
        all[.closedConversations] = .count(7)
        var g = MetricValues()
        g[.closedConversations] = .count(1)
        let result = MetricsResult(
            count: 3, groups: [.init(key: "1641709730", keyDescription: "Sales", metrics: g)], all: all)
        let query = MetricsQuery(
            accountId: "A", fromMs: 1, toMs: 2, metrics: [.closedConversations], includeAll: true,
            groupBy: .agentGroupId, sort: .init(key: .metric(.closedConversations), descending: true),
            offset: 0, limit: 1)
        let resp = GetMetricsResponse(
            result: result, query: query, sortAsSent: "closedConversations:desc",
            base: LinkBase(scheme: "http", authority: "HOST", accountId: "A"))
        #expect(resp.jsonBytes().text == Self.specResponse)
    }

    @Test func absentMetricsAreOmittedAndDoublesAreNumbers() {
        var m = Metrics()
        m.closedConversations = 0
        m.avgWaitTime = 1500.5
        m.agentLoad = 33.333
        var resp = GetMetricsResponse()
        resp.all = AllSection(metrics: m)
        #expect(
            resp.jsonBytes().text
                == "{\"all\":{\"metrics\":{\"closedConversations\":0,\"avgWaitTime\":1500.5,\"agentLoad\":33.333}}}")
        var empty = GetMetricsResponse()
        empty.groupBy = GroupBySection()
        empty.groupBy?.groupByField = "skillId"
        #expect(empty.jsonBytes().text == "{\"groupBy\":{\"groupByField\":\"skillId\",\"groups\":[]}}")
    }

    @Test func decodesTheEventsBody() throws {
        let req = try PublishEventsRequest(jsonBody: Self.eventsBody.bytes)
        #expect(req.producerId == "p1")
        #expect(req.sequence == 42)
        #expect(req.events.count == 3)
        var agent = EventMessage()
        agent.type = "agent_upserted"
        agent.time = 1_700_000_000_001
        agent.agentId = "a1"
        agent.name = "Ann"
        agent.userType = "HUMAN"
        agent.agentGroupId = "g1"
        agent.skillIds = ["s1", "s2"]
        agent.maxSlots = 3
        #expect(req.events[1] == agent)
        #expect(req.events[2].weight == 0.5)
        #expect(req.events[0].weight == nil)
    }

    @Test func writesEventsOnlyWithTheFieldsOfTheirType() {
        var e = EventMessage()
        e.type = "conversation_closed"
        e.time = 5
        e.conversationId = "c\"1"
        e.closedBy = "SYSTEM"
        #expect(
            PublishEventsRequest.with([e]).jsonBody().text
                == "{\"producerId\":\"p1\",\"sequence\":1,\"events\":[{\"type\":\"conversation_closed\",\"time\":5,"
                + "\"conversationId\":\"c\\\"1\",\"closedBy\":\"SYSTEM\"}]}")
    }

    @Test func publishResponseListsRejectionsOnlyWhenThereAreAny() {
        var r = PublishEventsResponse()
        r.applied = 3
        #expect(r.jsonBytes().text == "{\"applied\":3,\"rejected\":0,\"duplicate\":false}")
        r.rejected = 1
        r.rejections = [Rejection(index: 2, reason: "conversationId is required")]
        #expect(
            r.jsonBytes().text
                == "{\"applied\":3,\"rejected\":1,\"duplicate\":false,\"rejections\":[{\"index\":2,\"reason\":\"conversationId is required\"}]}")
    }
}
