@testable import MetricsAPI
import MetricsCore
import Testing

let base = LinkBase(scheme: "http", authority: "h:8080", accountId: "A")

func response(
    count: Int, offset: Int, limit: Int, sort: String = "", groupBy: MetricsQuery.GroupByField? = .skillId,
    metrics: [Metric] = [], groups: [MetricsResult.Group]? = [], all: MetricValues? = nil
) -> GetMetricsResponse {
    let query = MetricsQuery(
        accountId: "A", fromMs: 1, toMs: 2, metrics: metrics, includeAll: true, groupBy: groupBy, offset: offset,
        limit: limit)
    return GetMetricsResponse(
        result: MetricsResult(count: count, groups: groups, all: all), query: query, sortAsSent: sort, base: base)
}

/// The link offsets as rel → offset, read back from the hrefs.
func linkOffsets(_ r: GetMetricsResponse) -> [String: String] {
    var out: [String: String] = [:]
    guard let m = r.metadata else { return out }
    for link in [m.first, m.prev, m.`self`, m.next, m.last] {
        guard let link else { continue }
        let q = link.href.split(separator: "?")[1]
        out[link.rel] = String(q.split(separator: "&")[0].dropFirst("offset=".count))
    }
    return out
}

@Suite struct ResponseLinkTests {
    @Test func countZeroHasFirstSelfAndLastAtOffsetZero() {
        let r = response(count: 0, offset: 0, limit: 50)
        #expect(r.metadata?.count == 0)
        #expect(linkOffsets(r) == ["first": "0", "self": "0", "last": "0"])
    }

    @Test func middlePageHasAllFiveLinks() {
        #expect(linkOffsets(response(count: 120, offset: 50, limit: 50))
            == ["first": "0", "prev": "0", "self": "50", "next": "100", "last": "100"])
    }

    @Test func lastPageHasNoNext() {
        #expect(linkOffsets(response(count: 120, offset: 100, limit: 50))
            == ["first": "0", "prev": "50", "self": "100", "last": "100"])
    }

    @Test func exactMultipleOfLimitEndsOnAFullPage() {
        #expect(linkOffsets(response(count: 100, offset: 0, limit: 50))
            == ["first": "0", "self": "0", "next": "50", "last": "50"])
    }

    @Test func offsetBeyondCountKeepsPrevAndLastButNoNext() {
        #expect(linkOffsets(response(count: 3, offset: 10, limit: 5))
            == ["first": "0", "prev": "5", "self": "10", "last": "0"])
    }

    @Test func prevNeverGoesBelowZero() {
        #expect(linkOffsets(response(count: 10, offset: 3, limit: 5))
            == ["first": "0", "prev": "0", "self": "3", "next": "8", "last": "5"])
    }

    @Test func hugeOffsetDoesNotOverflow() {
        let r = response(count: 10, offset: Int.max, limit: 50)
        #expect(linkOffsets(r)["next"] == nil)
        #expect(linkOffsets(r)["self"] == "\(Int.max)")
    }

    @Test func hrefsCarryOffsetLimitAndSortAsSentInThatOrder() {
        let r = response(count: 3, offset: 1, limit: 1, sort: "closedConversations:desc")
        #expect(r.metadata?.next == Link(
            rel: "next", href: "http://h:8080/manager_workspace/api/account/A/metrics?offset=2&limit=1&sort=closedConversations:desc"))
        #expect(r.metadata?.prev?.href == "http://h:8080/manager_workspace/api/account/A/metrics?offset=0&limit=1&sort=closedConversations:desc")
    }

    @Test func everyHrefIsBasePlusTheRESTQueryStringForItsOffset() {
        for (sort, limit) in [("", 7), ("x y&z=é", 3), ("key:asc", 50)] {
            let r = response(count: 40, offset: 9, limit: limit, sort: sort)
            for link in [r.metadata?.first, r.metadata?.prev, r.metadata?.`self`, r.metadata?.next, r.metadata?.last] {
                guard let link else { continue }
                let offset = Int64(linkOffsets(r)[link.rel]!)!
                #expect(link.href == "http://h:8080/manager_workspace/api/account/A/metrics?"
                    + RESTQuery.queryString(offset: offset, limit: Int64(limit), sort: sort))
            }
        }
        #expect(response(count: 1, offset: 0, limit: 5, sort: "x y&z").metadata?.first?.href
            == "http://h:8080/manager_workspace/api/account/A/metrics?offset=0&limit=5&sort=x%20y%26z")
    }

    @Test func hrefsOmitSortWhenTheRequestHadNone() {
        let r = response(count: 3, offset: 0, limit: 50)
        #expect(r.metadata?.`self` == Link(rel: "self", href: "http://h:8080/manager_workspace/api/account/A/metrics?offset=0&limit=50"))
    }

    @Test func countIsZeroWhenTheGroupBySectionIsNotReturned() {
        let r = response(count: 7, offset: 0, limit: 5, groupBy: nil)
        #expect(r.metadata?.count == 0)
        #expect(r.groupBy == nil)
        #expect(linkOffsets(r) == ["first": "0", "self": "0", "last": "0"])
    }

    @Test func metricsPathOfAnAccount() {
        #expect(LinkBase(scheme: "http", authority: "h", accountId: "demo").href(offset: 0, rest: "")
            == "http://h/manager_workspace/api/account/demo/metrics?offset=0")
    }

    /// Each href is written byte by byte into an exactly-sized string: every offset width,
    /// negative offsets (never produced, but the writer must not misplace the sign), long
    /// authorities and non-ASCII sorts give the same text as plain concatenation.
    @Test(arguments: [0, 7, 9, 10, 99, 100, 12345, Int(Int32.max), Int.max, -1, -50, Int.min])
    func hrefIsTheConcatenationOfItsParts(offset: Int) {
        for (authority, rest) in [("h:8080", "&limit=50"), ("a-much-longer-host-name.example.com:65535", "&limit=1&sort=n%C3%A9e:desc"), ("", "")] {
            let b = LinkBase(scheme: "https", authority: authority, accountId: "acc_1.x-Y")
            let expected = "https://" + authority + "/manager_workspace/api/account/acc_1.x-Y/metrics?offset=" + String(offset) + rest
            #expect(b.href(offset: offset, rest: rest) == expected)
        }
    }
}

@Suite struct ResponseValueTests {
    @Test(arguments: [
        (0.0625, 0.063), (-0.0625, -0.063), (12.3456, 12.346), (33.333333, 33.333), (2.0004, 2.0),
        (1500.5, 1500.5), (0.0005, 0.001), (-0.0005, -0.001), (0.00049, 0.0), (100.0, 100.0),
        (2.675, 2.675), (1e300, 1e300),
    ])
    func doublesRoundToThreeDecimalsHalfAwayFromZero(_ value: Double, _ expected: Double) {
        #expect(Rounding.thousandths(value) == expected)
    }

    @Test(arguments: [
        (0.5, 1.0), (-0.5, -1.0), (1.5, 2.0), (2.5, 3.0), (0.49999999999999994, 0.0), (-2.4, -2.0),
        (4_503_599_627_370_497.0, 4_503_599_627_370_497.0), (1e300, 1e300), (-7.0, -7.0),
    ])
    func integersRoundHalfAwayFromZeroWithoutLibm(_ value: Double, _ expected: Double) {
        #expect(Rounding.halfAwayFromZero(value) == expected)
        #expect(Rounding.isIntegral(expected))
    }

    @Test func nonIntegralAndNonFiniteValuesAreNotIntegral() {
        #expect(!Rounding.isIntegral(0.5))
        #expect(!Rounding.isIntegral(-1e-300))
        #expect(!Rounding.isIntegral(.nan))
        #expect(!Rounding.isIntegral(.infinity))
    }

    @Test func groupsKeepTheEngineOrderAndCarryRoundedValues() {
        var g1 = MetricValues()
        g1[.avgWaitTime] = .double(1234.56789)
        g1[.closedConversations] = .count(4)
        var g2 = MetricValues()
        g2[.closedConversations] = .count(9)
        let r = response(
            count: 2, offset: 0, limit: 50, metrics: [.closedConversations, .avgWaitTime],
            groups: [.init(key: "20", keyDescription: "B", metrics: g1), .init(key: "3", keyDescription: "NA", metrics: g2)])
        var m1 = Metrics()
        m1.closedConversations = 4
        m1.avgWaitTime = 1234.568
        var m2 = Metrics()
        m2.closedConversations = 9
        #expect(r.groupBy?.groupByField == "skillId")
        #expect(r.groupBy?.groups == [Group(key: "20", keyDescription: "B", metrics: m1), Group(key: "3", keyDescription: "NA", metrics: m2)])
        #expect(r.jsonBytes().text.contains("{\"key\":\"20\",\"keyDescription\":\"B\",\"metrics\":{\"closedConversations\":4,\"avgWaitTime\":1234.568}}"))
    }

    @Test func onlyRequestedMetricsAreReturnedAndCountsAreNeverAbsent() {
        var all = MetricValues()
        all[.agentLoad] = .double(55.5)  // computed for sorting, not requested
        all[.avgWaitTime] = nil  // no samples
        let r = response(count: 0, offset: 0, limit: 50, metrics: [.onlineAgents, .avgWaitTime], all: all)
        var expected = Metrics()
        expected.onlineAgents = 0
        #expect(r.all?.metrics == expected)
    }

    @Test func nonFiniteDoublesAreAbsent() {
        var all = MetricValues()
        all[.agentLoad] = .double(.nan)
        all[.humanAgentLoad] = .double(.infinity)
        let r = response(count: 0, offset: 0, limit: 50, metrics: [.agentLoad, .humanAgentLoad], all: all)
        #expect(r.all?.metrics == Metrics())
        #expect(r.jsonBytes().text.hasSuffix("\"all\":{\"metrics\":{}}}"))
    }

    @Test func activeConversationsHasTheValueOfAssignedConversations() {
        var all = MetricValues()
        all[.assignedConversations] = .count(6)
        let r = response(count: 0, offset: 0, limit: 50, metrics: [.activeConversations], all: all)
        #expect(r.all?.metrics?.activeConversations == 6)
        #expect(r.all?.metrics?.assignedConversations == nil)
    }

    @Test func missingGroupsBecomeAnEmptyList() {
        let r = response(count: 0, offset: 0, limit: 50, groups: nil)
        #expect(r.groupBy?.groups == [])
        #expect(r.all?.metrics == Metrics())
    }

    @Test func sectionsFollowTheQuery() {
        let q = MetricsQuery(accountId: "A", fromMs: 1, toMs: 2, metrics: [], includeAll: false, groupBy: .agentGroupId)
        let r = GetMetricsResponse(
            result: MetricsResult(count: 1, groups: [], all: nil), query: q, sortAsSent: "", base: base)
        #expect(r.all == nil)
        #expect(r.groupBy?.groupByField == "agentGroupId")
        #expect(r.metadata?.count == 1)
    }
}

/// `afterOffset` writes the limit's digits itself; it must read as the interpolation did.
@Suite struct AfterOffsetTests {
    @Test func limitDigitsAndSortAreWrittenAsBefore() {
        for limit: Int64 in [0, 1, 9, 10, 50, 999, 1000, 12_345_678, -1, -50, Int64.max, Int64.min] {
            #expect(RESTQuery.afterOffset(limit: limit, sort: "") == "&limit=\(limit)")
            #expect(RESTQuery.afterOffset(limit: limit, sort: "agentLoad:desc") == "&limit=\(limit)&sort=agentLoad:desc")
        }
        #expect(RESTQuery.afterOffset(limit: 5, sort: "a b&c") == "&limit=5&sort=a%20b%26c")
    }
}

