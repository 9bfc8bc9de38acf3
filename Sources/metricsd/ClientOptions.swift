import ArgumentParser
import Foundation

/// Where `metricsd query` and `metricsd simulate` find the server, and who they are.
struct ClientOptions: ParsableArguments {
    @Option(help: "Server as host:port (env METRICSD_SERVER; default 127.0.0.1:8080).")
    var server: String?
    @Option(help: "Account id (default demo).") var account = "demo"
    @Option(help: "Bearer token; not needed against --no-auth (env METRICSD_TOKEN). Never printed.")
    var token: String?

    var hostAndPort: (host: String, port: Int) {
        get throws {
            let text = server ?? ProcessInfo.processInfo.environment["METRICSD_SERVER"] ?? "127.0.0.1:8080"
            let trimmed = text.replacingOccurrences(of: "http://", with: "")
            guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]),
                  (1...65535).contains(port) else {
                throw ValidationError("--server: expected host:port, got \"\(text)\"")
            }
            return (String(trimmed[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
        }
    }

    var headers: [String: String] {
        var h = ["content-type": "application/json"]
        if let t = token ?? ProcessInfo.processInfo.environment["METRICSD_TOKEN"], !t.isEmpty {
            h["authorization"] = "Bearer \(t)"
        }
        return h
    }

    func client() throws -> HTTPClient {
        let (host, port) = try hostAndPort
        return HTTPClient(host: host, port: port)
    }

    func path(_ tail: String) -> String { "/manager_workspace/api/account/\(account)/\(tail)" }
}
