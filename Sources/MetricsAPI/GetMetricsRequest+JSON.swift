/// REST JSON body of a metrics query (SPEC §1 "Body"). `accountId`, `offset`, `limit` and
/// `sort` travel in the URL (see RESTQuery.swift), so the body mapping neither reads nor writes
/// them: a body field of that name is ignored like any unknown field, which keeps one source
/// of truth for each value. `null` for any field means absent/default.
extension GetMetricsRequest {
    /// Decodes a REST body. Errors are INVALID_ARGUMENT naming the field and byte offset.
    public init(jsonBody bytes: UnsafeRawBufferPointer) throws(APIError) {
        self = try JSONCodec.decode(bytes, GetMetricsRequest.readBody)
    }

    public init(jsonBody bytes: [UInt8]) throws(APIError) {
        self = try JSONCodec.decode(bytes, GetMetricsRequest.readBody)
    }

    /// The body fields as REST JSON (the URL fields are left out).
    public func jsonBody() -> [UInt8] {
        JSONCodec.encode { w in writeBody(to: &w) }
    }

    static func readBody(_ r: inout JSONReader) throws(JSONError) -> GetMetricsRequest {
        var req = GetMetricsRequest()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "filters":
                req.filters = try r.readNull() ? nil : Filters.read(&r)
            case "metricsToRetrieveByTime":
                req.metricsToRetrieveByTime = try r.readStringArray(preferring: Self.knownNames)
            case "metricsToRetrieveCurrentValue":
                req.metricsToRetrieveCurrentValue = try r.readStringArray(preferring: Self.knownNames)
            case "responseSections":
                req.responseSections = try r.readStringArray(preferring: Self.knownNames)
            case "groupBy":
                req.groupBy = try r.readStringOrNull(preferring: Self.knownNames) ?? ""
            default:
                try r.skipValue()
            }
        }
        return req
    }

    func writeBody(to w: inout JSONWriter) {
        w.object { w in
            if let filters {
                w.key("filters")
                filters.write(to: &w)
            }
            w.field("metricsToRetrieveByTime", nonEmpty: metricsToRetrieveByTime)
            w.field("metricsToRetrieveCurrentValue", nonEmpty: metricsToRetrieveCurrentValue)
            w.field("responseSections", nonEmpty: responseSections)
            w.field("groupBy", nonEmpty: groupBy)
        }
    }
}

extension Filters {
    static func read(_ r: inout JSONReader) throws(JSONError) -> Filters {
        var f = Filters()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "time": f.time = try r.readNull() ? nil : TimeRange.read(&r)
            case "agentIds": f.agentIds = try r.readStringArray()
            case "agentGroupIds": f.agentGroupIds = try r.readStringArray()
            case "skillIds": f.skillIds = try r.readStringArray()
            case "userTypes": f.userTypes = try r.readStringArray()
            case "includeSubGroups": f.includeSubGroups = try r.readNull() ? false : r.readBool()
            default: try r.skipValue()
            }
        }
        return f
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            if let time {
                w.key("time")
                time.write(to: &w)
            }
            w.field("agentIds", nonEmpty: agentIds)
            w.field("agentGroupIds", nonEmpty: agentGroupIds)
            w.field("skillIds", nonEmpty: skillIds)
            w.field("userTypes", nonEmpty: userTypes)
            if includeSubGroups {
                w.key("includeSubGroups")
                w.bool(true)
            }
        }
    }
}

extension TimeRange {
    /// `{"from": ms, "to": ms}`; a missing or null bound stays 0, which validation reports
    /// as "filters.time.from is required" on both fronts alike.
    static func read(_ r: inout JSONReader) throws(JSONError) -> TimeRange {
        var t = TimeRange()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "from": t.fromMs = try r.readNull() ? 0 : r.readInt64()
            case "to": t.toMs = try r.readNull() ? 0 : r.readInt64()
            default: try r.skipValue()
            }
        }
        return t
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("from")
            w.int(fromMs)
            w.key("to")
            w.int(toMs)
        }
    }
}
