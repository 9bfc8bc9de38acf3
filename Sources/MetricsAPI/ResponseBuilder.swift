public import MetricsCore

/// Where the links of a response point: `scheme://authority` + `path` (SPEC §1 "Links"). The
/// gRPC front passes the REST path too, so both fronts return the same hrefs.
public struct LinkBase: Sendable, Equatable {
    public var scheme: String
    /// The `Host` header (REST) or `:authority` (gRPC), e.g. `127.0.0.1:8080`.
    public var authority: String
    public var path: String

    public init(scheme: String, authority: String, path: String) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
    }

    /// The REST metrics path of an account (account ids are validated, so need no escaping).
    public static func metricsPath(accountId: String) -> String {
        "/manager_workspace/api/account/\(accountId)/metrics"
    }
}

extension GetMetricsResponse {
    /// The response value both fronts encode. Rounding happens here, once, so gRPC and REST
    /// return the same numbers: doubles to 3 decimals, half away from zero; a non-finite
    /// double is treated as "no data" (absent). Only requested metrics are returned (a sort
    /// metric the engine computed is dropped); a requested count the engine left out is 0.
    ///
    /// - Parameters:
    ///   - sortAsSent: the request's `sort` exactly as received; echoed in links when non-empty.
    public init(result: MetricsResult, query: MetricsQuery, sortAsSent: String, base: LinkBase) {
        self.init()
        let count = query.groupBy == nil ? 0 : max(0, result.count)
        metadata = ResponseLinks.metadata(
            count: count, offset: query.offset, limit: query.limit, sort: sortAsSent, base: base)
        if let field = query.groupBy {
            var section = GroupBySection()
            section.groupByField = field.rawValue
            section.groups = (result.groups ?? []).map { g in
                Group(
                    key: g.key, keyDescription: g.keyDescription,
                    metrics: ResponseLinks.metrics(g.metrics, requested: query.metrics))
            }
            groupBy = section
        }
        if query.includeAll {
            all = AllSection(metrics: ResponseLinks.metrics(result.all ?? MetricValues(), requested: query.metrics))
        }
    }
}

/// Link arithmetic and value mapping of `GetMetricsResponse.init(result:...)`.
enum ResponseLinks {
    /// `metadata` with `count` and the links: self and first always; last at
    /// `((count-1) div limit)·limit` (0 when count is 0); prev when offset > 0 at
    /// `max(0, offset-limit)`; next when `offset+limit < count`.
    static func metadata(count: Int, offset: Int, limit: Int, sort: String, base: LinkBase) -> Metadata {
        let limit = max(1, limit)
        let offset = max(0, offset)
        var m = Metadata()
        m.count = Int64(count)
        // Every href is `prefix + offset + suffix` (RESTQuery.queryString's order: offset, limit,
        // sort): the constant parts are built once, then each link is one exactly-sized string.
        var prefix = base.scheme
        prefix += "://"
        prefix += base.authority
        prefix += base.path
        prefix += "?offset="
        let suffix = RESTQuery.afterOffset(limit: Int64(limit), sort: sort)
        let fixedBytes = prefix.utf8.count + suffix.utf8.count
        func link(_ rel: String, _ at: Int) -> Link {
            let offset = String(at)
            var href = ""
            href.reserveCapacity(fixedBytes + offset.utf8.count)
            href += prefix
            href += offset
            href += suffix
            return Link(rel: rel, href: href)
        }
        m.first = link("first", 0)
        if offset > 0 { m.prev = link("prev", max(0, offset - limit)) }
        m.`self` = link("self", offset)
        let (end, overflow) = offset.addingReportingOverflow(limit)
        if !overflow && end < count { m.next = link("next", end) }
        m.last = link("last", count == 0 ? 0 : ((count - 1) / limit) * limit)
        return m
    }

    static func metrics(_ values: MetricValues, requested: [Metric]) -> Metrics {
        var m = Metrics()
        for metric in requested {
            var value = values[metric]
            // active_conversations is the same number as assigned_conversations (SPEC §1).
            if value == nil && metric == .activeConversations { value = values[.assignedConversations] }
            switch (metric.valueType, value) {
            case (.count, nil):
                m[metric] = .count(0)
            case (.count, let v?):
                m[metric] = v
            case (.double, .double(let d)?):
                m[metric] = d.isFinite ? .double(Rounding.thousandths(d)) : nil
            case (.double, .count(let c)?):
                m[metric] = .double(Double(c))
            case (.double, nil):
                m[metric] = nil
            }
        }
        return m
    }
}
