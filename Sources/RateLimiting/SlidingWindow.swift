/// The exact record of one caller's admissions in the last 60 seconds.
///
/// Admissions that fall in the same millisecond share one entry, so memory is bounded by
/// the 60,000 milliseconds of the window, not by the number of requests: even a raised
/// load-test limit cannot grow it past about a megabyte.
struct SlidingWindow: Sendable {
    static let lengthMs: Int64 = 60_000

    private var times: [Int64] = []
    private var counts: [Int] = []
    private var head = 0
    /// Admissions with time > now − 60 s, after the last `expire(now:)`.
    private(set) var total = 0

    var isEmpty: Bool { total == 0 }

    /// Drops admissions that left the window: an admission at t counts for windows
    /// (t − 60 s, t], so at `now` it is gone once t ≤ now − 60 s.
    mutating func expire(now: Int64) {
        let cutoff = now &- SlidingWindow.lengthMs
        while head < times.count, times[head] <= cutoff {
            total -= counts[head]
            head += 1
        }
        if head > 0, head * 2 >= times.count {
            times.removeFirst(head)
            counts.removeFirst(head)
            head = 0
        }
    }

    mutating func record(now: Int64) {
        if head < times.count, let last = times.last, last >= now {
            // Time never goes backwards for a caller here; a clock step back joins the newest entry.
            counts[counts.count - 1] += 1
        } else {
            times.append(now)
            counts.append(1)
        }
        total += 1
    }

    /// Milliseconds until the oldest admission in the window leaves it.
    func msUntilOldestExpires(now: Int64) -> Int64 {
        guard head < times.count else { return 0 }
        return max(1, times[head] &+ SlidingWindow.lengthMs &- now)
    }
}
