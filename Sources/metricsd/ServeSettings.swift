import Foundation

/// The settings of `metricsd serve`, each settable (strongest first) by a flag, an environment
/// variable `METRICSD_<NAME>` or a key of the JSON config file (`--config`), else a default.
/// Invalid values fail at start with the flag, variable or key named.
struct ServeSettings: Equatable {
    var host = "127.0.0.1"
    var port = 8080
    var dataDir = "./data"
    var tokens: String?
    var demo = false
    var noAuth = false
    var maxConcurrent = 4
    var maxPerMinute = 300
    var threads: Int?
    var logLevel = "info"
    var logFormat = "text"
    var logRequests = false
    var shutdownGraceMs = 10_000
    var drainDelayMs = 0
    var snapshotBytes = 32 << 20
    var snapshotIntervalMs = 600_000
    var walSegmentBytes = 64 << 20

    /// One setting: its config key (= flag name without dashes) and what it takes.
    enum Key: String, CaseIterable {
        case host, port, dataDir = "data-dir", tokens, demo, noAuth = "no-auth"
        case maxConcurrent = "max-concurrent", maxPerMinute = "max-per-minute", threads
        case logLevel = "log-level", logFormat = "log-format", logRequests = "log-requests"
        case shutdownGrace = "shutdown-grace", drainDelay = "drain-delay"
        case snapshotBytes = "snapshot-bytes", snapshotInterval = "snapshot-interval", walSegmentBytes = "wal-segment-bytes"

        var environmentName: String { "METRICSD_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_") }
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Sets one setting from text; `origin` names where it came from for the error.
    mutating func set(_ key: Key, _ text: String, origin: String) throws(Invalid) {
        func int(_ range: ClosedRange<Int>) throws(Invalid) -> Int {
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
                throw Invalid(description: "\(origin): expected an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
            }
            return v
        }
        func bool() throws(Invalid) -> Bool {
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw Invalid(description: "\(origin): expected true or false, got \"\(text)\"")
            }
        }
        func milliseconds() throws(Invalid) -> Int {
            guard let ms = Self.parseDuration(text) else {
                throw Invalid(description: "\(origin): expected a duration such as 500ms, 10s or 1m, got \"\(text)\"")
            }
            return ms
        }
        switch key {
        case .host:
            guard !text.isEmpty else { throw Invalid(description: "\(origin): must not be empty") }
            host = text
        case .port: port = try int(0...65535)
        case .dataDir: dataDir = text
        case .tokens: tokens = text.isEmpty ? nil : text
        case .demo: demo = try bool()
        case .noAuth: noAuth = try bool()
        case .maxConcurrent: maxConcurrent = try int(1...1_000_000)
        case .maxPerMinute: maxPerMinute = try int(1...1_000_000_000)
        case .threads: threads = try int(1...1024)
        case .logLevel:
            guard Self.logLevels.contains(text.lowercased()) else {
                throw Invalid(description: "\(origin): expected one of \(Self.logLevels.joined(separator: ", ")), got \"\(text)\"")
            }
            logLevel = text.lowercased()
        case .logFormat:
            guard ["text", "json"].contains(text.lowercased()) else {
                throw Invalid(description: "\(origin): expected text or json, got \"\(text)\"")
            }
            logFormat = text.lowercased()
        case .logRequests: logRequests = try bool()
        case .shutdownGrace: shutdownGraceMs = try milliseconds()
        case .drainDelay: drainDelayMs = try milliseconds()
        case .snapshotBytes: snapshotBytes = try int(0...(1 << 40))
        case .snapshotInterval: snapshotIntervalMs = try milliseconds()
        case .walSegmentBytes: walSegmentBytes = try int(4096...(1 << 32))
        }
    }

    /// "250ms", "10s", "1m", or a bare number of seconds.
    static func parseDuration(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let (digits, scale): (Substring, Int) =
            t.hasSuffix("ms") ? (t.dropLast(2), 1) : t.hasSuffix("s") ? (t.dropLast(), 1000)
            : t.hasSuffix("m") ? (t.dropLast(), 60_000) : (Substring(t), 1000)
        guard let n = Int(digits), n >= 0, n <= 86_400_000 / scale else { return nil }
        return n * scale
    }

    /// Applies a JSON config file: an object whose keys are the setting names above.
    mutating func apply(configFile path: String) throws(Invalid) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(description: "config file \(path): cannot read it")
        }
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Invalid(description: "config file \(path): expected a JSON object of settings")
            }
            object = o
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "config file \(path): not valid JSON (\(error.localizedDescription))")
        }
        for name in object.keys.sorted() {
            let origin = "config file \(path): key \"\(name)\""
            guard let key = Key(rawValue: name) else {
                let known = Key.allCases.map(\.rawValue).joined(separator: ", ")
                throw Invalid(description: "\(origin) is not a setting (known: \(known))")
            }
            let text: String
            switch object[name] {
            case let s as String: text = s
            case is NSNull: continue
            // Numbers and booleans as JSON wrote them ("8080", "true"); `set` judges them.
            case let v as NSNumber: text = "\(v)"
            default: throw Invalid(description: "\(origin): expected a string, number or boolean")
            }
            try set(key, text, origin: origin)
        }
    }

    /// `METRICSD_*` names that are not serve settings: the config file's path, the clients'
    /// server and token (`metricsd query`/`simulate`, often exported in the same shell), and
    /// the binary path the scripts and tests use.
    static let otherVariables: Set<String> = ["METRICSD_CONFIG", "METRICSD_SERVER", "METRICSD_TOKEN", "METRICSD_BIN"]

    /// Applies `METRICSD_*` variables (unknown `METRICSD_*` names are an error too: a typo
    /// should not silently fall back to a default).
    mutating func apply(environment: [String: String]) throws(Invalid) {
        let known = Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0.environmentName, $0) })
        for name in environment.keys.sorted() where name.hasPrefix("METRICSD_") {
            if Self.otherVariables.contains(name) { continue }
            guard let key = known[name] else {
                throw Invalid(description: "environment \(name) is not a setting (known: \(known.keys.sorted().joined(separator: ", ")), METRICSD_CONFIG)")
            }
            try set(key, environment[name]!, origin: "environment \(name)")
        }
    }
}
