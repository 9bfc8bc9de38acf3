public import MetricsCore

/// Which front a request came through; the only rules that differ are `limit` (gRPC 0 means
/// the default, REST `limit=0` is a 400) — SPEC §3 "gRPC".
public enum APIFront: Sendable, Equatable {
    case rest
    case grpc
}

/// Turns a decoded metrics request into a checked `MetricsQuery` (SPEC §1 table, §3 precise
/// rules), or an INVALID_ARGUMENT whose message names the field. Filters and time come first,
/// then the other fields in proto field order; the first failure is reported.
extension GetMetricsRequest {
    /// How far back `filters.time.from` may reach: the 24 h of retained data plus 5 minutes
    /// of tolerance for clocks and slow dashboards.
    public static let maxLookbackMs: Int64 = 24 * 3_600_000 + 5 * 60_000
    public static let maxLimit: Int32 = 50

    /// - Parameters:
    ///   - now: epoch ms of the query (the edge reads the clock, not this code).
    ///   - front: REST requests must have gone through `applyRESTQuery` (it stores the
    ///     default limit 50 when the URL has none, so an explicit `limit=0` stays visible).
    public func validated(now: Int64, front: APIFront) throws(APIError) -> MetricsQuery {
        // The body's required parts first: an empty request is told "filters is required",
        // the thing a caller most likely forgot, before anything about the URL parts.
        guard let filters else { throw .invalidArgument("filters is required") }
        guard let time = filters.time else { throw .invalidArgument("filters.time is required") }
        // 0 is both "absent" in protobuf and an instant far outside retention.
        guard time.fromMs != 0 else { throw .invalidArgument("filters.time.from is required") }
        guard time.toMs != 0 else { throw .invalidArgument("filters.time.to is required") }
        guard time.fromMs <= time.toMs else {
            throw .invalidArgument("filters.time.from must not be after filters.time.to")
        }
        let (oldest, overflow) = now.subtractingReportingOverflow(GetMetricsRequest.maxLookbackMs)
        guard overflow || time.fromMs >= oldest else {
            throw .invalidArgument("filters.time.from is older than 24 hours (plus 5 minutes) before now")
        }

        try MetricsRequestRules.checkAccountId(accountId)

        guard offset >= 0, let offsetInt = Int(exactly: offset) else {
            throw .invalidArgument("offset must not be negative")
        }

        var effectiveLimit = limit
        if front == .grpc && limit == 0 { effectiveLimit = GetMetricsRequest.maxLimit }
        guard effectiveLimit >= 1 && effectiveLimit <= GetMetricsRequest.maxLimit else {
            throw .invalidArgument("limit must be between 1 and \(GetMetricsRequest.maxLimit)")
        }

        let sortOrder = try MetricsRequestRules.parseSort(sort)

        var userTypes: Set<UserType> = []
        for (i, name) in filters.userTypes.enumerated() {
            guard let t = UserType(rawValue: name) else {
                throw .invalidArgument("filters.userTypes[\(i)]: unknown user type \"\(name)\" (expected HUMAN or BOT)")
            }
            userTypes.insert(t)
        }

        var metrics: [Metric] = []
        metrics.reserveCapacity(metricsToRetrieveByTime.count + metricsToRetrieveCurrentValue.count)
        var seen: UInt64 = 0  // bit per Metric.rawValue: no Set to allocate on every call
        for kind in [Metric.Kind.byTime, .currentValue] {
            let names = kind == .byTime ? metricsToRetrieveByTime : metricsToRetrieveCurrentValue
            for (i, name) in names.enumerated() {
                let m = try MetricsRequestRules.metric(named: name, list: kind, index: i)
                let bit: UInt64 = 1 << UInt64(m.rawValue)
                if seen & bit == 0 {
                    seen |= bit
                    metrics.append(m)
                }
            }
        }

        var wantsAll = false
        var wantsGroupBy = false
        for (i, section) in responseSections.enumerated() {
            switch section {
            case "all": wantsAll = true
            case "groupBy": wantsGroupBy = true
            default:
                throw .invalidArgument(
                    "responseSections[\(i)]: unknown section \"\(section)\" (expected all or groupBy)")
            }
        }

        var groupByField: MetricsQuery.GroupByField?
        if !groupBy.isEmpty {
            guard let field = MetricsQuery.GroupByField(rawValue: groupBy) else {
                throw .invalidArgument("groupBy must be skillId or agentGroupId, got \"\(groupBy)\"")
            }
            groupByField = field
        }
        if responseSections.isEmpty {
            // Both sections, except that without groupBy there are no groups to return.
            wantsAll = true
            wantsGroupBy = groupByField != nil
        } else if wantsGroupBy && groupByField == nil {
            throw .invalidArgument("responseSections includes groupBy but groupBy is not set")
        }

        return MetricsQuery(
            accountId: accountId,
            fromMs: time.fromMs,
            toMs: time.toMs,
            filters: MetricsQuery.Filters(
                agentIds: filters.agentIds,
                agentGroupIds: filters.agentGroupIds,
                skillIds: filters.skillIds,
                userTypes: userTypes,
                includeSubGroups: filters.includeSubGroups),
            metrics: metrics,
            includeAll: wantsAll,
            groupBy: wantsGroupBy ? groupByField : nil,
            sort: sortOrder,
            offset: offsetInt,
            limit: Int(effectiveLimit))
    }
}

/// The rules shared by both messages (account ids) and the small parsers of validation.
enum MetricsRequestRules {
    static func isValidAccountId(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty && utf8.count <= 64 else { return false }
        for c in utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return true
    }

    static func checkAccountId(_ id: String) throws(APIError) {
        guard isValidAccountId(id) else {
            throw .invalidArgument("accountId must match [A-Za-z0-9_.-]{1,64}")
        }
    }

    /// `METRIC:asc|desc` with a camelCase metric name, or `key:asc|desc`; empty is `key:asc`.
    static func parseSort(_ sort: String) throws(APIError) -> MetricsQuery.Sort {
        if sort.isEmpty { return MetricsQuery.Sort() }
        let parts = sort.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1] == "asc" || parts[1] == "desc" else {
            throw .invalidArgument("sort must be METRIC:asc, METRIC:desc, key:asc or key:desc, got \"\(sort)\"")
        }
        let descending = parts[1] == "desc"
        if parts[0] == "key" { return MetricsQuery.Sort(key: .key, descending: descending) }
        guard let metric = Metric(responseName: String(parts[0])) else {
            throw .invalidArgument(
                "sort: unknown metric \"\(parts[0])\" (sort uses camelCase names such as closedConversations)")
        }
        return MetricsQuery.Sort(key: .metric(metric), descending: descending)
    }

    /// Entry `index` of the metrics list of `kind`: the accepted case costs one lookup; the
    /// field name for the error is built only when refusing.
    static func metric(named name: String, list kind: Metric.Kind, index: Int) throws(APIError) -> Metric {
        if let m = Metric(requestName: name), m.kind == kind { return m }
        // Only a refusal pays for the field name.
        let list = kind == .byTime ? "metricsToRetrieveByTime" : "metricsToRetrieveCurrentValue"
        return try metric(named: name, field: "\(list)[\(index)]", kind: kind)
    }

    /// A snake_case request name of the given kind. `active_conversations` is a current-value
    /// metric like `assigned_conversations` (same value, its own response name).
    static func metric(named name: String, field: String, kind: Metric.Kind) throws(APIError) -> Metric {
        guard let m = Metric(requestName: name) else {
            if let camel = Metric(responseName: name) {
                throw .invalidArgument(
                    "\(field): unknown metric \"\(name)\" (request names are snake_case: \(camel.requestName))")
            }
            throw .invalidArgument("\(field): unknown metric \"\(name)\"")
        }
        guard m.kind == kind else {
            switch m.kind {
            case .byTime:
                throw .invalidArgument(
                    "\(field): \"\(name)\" is a by-time metric; list it in metricsToRetrieveByTime")
            case .currentValue:
                throw .invalidArgument(
                    "\(field): \"\(name)\" is a current-value metric; list it in metricsToRetrieveCurrentValue")
            }
        }
        return m
    }
}
