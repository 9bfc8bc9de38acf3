import Dispatch
import Foundation
import MetricsAPI
import MetricsCore
import MetricsServer

/// Printed at once, so progress shows when the output goes to a file.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

// The restart benchmark of issue #7 (docs/benchmarks.md, "Durability"; run by scripts/bench-restart).
//
//   restartbench build DIR [tailEvents]   the production preset (24 h, ~28 M events) ingested
//                                         through the service into a real log in DIR, a snapshot
//                                         taken `tailEvents` before the end (default 1,300,000,
//                                         ≈ the --snapshot-bytes default of log), the rest logged
//                                         after it as the tail recovery must replay.
//   restartbench load DIR                 recovery as `metricsd serve` does it (newest snapshot +
//                                         tail); prints wall and CPU time, RSS and a checksum query.
//
// Without a snapshot in DIR, `load` replays the whole log: the baseline.

let start: Int64 = 1_767_225_600_000
let end = start + 86_400_000

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func status(_ key: String) -> String {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    return text.split(separator: "\n").first { $0.hasPrefix(key + ":") }.map { $0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
}

func service() -> MetricsService {
    MetricsService(authenticator: Authenticator(tokens: nil, defaultLimits: .default, noAuth: true), clock: { end })
}

var options = MetricsService.SnapshotOptions()
options.everyBytes = 0
options.intervalMs = 0
options.log = { say($0) }

func checksum(_ svc: MetricsService) -> String {
    let q = MetricsQuery(accountId: "prod", fromMs: end - 86_400_000, toMs: end,
                         metrics: [.closedConversations, .avgWaitTime, .assignedConversations, .onlineAgents],
                         groupBy: .skillId, limit: 1000)
    let r = svc.query(q)
    var fnv: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in String(describing: r).utf8 { fnv = (fnv ^ UInt64(b)) &* 0x100_0000_01b3 }
    return "\(r.all.map { "\($0)" } ?? "-") groups=\(r.groups?.count ?? 0) fnv=\(String(fnv, radix: 16))"
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    say("usage: restartbench build|load DIR [tailEvents]")
    exit(2)
}
let dir = args[2]
switch args[1] {
case "build":
    let tailEvents = args.count > 3 ? Int(args[3]) ?? 1_300_000 : 1_300_000
    let svc = service()
    _ = try svc.openLog(directory: dir, snapshots: options) { say($0) }
    var sim = Simulator(seed: 42, config: .production(startMs: start))
    var all: [Event] = []
    all.reserveCapacity(30_000_000)
    while let e = sim.next() { all.append(e) }
    say("build: \(all.count) events generated")
    let inFlight = DispatchSemaphore(value: 32)
    let t0 = wallSeconds()
    var sequence: Int64 = 0
    var snapshotted = false
    var i = 0
    while i < all.count {
        if !snapshotted && i >= all.count - tailEvents {
            for _ in 0..<32 { inFlight.wait() }
            for _ in 0..<32 { inFlight.signal() }
            let s0 = wallSeconds()
            let lsn = svc.snapshotNow()
            say("build: snapshot at record \(lsn) after \(i) events (\(String(format: "%.1f", wallSeconds() - s0)) s)")
            snapshotted = true
        }
        var r = PublishEventsRequest()
        r.accountId = "prod"
        r.producerId = "sim"
        sequence += 1
        r.sequence = sequence
        r.events = all[i..<min(i + 1000, all.count)].map(\.message)
        i += r.events.count
        inFlight.wait()
        svc.publishEvents(r, authorization: nil, peer: "bench") { result in
            if case .failure(let f) = result { say("build: batch failed: \(f.error.message)"); exit(1) }
            inFlight.signal()
        }
    }
    for _ in 0..<32 { inFlight.wait() }
    for _ in 0..<32 { inFlight.signal() }  // (libdispatch traps on freeing a semaphore below its start value)
    say("build: \(all.count) events in \(sequence) batches logged and applied in \(String(format: "%.1f", wallSeconds() - t0)) s; \(checksum(svc))")
    say(svc.closeLog() ?? "")
case "load":
    let w0 = wallSeconds(), c0 = cpuSeconds()
    let svc = service()
    let report = try svc.openLog(directory: dir, snapshots: options) { say($0) }
    let wall = wallSeconds() - w0, cpu = cpuSeconds() - c0
    say(String(format: "load: ready in %.2f s wall, %.2f s CPU (process); replayed %d records; RSS %@, peak %@",
                 wall, cpu, report.records, status("VmRSS"), status("VmHWM")))
    say("load: \(checksum(svc))")
    svc.closeLog()
default:
    say("usage: restartbench build|load DIR [tailEvents]")
    exit(2)
}
