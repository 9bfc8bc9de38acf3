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
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

let start: Int64 = 1_767_225_600_000
let limit = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? Int.max : Int.max

// Generate in chunks so that only apply is timed.
var sim = Simulator(seed: 42, config: .production(startMs: start))
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
    for e in chunk {
        if account.apply(e, now: e.time).isApplied { applied += 1 } else { rejected += 1 }
    }
    applyTime += clock.now - a0
    total += chunk.count
    last = chunk[chunk.count - 1].time
}
chunk = []
account.prune(now: last)
print("events \(total) applied \(applied) rejected \(rejected)")
print("simulate \(seconds(genTime)) s; apply \(seconds(applyTime)) s = \(Int(Double(total) / seconds(applyTime))) events/s")
print("resident after build: \(residentMB()) MB; agents \(account.agentCount)")

let heavy = MetricsQuery(
    accountId: "p", fromMs: last - 86_400_000, toMs: last, filters: .init(includeSubGroups: true),
    metrics: Metric.allCases, groupBy: .agentGroupId, sort: .init(key: .metric(.avgWaitTime), descending: true))
var times: [Double] = []
for _ in 0..<200 {
    let t0 = clock.now
    let r = account.query(heavy, now: last)
    times.append(seconds(clock.now - t0) * 1e6)
    if times.count == 1 { print("heaviest: count \(r.count), all \(r.all?.present.map { "\($0.0.responseName)=\($0.1)" } ?? [])") }
}
times.sort()
print("heaviest query µs p50 \(Int(times[100])) p99 \(Int(times[198]))")
