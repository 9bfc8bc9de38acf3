import ArgumentParser
import Foundation

/// `metricsd query`: one metrics query over REST, printed as a table of groups × metrics.
struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a metrics query against a running server and print it as a table.",
        discussion: """
            Example: metricsd query --token T --group-by agentGroupId --last 1h \
            --by-time closed_conversations,avg_wait_time --current online_agents,agent_load --watch 2
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "Window ending now: e.g. 15m, 1h, 24h (default 1h).") var last = "1h"
    @Option(help: "By-time metrics, comma-separated snake_case names.")
    var byTime = "closed_conversations,avg_wait_time"
    @Option(help: "Current-value metrics, comma-separated snake_case names.")
    var current = "online_agents,assigned_conversations,agent_load"
    @Option(help: "Group by skillId or agentGroupId (default: totals only).") var groupBy: String?
    @Option(help: "Groups per page, 1-50.") var limit = 20
    @Option(help: "Sort, e.g. closedConversations:desc or key:asc.") var sort: String?
    @Option(help: "Repeat every N seconds until interrupted.") var watch: Double?
    @Flag(help: "Print the JSON answer instead of a table.") var json = false

    func run() async throws {
        guard let windowMs = Self.parseWindow(last) else {
            throw ValidationError("--last: expected a duration such as 15m, 1h or 24h, got \"\(last)\"")
        }
        let http = try client.client()
        while true {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var request: [String: Any] = [
                "filters": ["time": ["from": now - windowMs, "to": now]],
                "metricsToRetrieveByTime": Self.list(byTime),
                "metricsToRetrieveCurrentValue": Self.list(current),
            ]
            if let groupBy { request["groupBy"] = groupBy }
            var path = client.path("metrics") + "?limit=\(limit)"
            if let sort { path += "&sort=\(sort)" }
            let body = try JSONSerialization.data(withJSONObject: request)
            let response = try http.request("POST", path, headers: client.headers, body: Array(body))
            if watch != nil { print("\u{1B}[2J\u{1B}[H", terminator: "") }  // clear the screen
            guard response.status == 200 else {
                throw ValidationError("server answered \(response.status): \(response.text)")
            }
            if json {
                print(response.text)
            } else {
                print(try Self.table(response.body, title: "account \(client.account), last \(last), at \(Self.clock(now))"))
            }
            guard let watch else { return }
            fflush(nil)  // stdout is a pipe under `watch`-like wrappers: show each table at once
            try await Task.sleep(nanoseconds: UInt64(max(watch, 0.2) * 1e9))
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func parseWindow(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let n = Int64(text.dropLast(suffix.count)), n > 0 { return n * scale }
        }
        return nil
    }

    static func clock(_ ms: Int64) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)) + " UTC"
    }

    /// Rows: each group (key and description), then the `all` totals; columns: metrics in the
    /// order first seen.
    static func table(_ json: [UInt8], title: String) throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw ValidationError("the answer is not a JSON object")
        }
        var rows: [(key: String, name: String, metrics: [String: Any])] = []
        let groupBy = object["groupBy"] as? [String: Any]
        for g in groupBy?["groups"] as? [[String: Any]] ?? [] {
            rows.append(("\(g["key"] ?? "")", "\(g["keyDescription"] ?? "")", g["metrics"] as? [String: Any] ?? [:]))
        }
        if let all = object["all"] as? [String: Any] {
            rows.append(("(all)", "", all["metrics"] as? [String: Any] ?? [:]))
        }
        var columns: [String] = []
        for r in rows { for name in r.metrics.keys.sorted() where !columns.contains(name) { columns.append(name) } }
        let header = [(groupBy?["groupByField"] as? String) ?? "key", "name"] + columns
        let cells = rows.map { r in [r.key, r.name] + columns.map { format(r.metrics[$0]) } }
        var widths = header.map(\.count)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, c in
                i < 2 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ")
        }
        var out = title + "\n" + line(header) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in cells { out += line(row) + "\n" }
        if let meta = object["metadata"] as? [String: Any], let count = meta["count"] as? Int, groupBy != nil {
            out += "\(count) group(s) in all\n"
        }
        return out
    }

    static func format(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "-"
        case let n as NSNumber:
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(format: "%.2f", d)
        default: return "\(value!)"
        }
    }
}
