public import MetricsCore

/// Where the links of a response point: `scheme://authority` + the account's REST metrics path
/// (SPEC §1 "Links"). The gRPC front passes the REST path too, so both fronts return the same
/// hrefs. The path is kept in its parts: each href is written in one go from them.
public struct LinkBase: Sendable, Equatable {
    public var scheme: String
    /// The `Host` header (REST) or `:authority` (gRPC), e.g. `127.0.0.1:8080`.
    public var authority: String
    /// Validated (`[A-Za-z0-9_.-]{1,64}`), so it needs no escaping in a path.
    public var accountId: String

    public init(scheme: String, authority: String, accountId: String) {
        self.scheme = scheme
        self.authority = authority
        self.accountId = accountId
    }

    /// `scheme://authority/manager_workspace/api/account/{id}/metrics?offset={offset}{rest}`
    /// as one exactly-sized string: no intermediate strings, one allocation.
    func href(offset: Int, rest: String) -> String {
        // The offset's decimal digits, written backwards from the end of 24 bytes of room.
        var room: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let digitsStart = withUnsafeMutableBytes(of: &room) { DecimalText.write(Int64(offset), endingAt: $0) }
        let digitCount = 24 - digitsStart
        var pieces = (scheme, authority, accountId, rest)
        let total = pieces.0.utf8.count + 3 + pieces.1.utf8.count + Self.pathHead.utf8.count + pieces.2.utf8.count
            + Self.pathTailAndOffset.utf8.count + digitCount + pieces.3.utf8.count
        return String(unsafeUninitializedCapacity: total) { out in
            var p = out.baseAddress!
            var sep = "://", head = Self.pathHead, tail = Self.pathTailAndOffset
            p = Self.copy(&pieces.0, to: p)
            p = Self.copy(&sep, to: p)
            p = Self.copy(&pieces.1, to: p)
            p = Self.copy(&head, to: p)
            p = Self.copy(&pieces.2, to: p)
            p = Self.copy(&tail, to: p)
            withUnsafeBytes(of: &room) { p.initialize(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self) + digitsStart, count: digitCount) }
            p += digitCount
            p = Self.copy(&pieces.3, to: p)
            return p - out.baseAddress!
        }
    }

    /// Copies the text's UTF-8 to `p`; returns the position after it. (Plain pointers: buffer
    /// slices and captured counters cost a metadata lookup or an exclusivity check each.)
    private static func copy(_ text: inout String, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        text.withUTF8 { bytes in
            guard let src = bytes.baseAddress else { return p }
            p.initialize(from: src, count: bytes.count)
            return p + bytes.count
        }
    }

    static let pathHead = "/manager_workspace/api/account/"
    static let pathTailAndOffset = "/metrics?offset="
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
        // Every href is the base, the offset, then `&limit=..[&sort=..]` (RESTQuery.queryString's
        // order: offset, limit, sort), each written as one exactly-sized string.
        let rest = RESTQuery.afterOffset(limit: Int64(limit), sort: sort)
        // Links often share an offset (one page: first, self and last are all 0); the string
        // made for an offset is reused by the links after it.
        var recent: (Int, String)? = nil, earlier: (Int, String)? = nil
        func link(_ rel: String, _ at: Int) -> Link {
            if let (offset, href) = recent, offset == at { return Link(rel: rel, href: href) }
            if let (offset, href) = earlier, offset == at { return Link(rel: rel, href: href) }
            let href = base.href(offset: at, rest: rest)
            earlier = recent
            recent = (at, href)
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
