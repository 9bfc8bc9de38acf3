/// The by-time samples of one attribution key in one minute (or, stored cumulatively, up to
/// and including one minute). Counts are Int32 and sums Int64, both with wrapping arithmetic:
/// storage is cumulative and a window is a difference of two cumulative values, which stays
/// exact modulo 2^32 / 2^64 — a window never holds 2^31 samples of one key.
struct SampleAggregate: Sendable, Equatable {
    var closedByAgent: Int32 = 0
    var closedByConsumer: Int32 = 0
    var autoClosed: Int32 = 0
    var timeToResponseCount: Int32 = 0
    var firstAssignmentCount: Int32 = 0
    var allAssignmentsCount: Int32 = 0
    var waitCount: Int32 = 0
    var waitFirstCount: Int32 = 0
    var timeToResponseSum: Int64 = 0
    var firstAssignmentSum: Int64 = 0
    var allAssignmentsSum: Int64 = 0
    var waitSum: Int64 = 0
    var waitFirstSum: Int64 = 0

    static let zero = SampleAggregate()

    static func &+ (a: SampleAggregate, b: SampleAggregate) -> SampleAggregate {
        var r = a
        r.add(b)
        return r
    }

    static func &- (a: SampleAggregate, b: SampleAggregate) -> SampleAggregate {
        var r = a
        r.closedByAgent &-= b.closedByAgent
        r.closedByConsumer &-= b.closedByConsumer
        r.autoClosed &-= b.autoClosed
        r.timeToResponseCount &-= b.timeToResponseCount
        r.firstAssignmentCount &-= b.firstAssignmentCount
        r.allAssignmentsCount &-= b.allAssignmentsCount
        r.waitCount &-= b.waitCount
        r.waitFirstCount &-= b.waitFirstCount
        r.timeToResponseSum &-= b.timeToResponseSum
        r.firstAssignmentSum &-= b.firstAssignmentSum
        r.allAssignmentsSum &-= b.allAssignmentsSum
        r.waitSum &-= b.waitSum
        r.waitFirstSum &-= b.waitFirstSum
        return r
    }

    mutating func add(_ b: SampleAggregate) {
        closedByAgent &+= b.closedByAgent
        closedByConsumer &+= b.closedByConsumer
        autoClosed &+= b.autoClosed
        timeToResponseCount &+= b.timeToResponseCount
        firstAssignmentCount &+= b.firstAssignmentCount
        allAssignmentsCount &+= b.allAssignmentsCount
        waitCount &+= b.waitCount
        waitFirstCount &+= b.waitFirstCount
        timeToResponseSum &+= b.timeToResponseSum
        firstAssignmentSum &+= b.firstAssignmentSum
        allAssignmentsSum &+= b.allAssignmentsSum
        waitSum &+= b.waitSum
        waitFirstSum &+= b.waitFirstSum
    }
}

/// Query-side totals of by-time samples: Int64 counts so that summing many keys cannot wrap.
struct SampleTotals: Sendable {
    var closedByAgent: Int64 = 0
    var closedByConsumer: Int64 = 0
    var autoClosed: Int64 = 0
    var timeToResponseCount: Int64 = 0
    var firstAssignmentCount: Int64 = 0
    var allAssignmentsCount: Int64 = 0
    var waitCount: Int64 = 0
    var waitFirstCount: Int64 = 0
    var timeToResponseSum: Int64 = 0
    var firstAssignmentSum: Int64 = 0
    var allAssignmentsSum: Int64 = 0
    var waitSum: Int64 = 0
    var waitFirstSum: Int64 = 0

    mutating func add(_ b: SampleAggregate) {
        closedByAgent &+= Int64(b.closedByAgent)
        closedByConsumer &+= Int64(b.closedByConsumer)
        autoClosed &+= Int64(b.autoClosed)
        timeToResponseCount &+= Int64(b.timeToResponseCount)
        firstAssignmentCount &+= Int64(b.firstAssignmentCount)
        allAssignmentsCount &+= Int64(b.allAssignmentsCount)
        waitCount &+= Int64(b.waitCount)
        waitFirstCount &+= Int64(b.waitFirstCount)
        timeToResponseSum &+= b.timeToResponseSum
        firstAssignmentSum &+= b.firstAssignmentSum
        allAssignmentsSum &+= b.allAssignmentsSum
        waitSum &+= b.waitSum
        waitFirstSum &+= b.waitFirstSum
    }

    mutating func add(_ b: SampleTotals) {
        closedByAgent &+= b.closedByAgent
        closedByConsumer &+= b.closedByConsumer
        autoClosed &+= b.autoClosed
        timeToResponseCount &+= b.timeToResponseCount
        firstAssignmentCount &+= b.firstAssignmentCount
        allAssignmentsCount &+= b.allAssignmentsCount
        waitCount &+= b.waitCount
        waitFirstCount &+= b.waitFirstCount
        timeToResponseSum &+= b.timeToResponseSum
        firstAssignmentSum &+= b.firstAssignmentSum
        allAssignmentsSum &+= b.allAssignmentsSum
        waitSum &+= b.waitSum
        waitFirstSum &+= b.waitFirstSum
    }

    /// The value of a by-time metric; nil for an average with no samples.
    func value(of metric: Metric) -> MetricValue? {
        func avg(_ sum: Int64, _ n: Int64) -> MetricValue? {
            n == 0 ? nil : .double(Double(sum) / Double(n))
        }
        switch metric {
        case .closedConversations:
            return .count(closedByAgent &+ closedByConsumer &+ autoClosed)
        case .closedByAgent: return .count(closedByAgent)
        case .closedByConsumer: return .count(closedByConsumer)
        case .autoClosed: return .count(autoClosed)
        case .avgTimeToResponse: return avg(timeToResponseSum, timeToResponseCount)
        case .avgTimeToFirstResponseFirstAssignment:
            return avg(firstAssignmentSum, firstAssignmentCount)
        case .avgTimeToFirstResponseAllAssignments:
            return avg(allAssignmentsSum, allAssignmentsCount)
        case .avgWaitTime: return avg(waitSum, waitCount)
        case .avgWaitTimeFirstResponse: return avg(waitFirstSum, waitFirstCount)
        default: return nil
        }
    }
}
