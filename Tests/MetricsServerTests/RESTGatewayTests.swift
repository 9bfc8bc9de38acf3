import HTTP2Server
import MetricsCore
import Testing

@testable import MetricsAPI
@testable import MetricsServer

/// The gateway's own rules: routing, Retry-After rounding, and that the served OpenAPI document
/// names what the code accepts and returns (SPEC §1, §5).
@Suite struct RESTGatewayTests {
    @Test(arguments: [
        ("/manager_workspace/api/account/demo/metrics", "metrics demo"),
        ("/manager_workspace/api/account/a.b-c_1/events", "events a.b-c_1"),
        ("/manager_workspace/api/account//metrics", "metrics "),
        ("/healthz", "healthz"),
        ("/metrics", "prometheus"),
        ("/openapi.yaml", "openAPI"),
    ])
    func knownPathsRoute(path: String, expected: String) {
        let described: String? = switch RESTGateway.route(Substring(path)) {
        case .metrics(let a): "metrics \(a)"
        case .events(let a): "events \(a)"
        case .healthz: "healthz"
        case .prometheus: "prometheus"
        case .openAPI: "openAPI"
        case nil: nil
        }
        #expect(described == expected)
    }

    /// The target splits at its first `?` into path and query (the query may hold more `?`).
    @Test(arguments: [
        ("/a?b=c", "/a", "b=c"), ("/a", "/a", ""), ("/é/x?q=é", "/é/x", "q=é"), ("/a?", "/a", ""),
        ("?x", "", "x"), ("/a?b?c", "/a", "b?c"), ("", "", ""),
    ])
    func targetSplitsAtTheFirstQuestionMark(target: String, path: String, query: String) {
        let head = HTTPRequestHead(
            method: "POST", path: target, authority: nil, scheme: "http", headers: HTTPFields(), remoteAddress: nil,
            wireProtocol: .http2)
        let split = head.pathAndQuery
        #expect(split.path == path[...] && split.query == query[...])
    }

    /// Routing works on the path's bytes, also when it is a slice of a longer target.
    @Test func routeReadsASliceOfTheTarget() {
        let target = "/manager_workspace/api/account/é1/metrics?limit=5"
        let path = target[..<target.firstIndex(of: "?")!]
        guard case .metrics(let account)? = RESTGateway.route(path) else {
            Issue.record("not routed")
            return
        }
        #expect(account == "é1")  // routed; the account id rule (ASCII) is validation's to refuse
        let tail = "xx/healthz".dropFirst(2)
        guard case .healthz? = RESTGateway.route(tail) else {
            Issue.record("healthz not routed")
            return
        }
    }

    /// Content types that are JSON: `application/json` in any letter case, parameters allowed.
    @Test(arguments: [
        ("application/json", true), ("Application/JSON; charset=utf-8", true), ("APPLICATION/JSON", true),
        ("application/json-seq", true),  // a prefix match, as before: the body must still parse as JSON
        ("application/jso", false), ("text/json", false), ("", false), ("application/xml", false),
        (" application/json", false),
    ])
    func jsonContentTypes(contentType: String, isJSON: Bool) {
        #expect(RESTGateway.isJSON(contentType) == isJSON)
    }

    /// SPEC §1: anything else is a 404 (an account id cannot contain `/`).
    @Test(arguments: [
        "/", "", "/healthz/", "/openapi.json", "/manager_workspace/api/account/demo", "/manager_workspace/api/account/demo/",
        "/manager_workspace/api/account/demo/metrics/", "/manager_workspace/api/account/a/b/metrics",
        "/manager_workspace/api/account/demo/Metrics", "/MANAGER_WORKSPACE/api/account/demo/metrics",
    ])
    func otherPathsAreNotFound(path: String) {
        #expect(RESTGateway.route(Substring(path)) == nil)
    }

    /// SPEC §5 `Retry-After` (seconds): rounded up so waiting that long is enough, never 0.
    @Test(arguments: [(0, 1), (1, 1), (999, 1), (1000, 1), (1001, 2), (59_999, 60), (60_000, 60), (100, 1)] as [(Int64, Int64)])
    func retryAfterRoundsUpToWholeSeconds(ms: Int64, seconds: Int64) {
        #expect(RESTGateway.retryAfterSeconds(ms: ms) == seconds)
    }

    /// The document lists every metric under its request name (snake_case, in the right list)
    /// and its response name, so a metric added to the core cannot be missing from the doc.
    @Test func openAPINamesEveryMetric() {
        let doc = OpenAPIDocument.yaml
        for m in Metric.allCases {
            #expect(doc.contains(m.requestName), "request name \(m.requestName) missing")
            #expect(doc.contains("\(m.responseName): {$ref:"), "response property \(m.responseName) missing")
            #expect(doc.contains("|\(m.responseName)|") || doc.contains("|\(m.responseName))"),
                    "sort pattern lacks \(m.responseName)")
        }
    }

    /// Every REST error status the gateway can produce is in the document's ErrorBody, and every
    /// status name it can carry.
    @Test func openAPIListsEveryErrorStatus() {
        let errors: [APIError] = [
            .invalidArgument("x"), .unauthenticated(), .permissionDenied(accountId: "a"), .notFound(path: "/"),
            .methodNotAllowed("GET", allowed: "POST"), .bodyTooLarge(limit: 1), .unsupportedMediaType("text/plain"),
            .rateLimited(retryAfterMs: 1), .internalError("x"), .unavailable("x"),
        ]
        let doc = OpenAPIDocument.yaml
        for e in errors {
            #expect(doc.contains("\"\(e.httpStatus)\":") || doc.contains(" \(e.httpStatus),") || doc.contains(" \(e.httpStatus)]"),
                    "status \(e.httpStatus) missing")
            #expect(doc.contains(e.code.name), "status name \(e.code.name) missing")
        }
    }

    @Test func servedBodyIsTheEmbeddedDocument() {
        #expect(OpenAPIDocument.body.readableBytes == OpenAPIDocument.yaml.utf8.count)
        #expect(OpenAPIDocument.yaml.hasPrefix("openapi: 3."))
        #expect(OpenAPIDocument.yaml.hasSuffix("\n"))
    }
}
