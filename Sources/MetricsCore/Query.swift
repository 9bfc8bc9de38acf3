/// A checked metrics query: what MetricsAPI's validation produces from a REST or gRPC
/// request, and what the engine answers. Every field here is already valid.
public struct MetricsQuery: Sendable, Equatable {
    public enum GroupByField: String, Sendable, Equatable {
        case skillId
        case agentGroupId
    }

    public enum SortKey: Sendable, Equatable {
        case key
        case metric(Metric)
    }

    public struct Sort: Sendable, Equatable {
        public var key: SortKey
        public var descending: Bool
        public init(key: SortKey = .key, descending: Bool = false) {
            self.key = key
            self.descending = descending
        }
    }

    /// The id lists hold distinct ids in the order they were first given (duplicates are
    /// dropped on the way in). Arrays rather than sets: a request names a handful of ids, and a
    /// set cost an allocation and a hash per id on every request.
    public struct Filters: Sendable, Equatable {
        public var agentIds: [String] {
            get { distinctAgentIds }
            set { distinctAgentIds = Self.distinct(newValue) }
        }
        public var agentGroupIds: [String] {
            get { distinctAgentGroupIds }
            set { distinctAgentGroupIds = Self.distinct(newValue) }
        }
        public var skillIds: [String] {
            get { distinctSkillIds }
            set { distinctSkillIds = Self.distinct(newValue) }
        }
        public var userTypes: Set<UserType>
        public var includeSubGroups: Bool

        private var distinctAgentIds: [String]
        private var distinctAgentGroupIds: [String]
        private var distinctSkillIds: [String]

        public init(
            agentIds: [String] = [], agentGroupIds: [String] = [], skillIds: [String] = [],
            userTypes: Set<UserType> = [], includeSubGroups: Bool = false
        ) {
            distinctAgentIds = Self.distinct(agentIds)
            distinctAgentGroupIds = Self.distinct(agentGroupIds)
            distinctSkillIds = Self.distinct(skillIds)
            self.userTypes = userTypes
            self.includeSubGroups = includeSubGroups
        }

        /// `ids` without repeats, first occurrences in order. Short lists (the usual case) are
        /// checked pairwise and returned as they are when nothing repeats.
        static func distinct(_ ids: [String]) -> [String] {
            if ids.count <= 16 {
                var repeats = false
                for i in ids.indices.dropFirst() where !repeats {
                    for j in 0..<i where ids[j] == ids[i] { repeats = true; break }
                }
                if !repeats { return ids }
            }
            var seen = Set<String>(minimumCapacity: ids.count)
            return ids.filter { seen.insert($0).inserted }
        }
    }

    public var accountId: String
    /// Epoch ms as sent; the engine turns them into a minute window and clamps `to` to now.
    public var fromMs: Int64
    public var toMs: Int64
    public var filters: Filters
    /// Requested metrics, de-duplicated, in request order (by-time first, then current-value).
    public var metrics: [Metric]
    public var includeAll: Bool
    /// nil when the groupBy section is not returned.
    public var groupBy: GroupByField?
    public var sort: Sort
    public var offset: Int
    public var limit: Int

    public init(
        accountId: String, fromMs: Int64, toMs: Int64, filters: Filters = Filters(),
        metrics: [Metric], includeAll: Bool = true, groupBy: GroupByField? = nil,
        sort: Sort = Sort(), offset: Int = 0, limit: Int = 50
    ) {
        self.accountId = accountId
        self.fromMs = fromMs
        self.toMs = toMs
        self.filters = filters
        self.metrics = metrics
        self.includeAll = includeAll
        self.groupBy = groupBy
        self.sort = sort
        self.offset = offset
        self.limit = limit
    }
}

/// One metric's value: counts are integers, averages and loads are doubles (unrounded here;
/// rounding to 3 decimals belongs to the encoders and to sorting, see SPEC §3).
public enum MetricValue: Sendable, Equatable {
    case count(Int64)
    case double(Double)
}

/// The values of the requested metrics of one group (or of `all`). A metric that was requested
/// but has no data (an average with no samples, a load with no capacity) is nil.
public struct MetricValues: Sendable, Equatable {
    /// One entry per `Metric`, stored inline: a query makes one of these per group it returns,
    /// and a heap array each time cost an allocation (and a runtime metadata lookup for it).
    @usableFromInline var values: InlineArray<18, MetricValue?>

    /// 18 = `Metric.allCases.count` (MetricNameTests checks it).
    public init() {
        values = InlineArray(repeating: nil)
    }

    /// Inlinable: called from another module, the getter copied all 18 entries to read one.
    @inlinable public subscript(metric: Metric) -> MetricValue? {
        get { values[metric.rawValue] }
        set { values[metric.rawValue] = newValue }
    }

    /// Present metrics in `Metric` order.
    public var present: [(Metric, MetricValue)] {
        var out: [(Metric, MetricValue)] = []
        for m in Metric.allCases { if let v = values[m.rawValue] { out.append((m, v)) } }
        return out
    }

    public static func == (a: MetricValues, b: MetricValues) -> Bool {
        for i in a.values.indices where a.values[i] != b.values[i] { return false }
        return true
    }
}

public struct MetricsResult: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var key: String
        public var keyDescription: String
        public var metrics: MetricValues
        public init(key: String, keyDescription: String, metrics: MetricValues) {
            self.key = key
            self.keyDescription = keyDescription
            self.metrics = metrics
        }
    }

    /// Number of groups before paging; 0 when the groupBy section is not returned.
    public var count: Int
    /// The page of groups (after sort, offset and limit); nil when groupBy is not returned.
    public var groups: [Group]?
    /// nil when the all section is not returned.
    public var all: MetricValues?

    public init(count: Int, groups: [Group]?, all: MetricValues?) {
        self.count = count
        self.groups = groups
        self.all = all
    }
}
