import MetricsAPI
import MetricsCore
import Testing

/// The REST URL half: `?offset=&limit=&sort=` parsed with REST rules, then validated.
@Suite struct RESTQueryValidationTests {
    static let body = "{\"filters\":{\"time\":{\"from\":\(now - hour),\"to\":\(now)}}}"

    func restQuery(_ query: String, accountId: String = "acme") throws(APIError) -> MetricsQuery {
        let req = try GetMetricsRequest(restAccountId: accountId, query: Substring(query), body: Self.body.bytes)
        return try req.validated(now: now, front: .rest)
    }

    func expectRESTInvalid(_ query: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let q = try restQuery(query)
            Issue.record("accepted, got \(q)", sourceLocation: sourceLocation)
        } catch {
            #expect(error == APIError.invalidArgument(message), sourceLocation: sourceLocation)
        }
    }

    @Test func absentParametersMeanOffset0Limit50SortKeyAsc() throws {
        let q = try restQuery("")
        #expect(q.offset == 0 && q.limit == 50 && q.sort == .init(key: .key, descending: false))
    }

    @Test func parametersAreApplied() throws {
        let q = try restQuery("offset=20&limit=10&sort=closedConversations:desc")
        #expect(q.offset == 20 && q.limit == 10)
        #expect(q.sort == .init(key: .metric(.closedConversations), descending: true))
        #expect(q.accountId == "acme")
    }

    @Test func restLimitZeroIs400() {
        expectRESTInvalid("limit=0", "limit must be between 1 and 50")
    }

    @Test(arguments: ["limit=51", "limit=-3", "limit=99999999999", "limit=-99999999999"])
    func restLimitOutOfRangeIs400(_ query: String) {
        expectRESTInvalid(query, "limit must be between 1 and 50")
    }

    @Test(arguments: [
        ("limit=abc", "limit must be an integer, got \"abc\""),
        ("limit=1.5", "limit must be an integer, got \"1.5\""),
        ("limit=", "limit must be an integer, got \"\""),
        ("limit=+5", "limit must be an integer, got \" 5\""),  // '+' is a space in a query string
        ("limit=05", "limit must be an integer, got \"05\""),
        ("offset=x", "offset must be an integer, got \"x\""),
        ("offset=1e3", "offset must be an integer, got \"1e3\""),
        ("offset=99999999999999999999", "offset must be an integer, got \"99999999999999999999\""),
        ("offset", "offset must be an integer, got \"\""),
    ])
    func nonIntegerOffsetOrLimitIs400(_ query: String, _ message: String) {
        expectRESTInvalid(query, message)
    }

    @Test func negativeRestOffsetIs400() {
        expectRESTInvalid("offset=-1", "offset must not be negative")
    }

    @Test func aParameterGivenTwiceIs400() {
        expectRESTInvalid("limit=5&limit=6", "limit is given more than once")
        expectRESTInvalid("sort=key:asc&offset=1&sort=key:desc", "sort is given more than once")
    }

    @Test func percentEncodedSortIsDecoded() throws {
        let q = try restQuery("sort=closedConversations%3Adesc")
        #expect(q.sort == .init(key: .metric(.closedConversations), descending: true))
        var req = GetMetricsRequest()
        try req.applyRESTQuery("sort=closedConversations%3Adesc")
        #expect(req.sort == "closedConversations:desc")
        // '+' is a space; a name needs decoding as much as a value; plain text stays as is.
        try req.applyRESTQuery("so%72t=a+b%2B")
        #expect(req.sort == "a b+")
        try req.applyRESTQuery("sort=key:asc")
        #expect(req.sort == "key:asc")
    }

    @Test func badPercentEncodingIs400() {
        expectRESTInvalid("sort=%zz", "sort: invalid percent-encoding")
        expectRESTInvalid("sort=%C3", "sort: invalid UTF-8 after percent-decoding")
        expectRESTInvalid("sort=abc%", "sort: invalid percent-encoding")
    }

    @Test func emptySortMeansAbsent() throws {
        #expect(try restQuery("sort=").sort == .init(key: .key, descending: false))
    }

    @Test func unknownParametersAreIgnored() throws {
        let q = try restQuery("foo=bar&&limit=3&x")
        #expect(q.limit == 3)
    }

    @Test func theQueryStringSplitsOnAmpersandsThenTheFirstEquals() throws {
        var req = GetMetricsRequest()
        try req.applyRESTQuery("é=1&li%6Dit=4&&sort=a=b&")
        #expect(req.limit == 4 && req.sort == "a=b" && req.offset == 0)
        try req.applyRESTQuery("&")
        #expect(req.limit == 50 && req.sort == "")
        expectRESTInvalid("offset", "offset must be an integer, got \"\"")  // no "=": the empty value
        expectRESTInvalid("offset&offset=2", "offset is given more than once")
    }

    @Test func invalidPathAccountIdIs400() {
        do {
            _ = try restQuery("", accountId: "bad id")
            Issue.record("accepted")
        } catch {
            #expect(error == APIError.invalidArgument("accountId must match [A-Za-z0-9_.-]{1,64}"))
        }
    }

    @Test func queryStringIsWrittenInTheOrderOffsetLimitSort() {
        var req = GetMetricsRequest()
        req.offset = 3
        req.limit = 7
        #expect(req.restQueryString() == "offset=3&limit=7")
        req.sort = "closedConversations:desc"
        #expect(req.restQueryString() == "offset=3&limit=7&sort=closedConversations:desc")
        req.sort = "a b&c=d+e%"
        #expect(req.restQueryString() == "offset=3&limit=7&sort=a%20b%26c%3Dd%2Be%25")
    }
}
