import ArgumentParser
import Foundation
import MetricsAPI
import MetricsCore

/// `metricsd simulate`: the simulator's event stream, re-timed to the wall clock at a chosen
/// rate, posted in batches to a running server's REST events endpoint (producerId/sequence, so
/// a retried batch is never applied twice).
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive a running server with the simulator's live event stream at a chosen rate.",
        discussion: """
            Posts to /manager_workspace/api/account/{account}/events. Each event gets the wall-clock \
            time it is sent at; conversation ids carry the producer id, so runs never collide with \
            each other or with --demo's own feed. Stops after --duration, --events, when the \
            simulation is over, or on Ctrl-C, and prints totals.
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "Events per second.") var rate = 200.0
    @Option(help: "Seconds to run (0 = until the simulation ends or Ctrl-C).") var duration = 0.0
    @Option(help: "Stop after this many events (0 = no limit).") var events = 0
    @Option(help: "Most events per request.") var batch = 500
    @Option(help: "Simulated account shape: demo, small or production.") var preset = "demo"
    @Option(help: "Simulator seed.") var seed: UInt64 = 7
    @Option(help: "Producer id (default: simulate-<pid>-<start time>).") var producer: String?
    @Flag(help: "Print nothing but the final totals.") var quiet = false

    func validate() throws {
        guard rate > 0 else { throw ValidationError("--rate must be above 0") }
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1...10000") }
        guard ["demo", "small", "production"].contains(preset) else {
            throw ValidationError("--preset must be demo, small or production, got \"\(preset)\"")
        }
    }

    func run() async throws {
        let start = Date()
        let startMs = Int64(start.timeIntervalSince1970 * 1000)
        let producerId = producer ?? "simulate-\(getpid())-\(startMs)"
        let config: SimulatorConfig = switch preset {
        case "small": .small(startMs: startMs, conversations: 10_000)
        case "production": .production(startMs: startMs)
        default: .demo(startMs: startMs)
        }
        var simulator = Simulator(seed: seed, config: config)
        let http = try client.client()
        let path = client.path("events")
        var sent = 0, applied: Int64 = 0, rejected: Int64 = 0, sequence: Int64 = 0, failures = 0
        var lastReport = start
        var lastPost = Date.distantPast
        var exhausted = false
        while !exhausted {
            let elapsed = Date().timeIntervalSince(start)
            if duration > 0 && elapsed >= duration { break }
            if events > 0 && sent >= events { break }
            var due = Int(rate * elapsed) - sent
            if events > 0 { due = min(due, events - sent) }
            // About ten requests a second at most, unless a full batch is already due.
            if due <= 0 || (due < batch && Date().timeIntervalSince(lastPost) < 0.1) {
                try await Task.sleep(nanoseconds: 10_000_000)
                continue
            }
            lastPost = Date()
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var request = PublishEventsRequest()
            request.producerId = producerId
            while request.events.count < min(due, batch) {
                guard var event = simulator.next() else {
                    exhausted = true
                    break
                }
                event.time = now
                request.events.append(Self.namespaced(event, producerId).message)
            }
            if request.events.isEmpty { break }
            sequence += 1
            request.sequence = sequence
            let response = try http.request("POST", path, headers: client.headers, body: request.jsonBody())
            sent += request.events.count
            if response.status == 200, let answer = try? PublishEventsResponse(jsonBytes: response.body) {
                applied += answer.applied
                rejected += answer.rejected
            } else {
                failures += 1
                if !quiet { print("batch \(sequence): server answered \(response.status): \(response.text.prefix(200))") }
                if response.status == 401 || response.status == 403 || response.status == 404 {
                    throw ValidationError("server refused the batch (\(response.status)); check --account and --token")
                }
            }
            if !quiet && Date().timeIntervalSince(lastReport) >= 1 {
                lastReport = Date()
                print("sent \(sent) events in \(sequence) batches: applied \(applied), rejected \(rejected)")
            }
        }
        let seconds = max(Date().timeIntervalSince(start), 0.001)
        print("simulate: sent \(sent) events in \(sequence) batches over \(String(format: "%.1f", seconds)) s "
              + "(\(Int(Double(sent) / seconds))/s): applied \(applied), rejected \(rejected), failed batches \(failures)")
    }

    /// Prefixes conversation ids with the producer id: several runs (and the server's own demo
    /// feed, which uses the same simulator) then never touch each other's conversations.
    static func namespaced(_ event: Event, _ prefix: String) -> Event {
        func c(_ id: String) -> String { "\(prefix)-\(id)" }
        var e = event
        switch event.kind {
        case let .conversationOpened(id, skill): e.kind = .conversationOpened(conversationId: c(id), skillId: skill)
        case let .consumerMessage(id): e.kind = .consumerMessage(conversationId: c(id))
        case let .conversationAssigned(id, agent, weight):
            e.kind = .conversationAssigned(conversationId: c(id), agentId: agent, weight: weight)
        case let .conversationUnassigned(id): e.kind = .conversationUnassigned(conversationId: c(id))
        case let .agentMessage(id, agent): e.kind = .agentMessage(conversationId: c(id), agentId: agent)
        case let .skillChanged(id, skill): e.kind = .skillChanged(conversationId: c(id), skillId: skill)
        case let .conversationClosed(id, by): e.kind = .conversationClosed(conversationId: c(id), closedBy: by)
        case .skillUpserted, .agentGroupUpserted, .agentUpserted, .agentStateChanged: break
        }
        return e
    }
}
