// MetricsAPI's JSON mapping against Foundation on the same documents: decoding a metrics
// request body and an events batch, encoding a 50-group response. Foundation gets the fairest
// set-up we can give it (Codable mirrors of the same shapes, encoder/decoder reused).
import Foundation
import MetricsAPI
import MetricsCore

// MARK: Codable mirrors for Foundation

struct CTime: Codable { var from: Int64; var to: Int64 }
struct CFilters: Codable {
    var time: CTime?
    var agentIds: [String]?
    var agentGroupIds: [String]?
    var skillIds: [String]?
    var userTypes: [String]?
    var includeSubGroups: Bool?
}
struct CRequest: Codable {
    var filters: CFilters?
    var metricsToRetrieveByTime: [String]?
    var metricsToRetrieveCurrentValue: [String]?
    var responseSections: [String]?
    var groupBy: String?
}
struct CLink: Codable { var rel: String; var href: String }
struct CMetadata: Codable { var count: Int64; var first, prev, `self`, next, last: CLink? }
struct CMetrics: Codable {
    var closedConversations: Int64?
    var avgWaitTime: Double?
    var avgTimeToResponse: Double?
    var onlineAgents: Int64?
    var agentLoad: Double?
    var assignedConversations: Int64?
}
struct CGroup: Codable { var key: String; var keyDescription: String; var metrics: CMetrics? }
struct CGroupBy: Codable { var groupByField: String; var groups: [CGroup] }
struct CAll: Codable { var metrics: CMetrics? }
struct CResponse: Codable { var metadata: CMetadata?; var groupBy: CGroupBy?; var all: CAll? }
struct CEvent: Codable {
    var type: String
    var time: Int64
    var skillId, name, agentGroupId, parentGroupId, agentId, userType: String?
    var skillIds: [String]?
    var maxSlots: Int32?
    var state, conversationId: String?
    var weight: Double?
    var closedBy: String?
}
struct CBatch: Codable { var producerId: String; var sequence: Int64; var events: [CEvent] }

// MARK: Documents

let requestBody = Array("""
    {"filters":{"time":{"from":1700000000000,"to":1700003600000},"agentIds":["1001","1002","1003"],\
    "agentGroupIds":["17","18"],"skillIds":["501","502","503","504"],"userTypes":["HUMAN"],"includeSubGroups":true},\
    "metricsToRetrieveByTime":["closed_conversations","avg_wait_time","avg_time_to_response"],\
    "metricsToRetrieveCurrentValue":["online_agents","agent_load","assigned_conversations"],\
    "responseSections":["all","groupBy"],"groupBy":"skillId"}
    """.utf8)

func makeResponse() -> GetMetricsResponse {
    var values = MetricValues()
    values[.closedConversations] = .count(1234)
    values[.avgWaitTime] = .double(15234.456789)
    values[.avgTimeToResponse] = .double(8123.5)
    values[.onlineAgents] = .count(42)
    values[.agentLoad] = .double(66.666666)
    values[.assignedConversations] = .count(77)
    let groups = (0..<50).map { i in
        MetricsResult.Group(key: "\(1_641_709_730 + i)", keyDescription: "Skill number \(i)", metrics: values)
    }
    let query = MetricsQuery(
        accountId: "acme", fromMs: 1, toMs: 2,
        metrics: [.closedConversations, .avgWaitTime, .avgTimeToResponse, .onlineAgents, .agentLoad, .assignedConversations],
        groupBy: .skillId, sort: .init(key: .metric(.closedConversations), descending: true), offset: 50, limit: 50)
    return GetMetricsResponse(
        result: MetricsResult(count: 200, groups: groups, all: values), query: query,
        sortAsSent: "closedConversations:desc",
        base: LinkBase(scheme: "http", authority: "127.0.0.1:8080", path: LinkBase.metricsPath(accountId: "acme")))
}

func makeBatch() -> [UInt8] {
    var req = PublishEventsRequest()
    req.producerId = "producer-1"
    req.sequence = 42
    for i in 0..<200 {
        var e = EventMessage()
        e.time = 1_700_000_000_000 + Int64(i)
        e.conversationId = "conv-\(i / 4)"
        switch i % 4 {
        case 0:
            e.type = "conversation_opened"
            e.skillId = "501"
        case 1:
            e.type = "consumer_message"
        case 2:
            e.type = "conversation_assigned"
            e.agentId = "agent-\(i % 17)"
            e.weight = 0.5
        default:
            e.type = "agent_message"
            e.agentId = "agent-\(i % 17)"
        }
        req.events.append(e)
    }
    return req.jsonBody()
}

// MARK: Harness

@inline(never) func consume<T>(_ x: T) { withExtendedLifetime(x) {} }

/// Times the contenders in interleaved rounds (so a burst of load hits all of them alike) and
/// keeps each one's best round: the machine is shared, and the minimum is the least disturbed.
func compare(_ title: String, iterations: Int, _ contenders: [(String, () throws -> Void)]) throws {
    print(title)
    for (_, body) in contenders { for _ in 0..<max(1, iterations / 20) { try body() } }  // warm-up
    let clock = ContinuousClock()
    let perRound = max(1, iterations / 7)
    var best = Array(repeating: Double.infinity, count: contenders.count)
    for _ in 0..<7 {
        for (i, (_, body)) in contenders.enumerated() {
            let start = clock.now
            for _ in 0..<perRound { try body() }
            let elapsed = clock.now - start
            let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            best[i] = min(best[i], ns / Double(perRound))
        }
    }
    for (i, (name, _)) in contenders.enumerated() {
        print("  \(name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(String(format: "%10.0f", best[i])) ns/op"
            + (i == 0 ? "" : String(format: "   ours is %.1fx faster", best[i] / best[0])))
    }
}

let iterations = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 20_000

// `JSONBenchmark N profile-request` / `profile-events`: only our decoder, for perf.
if CommandLine.arguments.count > 2 {
    let doc = CommandLine.arguments[2] == "profile-events" ? makeBatch() : requestBody
    for _ in 0..<iterations {
        if doc.count > 1000 { consume(try PublishEventsRequest(jsonBody: doc)) } else { consume(try GetMetricsRequest(jsonBody: doc)) }
    }
    exit(0)
}
let decoder = JSONDecoder()
let encoder = JSONEncoder()

let requestData = Data(requestBody)
try compare("GetMetricsRequest body decode (\(requestBody.count) bytes)", iterations: iterations, [
    ("MetricsAPI", { consume(try GetMetricsRequest(jsonBody: requestBody)) }),
    ("Foundation JSONDecoder", { consume(try decoder.decode(CRequest.self, from: requestData)) }),
    ("Foundation JSONSerialization", { consume(try JSONSerialization.jsonObject(with: requestData)) }),
])

let response = makeResponse()
let responseBytes = response.jsonBytes()
let cResponse = try decoder.decode(CResponse.self, from: Data(responseBytes))
let responseObject = try JSONSerialization.jsonObject(with: Data(responseBytes))
try compare("GetMetricsResponse encode, 50 groups (\(responseBytes.count) bytes)", iterations: iterations / 4, [
    ("MetricsAPI", { consume(response.jsonBytes()) }),
    ("Foundation JSONEncoder", { consume(try encoder.encode(cResponse)) }),
    ("Foundation JSONSerialization", { consume(try JSONSerialization.data(withJSONObject: responseObject)) }),
])

let batch = makeBatch()
let batchData = Data(batch)
try compare("PublishEventsRequest decode, 200 events (\(batch.count) bytes)", iterations: iterations / 20, [
    ("MetricsAPI", { consume(try PublishEventsRequest(jsonBody: batch)) }),
    ("Foundation JSONDecoder", { consume(try decoder.decode(CBatch.self, from: batchData)) }),
    ("Foundation JSONSerialization", { consume(try JSONSerialization.jsonObject(with: batchData)) }),
])
