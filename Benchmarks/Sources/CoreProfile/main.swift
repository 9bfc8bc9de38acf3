import MetricsCore
#if canImport(Glibc)
import Glibc
#endif

// Builds the production-size account once and prints apply throughput, resident memory and
// simple query latencies. For profiling (`perf record .build/release/CoreProfile`) and for the
// numbers in docs/benchmarks.md that the benchmark harness does not print (build rate, RSS).

func residentMB() -> Double {
    #if canImport(Glibc)
    guard let f = fopen("/proc/self/statm", "r") else { return -1 }
    defer { fclose(f) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { s in withUnsafeMutablePointer(to: &resident) { r in
        vfscanf_helper(f, s, r) } }) else { return -1 }
    return Double(resident) * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    #else
    return -1
    #endif
}

func vfscanf_helper(_ f: UnsafeMutablePointer<FILE>, _ s: UnsafeMutablePointer<Int>, _ r: UnsafeMutablePointer<Int>) -> Bool {
    var buf = [CChar](repeating: 0, count: 256)
    guard fgets(&buf, 256, f) != nil else { return false }
    let parts = String(cString: buf).split(separator: " ")
    guard parts.count >= 2, let a = Int(parts[0]), let b = Int(parts[1]) else { return false }
    s.pointee = a
    r.pointee = b
    return true
}

let clock = ContinuousClock()
/// CPU time of this thread: the machine is shared, so wall time overstates the cost.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
var applyCPU = 0.0
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

let start: Int64 = 1_767_225_600_000
let limit = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? Int.max : Int.max
/// `CoreProfile N single` applies one event at a time; by default batches use the batch API.
let batched = !CommandLine.arguments.dropFirst(2).contains("single")

/// `CoreProfile N … uuid`: conversation ids as 36-character UUIDs (production's shape).
let uuidIds = CommandLine.arguments.dropFirst(2).contains("uuid")

/// Applies `chunk` as the ingest path would, counting outcomes in locals: counting into this
/// file's globals from the per-event closure cost a dynamic exclusivity check per event
/// (`swift_beginAccess`, ~5 % of the whole profile), which was timed as apply.
func applyChunk(_ chunk: [Event], to account: inout AccountMetrics) -> (applied: Int, rejected: Int) {
    var applied = 0, rejected = 0
    if batched {
        // Batches of 1,024 as the ingest path would see them, `now` = the batch's last event.
        var i = 0
        while i < chunk.count {
            let j = min(i + 1024, chunk.count)
            account.apply(chunk[i..<j], now: chunk[j - 1].time) { _, o in
                if o.isApplied { applied += 1 } else { rejected += 1 }
            }
            i = j
        }
    } else {
        for e in chunk {
            if account.apply(e, now: e.time).isApplied { applied += 1 } else { rejected += 1 }
        }
    }
    return (applied, rejected)
}

// Generate in chunks so that only apply is timed.
var productionConfig = SimulatorConfig.production(startMs: start)
productionConfig.uuidConversationIds = uuidIds
var sim = Simulator(seed: 42, config: productionConfig)
var account = AccountMetrics()
var applied = 0, rejected = 0, total = 0
var applyTime = Duration.zero
var genTime = Duration.zero
var last = start
var chunk: [Event] = []
chunk.reserveCapacity(1 << 20)
while total < limit {
    chunk.removeAll(keepingCapacity: true)
    let g0 = clock.now
    while chunk.count < (1 << 20), total + chunk.count < limit, let e = sim.next() { chunk.append(e) }
    genTime += clock.now - g0
    if chunk.isEmpty { break }
    let a0 = clock.now
    let c0 = cpuSeconds()
    let (a, r) = applyChunk(chunk, to: &account)
    applied += a
    rejected += r
    applyTime += clock.now - a0
    applyCPU += cpuSeconds() - c0
    total += chunk.count
    last = chunk[chunk.count - 1].time
}
chunk = []
account.prune(now: last)
print("events \(total) applied \(applied) rejected \(rejected)")
print("simulate \(seconds(genTime)) s; apply wall \(seconds(applyTime)) s = \(Int(Double(total) / seconds(applyTime))) events/s; apply CPU \(applyCPU) s = \(Int(Double(total) / applyCPU)) events/s")
print("resident after build: \(residentMB()) MB; agents \(account.agentCount)")
/// `CoreProfile N … noquery`: stop after the build (for comparing apply alone, round by round).
if CommandLine.arguments.dropFirst(2).contains("noquery") { exit(0) }

let heavy = MetricsQuery(
    accountId: "p", fromMs: last - 86_400_000, toMs: last, filters: .init(includeSubGroups: true),
    metrics: Metric.allCases, groupBy: .agentGroupId, sort: .init(key: .metric(.avgWaitTime), descending: true))
@MainActor func measure(_ name: String, _ q: MetricsQuery, now: Int64 = last) {
    var wall: [Double] = []
    var cpu: [Double] = []
    for i in 0..<300 {
        let t0 = clock.now
        let c0 = cpuSeconds()
        let r = account.query(q, now: now)
        cpu.append((cpuSeconds() - c0) * 1e6)
        wall.append(seconds(clock.now - t0) * 1e6)
        if i == 0 { print("\(name): count \(r.count), groups \(r.groups?.count ?? 0)") }
    }
    wall.sort()
    cpu.sort()
    print("\(name) µs: wall p50 \(Int(wall[150])) p99 \(Int(wall[296])); CPU p50 \(Int(cpu[150])) p99 \(Int(cpu[296]))")
}
measure("heaviest", heavy)
// The same a minute later, before the next prune (the server prunes once a minute): the
// window starts a minute after the oldest retained minute.
var heavyLater = heavy
heavyLater.fromMs += 60_000
heavyLater.toMs += 60_000
measure("heaviest +1 min", heavyLater, now: last + 60_000)
// A root group of depth-6 forest with ~200 agents below it: found through the query API.
let perRoot = account.query(MetricsQuery(
    accountId: "p", fromMs: last - 60_000, toMs: last, filters: .init(includeSubGroups: true),
    metrics: [.onlineAgents, .awayAgents, .backSoonAgents], groupBy: .agentGroupId, limit: 5000), now: last)
var best: (String, Int64)? = nil
for g in perRoot.groups ?? [] {
    // total agents in the subtree = online + away + backSoon + offline; approximate with the first three
    var n: Int64 = 0
    for m in [Metric.onlineAgents, .awayAgents, .backSoonAgents] { if case let .count(c)? = g.metrics[m] { n += c } }
    if best == nil || abs(n - 180) < abs(best!.1 - 180) { best = (g.key, n) }
}
if let best {
    print("dashboard subtree root \(best.0): ~\(best.1) non-offline agents")
    measure("dashboard", MetricsQuery(
        accountId: "p", fromMs: last - 86_400_000, toMs: last,
        filters: .init(agentGroupIds: [best.0], includeSubGroups: true), metrics: Metric.allCases,
        groupBy: .agentGroupId, sort: .init(key: .metric(.closedConversations), descending: true)))
}
measure("skills 1h", MetricsQuery(
    accountId: "p", fromMs: last - 3_600_000, toMs: last, metrics: Metric.allCases, groupBy: .skillId,
    sort: .init(key: .metric(.closedConversations), descending: true)))
measure("one agent 24h", MetricsQuery(
    accountId: "p", fromMs: last - 86_400_000, toMs: last, filters: .init(agentIds: ["agent-17"]),
    metrics: Metric.allCases, groupBy: .skillId))
