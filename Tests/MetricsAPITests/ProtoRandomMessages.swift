import MetricsAPI
import MetricsCore
import PropertyBased

/// Random API messages for property tests (also usable by any MetricsAPI test): every field
/// gets a chance to be default, present, empty or large; strings mix ASCII, multi-byte UTF-8
/// and lengths above 127 (two-byte length prefixes). NaN is left out only because it makes
/// `==` false; the codec carries it.
enum ProtoRandomMessages {
    typealias RNG = SplitMix64

    /// A PropertyBased generator from one of the functions below.
    static func gen<T>(_ make: @escaping @Sendable (inout RNG) -> T) -> Generator<T, Shrink.None<T>> {
        Generator { rng in
            var mine = SplitMix64(seed: rng.next())
            return make(&mine)
        }
    }

    static func bool(_ rng: inout RNG, _ rate: Double = 0.5) -> Bool {
        Double.random(in: 0..<1, using: &rng) < rate
    }

    static func string(_ rng: inout RNG) -> String {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return ""
        case 1: return ["HUMAN", "BOT", "all", "groupBy", "skillId", "closed_conversations"][Int.random(in: 0..<6, using: &rng)]
        case 2: return String(repeating: "x", count: Int.random(in: 100...300, using: &rng))
        case 3:
            let pool: [Character] = ["a", "Z", "0", "-", "é", "ü", "日", "本", "🙂", "\u{0}", "\u{7F}", "\u{10FFFF}"]
            return String((0..<Int.random(in: 1...20, using: &rng)).map { _ in pool[Int.random(in: 0..<pool.count, using: &rng)] })
        default:
            return String(Int.random(in: 0...Int.max, using: &rng))
        }
    }

    static func strings(_ rng: inout RNG) -> [String] {
        bool(&rng, 0.3) ? [] : (0..<Int.random(in: 1...5, using: &rng)).map { _ in string(&rng) }
    }

    static func int64(_ rng: inout RNG) -> Int64 {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return 0
        case 1: return Int64.random(in: -3...300, using: &rng)
        case 2: return [Int64.min, .max, -1, 1 << 62][Int.random(in: 0..<4, using: &rng)]
        default: return Int64.random(in: .min ... .max, using: &rng)
        }
    }

    static func int32(_ rng: inout RNG) -> Int32 {
        Int32(truncatingIfNeeded: int64(&rng))
    }

    static func double(_ rng: inout RNG) -> Double {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return 0
        case 1:
            let special: [Double] = [-0.0, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
            return special[Int.random(in: 0..<special.count, using: &rng)]
        case 2: return Double(Int.random(in: 0...100_000, using: &rng)) / 1000
        default:
            let value = Double(bitPattern: rng.next())
            return value.isNaN ? 1.5 : value
        }
    }

    static func maybe<T>(_ rng: inout RNG, _ make: (inout RNG) -> T) -> T? {
        bool(&rng) ? make(&rng) : nil
    }

    static func list<T>(_ rng: inout RNG, max: Int, _ make: (inout RNG) -> T) -> [T] {
        (0..<Int.random(in: 0...max, using: &rng)).map { _ in make(&rng) }
    }

    // MARK: Request

    static func timeRange(_ rng: inout RNG) -> TimeRange {
        TimeRange(fromMs: int64(&rng), toMs: int64(&rng))
    }

    static func filters(_ rng: inout RNG) -> Filters {
        var f = Filters()
        f.time = maybe(&rng, timeRange)
        f.agentIds = strings(&rng)
        f.agentGroupIds = strings(&rng)
        f.skillIds = strings(&rng)
        f.userTypes = strings(&rng)
        f.includeSubGroups = bool(&rng)
        return f
    }

    static func getMetricsRequest(_ rng: inout RNG) -> GetMetricsRequest {
        var r = GetMetricsRequest()
        r.accountId = string(&rng)
        r.offset = int64(&rng)
        r.limit = int32(&rng)
        r.sort = string(&rng)
        r.filters = maybe(&rng, filters)
        r.metricsToRetrieveByTime = strings(&rng)
        r.metricsToRetrieveCurrentValue = strings(&rng)
        r.responseSections = strings(&rng)
        r.groupBy = string(&rng)
        return r
    }

    // MARK: Response

    static func metrics(_ rng: inout RNG) -> Metrics {
        var m = Metrics()
        m.closedConversations = maybe(&rng, int64)
        m.closedByAgent = maybe(&rng, int64)
        m.closedByConsumer = maybe(&rng, int64)
        m.autoClosed = maybe(&rng, int64)
        m.avgTimeToResponse = maybe(&rng, double)
        m.avgTimeToFirstResponseFirstAssignment = maybe(&rng, double)
        m.avgTimeToFirstResponseAllAssignments = maybe(&rng, double)
        m.avgWaitTime = maybe(&rng, double)
        m.avgWaitTimeFirstResponse = maybe(&rng, double)
        m.assignedConversations = maybe(&rng, int64)
        m.activeConversations = maybe(&rng, int64)
        m.onlineAgents = maybe(&rng, int64)
        m.awayAgents = maybe(&rng, int64)
        m.backSoonAgents = maybe(&rng, int64)
        m.availableSlots = maybe(&rng, int64)
        m.agentLoad = maybe(&rng, double)
        m.humanAgentLoad = maybe(&rng, double)
        m.humanOnlineLoad = maybe(&rng, double)
        return m
    }

    static func link(_ rng: inout RNG) -> Link {
        Link(rel: string(&rng), href: string(&rng))
    }

    static func metadata(_ rng: inout RNG) -> Metadata {
        var m = Metadata()
        m.count = int64(&rng)
        m.first = maybe(&rng, link)
        m.prev = maybe(&rng, link)
        m.`self` = maybe(&rng, link)
        m.next = maybe(&rng, link)
        m.last = maybe(&rng, link)
        return m
    }

    static func group(_ rng: inout RNG) -> Group {
        Group(key: string(&rng), keyDescription: string(&rng), metrics: maybe(&rng, metrics))
    }

    static func groupBySection(_ rng: inout RNG) -> GroupBySection {
        var s = GroupBySection()
        s.groupByField = string(&rng)
        s.groups = list(&rng, max: 6, group)
        return s
    }

    static func allSection(_ rng: inout RNG) -> AllSection {
        AllSection(metrics: maybe(&rng, metrics))
    }

    static func getMetricsResponse(_ rng: inout RNG) -> GetMetricsResponse {
        var r = GetMetricsResponse()
        r.metadata = maybe(&rng, metadata)
        r.groupBy = maybe(&rng, groupBySection)
        r.all = maybe(&rng, allSection)
        return r
    }

    // MARK: Events

    static func event(_ rng: inout RNG) -> EventMessage {
        var e = EventMessage()
        e.type = string(&rng)
        e.time = int64(&rng)
        e.skillId = string(&rng)
        e.name = string(&rng)
        e.agentGroupId = string(&rng)
        e.parentGroupId = maybe(&rng, string)
        e.agentId = string(&rng)
        e.userType = string(&rng)
        e.skillIds = strings(&rng)
        e.maxSlots = maybe(&rng, int32)
        e.state = string(&rng)
        e.conversationId = string(&rng)
        e.weight = maybe(&rng, double)
        e.closedBy = string(&rng)
        return e
    }

    static func publishEventsRequest(_ rng: inout RNG) -> PublishEventsRequest {
        var r = PublishEventsRequest()
        r.accountId = string(&rng)
        r.producerId = string(&rng)
        r.sequence = int64(&rng)
        r.events = list(&rng, max: 5, event)
        return r
    }

    static func rejection(_ rng: inout RNG) -> Rejection {
        Rejection(index: int32(&rng), reason: string(&rng))
    }

    static func publishEventsResponse(_ rng: inout RNG) -> PublishEventsResponse {
        var r = PublishEventsResponse()
        r.applied = int64(&rng)
        r.rejected = int64(&rng)
        r.duplicate = bool(&rng)
        r.rejections = list(&rng, max: 5, rejection)
        return r
    }
}
