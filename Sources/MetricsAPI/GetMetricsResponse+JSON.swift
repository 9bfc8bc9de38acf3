import MetricsCore

/// REST JSON of a metrics response (SPEC §1 "Response"). Absent messages and absent metrics
/// are left out; `metadata.count`, `groupByField`, `groups`, `key` and `keyDescription` are
/// always written when their parent is. Counts are JSON integers, doubles JSON numbers (already
/// rounded by `ResponseBuilder`). Decoding accepts what encoding writes and ignores unknown
/// fields, so responses round-trip.
extension GetMetricsResponse {
    public init(jsonBytes bytes: [UInt8]) throws(APIError) {
        self = try JSONCodec.decode(bytes, GetMetricsResponse.read)
    }

    public init(jsonBytes bytes: UnsafeRawBufferPointer) throws(APIError) {
        self = try JSONCodec.decode(bytes, GetMetricsResponse.read)
    }

    public func jsonBytes() -> [UInt8] {
        // Up to five links, each its href (about as long as `self`'s) plus ~40 bytes of JSON:
        // reserved too, or a light answer grows its buffer twice.
        let links = 5 * (40 + (metadata?.`self`?.href.utf8.count ?? 0))
        return JSONCodec.encode(capacity: 256 + links + 160 * (groupBy?.groups.count ?? 0)) { w in write(to: &w) }
    }

    static func read(_ r: inout JSONReader) throws(JSONError) -> GetMetricsResponse {
        var resp = GetMetricsResponse()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "metadata": resp.metadata = try r.readNull() ? nil : Metadata.read(&r)
            case "groupBy": resp.groupBy = try r.readNull() ? nil : GroupBySection.read(&r)
            case "all": resp.all = try r.readNull() ? nil : AllSection.read(&r)
            default: try r.skipValue()
            }
        }
        return resp
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("metadata", metadata)
            w.field("groupBy", groupBy)
            w.field("all", all)
        }
    }
}

extension Metadata: JSONWritable {
    static func read(_ r: inout JSONReader) throws(JSONError) -> Metadata {
        var m = Metadata()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "count": m.count = try r.readNull() ? 0 : r.readInt64()
            case "first": m.first = try r.readNull() ? nil : Link.read(&r)
            case "prev": m.prev = try r.readNull() ? nil : Link.read(&r)
            case "self": m.`self` = try r.readNull() ? nil : Link.read(&r)
            case "next": m.next = try r.readNull() ? nil : Link.read(&r)
            case "last": m.last = try r.readNull() ? nil : Link.read(&r)
            default: try r.skipValue()
            }
        }
        return m
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("count")
            w.int(count)
            w.field("first", first)
            w.field("prev", prev)
            w.field("self", self.`self`)
            w.field("next", next)
            w.field("last", last)
        }
    }
}

extension Link: JSONWritable {
    static func read(_ r: inout JSONReader) throws(JSONError) -> Link {
        var l = Link()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "rel": l.rel = try r.readStringOrNull() ?? ""
            case "href": l.href = try r.readStringOrNull() ?? ""
            default: try r.skipValue()
            }
        }
        return l
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("rel")
            w.string(rel)
            w.key("href")
            w.string(href)
        }
    }
}

extension GroupBySection: JSONWritable {
    static func read(_ r: inout JSONReader) throws(JSONError) -> GroupBySection {
        var s = GroupBySection()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "groupByField": s.groupByField = try r.readStringOrNull() ?? ""
            case "groups":
                try r.readArray { (r: inout JSONReader, _: Int) throws(JSONError) in s.groups.append(try Group.read(&r)) }
            default: try r.skipValue()
            }
        }
        return s
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("groupByField")
            w.string(groupByField)
            w.key("groups")
            w.array { w in
                for g in groups {
                    w.element()
                    g.write(to: &w)
                }
            }
        }
    }
}

extension Group: JSONWritable {
    static func read(_ r: inout JSONReader) throws(JSONError) -> Group {
        var g = Group()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "key": g.key = try r.readStringOrNull() ?? ""
            case "keyDescription": g.keyDescription = try r.readStringOrNull() ?? ""
            case "metrics": g.metrics = try r.readNull() ? nil : Metrics.read(&r)
            default: try r.skipValue()
            }
        }
        return g
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("key")
            w.string(key)
            w.key("keyDescription")
            w.string(keyDescription)
            w.field("metrics", metrics)
        }
    }
}

extension AllSection: JSONWritable {
    static func read(_ r: inout JSONReader) throws(JSONError) -> AllSection {
        var a = AllSection()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "metrics": a.metrics = try r.readNull() ? nil : Metrics.read(&r)
            default: try r.skipValue()
            }
        }
        return a
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("metrics", metrics)
        }
    }
}

extension Metrics: JSONWritable {
    /// Keys are the camelCase response names; a count must be an integer, a double a number.
    static func read(_ r: inout JSONReader) throws(JSONError) -> Metrics {
        var m = Metrics()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            // Matched on the key's bytes in place: a String per key allocated for each of the
            // many names longer than 15 bytes (an escaped key, never written by us, is decoded).
            let found = key.decoded.map { Metric(responseName: $0) } ?? Metric(responseNameUTF8: key.raw)
            guard let metric = found else { return try r.skipValue() }
            if r.readNull() {
                m[metric] = nil
                return
            }
            switch metric.valueType {
            case .count: m[metric] = .count(try r.readInt64())
            case .double: m[metric] = .double(try r.readDouble())
            }
        }
        return m
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            for metric in Metric.allCases {
                guard let value = self[metric] else { continue }
                w.dynamicKey(metric.responseName)
                switch value {
                case .count(let v): w.int(v)
                case .double(let v): w.double(v)
                }
            }
        }
    }
}
