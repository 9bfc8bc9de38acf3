/// REST JSON of the ingest messages (SPEC §4): `{"producerId":"p1","sequence":42,"events":[...]}`
/// with each event flat (`type`, `time` and the camelCase fields of its type). `accountId`
/// comes from the URL and is not part of the body. Empty strings, empty arrays and absent
/// optionals are left out when writing; `null` reads as absent. A value of the wrong JSON type
/// anywhere in the batch (`"time":"soon"`) makes the body malformed — a 400 naming
/// `events[i].time`, as a wrong wire type fails a whole protobuf message — while well-typed
/// events that are incomplete or of an unknown type are rejected one by one (EventMapping.swift).
extension PublishEventsRequest {
    public init(jsonBody bytes: [UInt8]) throws(APIError) {
        self = try JSONCodec.decode(bytes, PublishEventsRequest.read)
    }

    public init(jsonBody bytes: UnsafeRawBufferPointer) throws(APIError) {
        self = try JSONCodec.decode(bytes, PublishEventsRequest.read)
    }

    public func jsonBody() -> [UInt8] {
        JSONCodec.encode(capacity: 64 + 128 * events.count) { w in write(to: &w) }
    }

    static func read(_ r: inout JSONReader) throws(JSONError) -> PublishEventsRequest {
        var req = PublishEventsRequest()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "producerId": req.producerId = try r.readStringOrNull() ?? ""
            case "sequence": req.sequence = try r.readNull() ? 0 : r.readInt64()
            case "events":
                try r.readArray { (r: inout JSONReader, _: Int) throws(JSONError) in
                    req.events.append(try EventMessage.read(&r))
                }
            default: try r.skipValue()
            }
        }
        return req
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("producerId")
            w.string(producerId)
            w.key("sequence")
            w.int(sequence)
            w.key("events")
            w.array { w in
                for e in events {
                    w.element()
                    e.write(to: &w)
                }
            }
        }
    }
}

extension EventMessage {
    static func read(_ r: inout JSONReader) throws(JSONError) -> EventMessage {
        var e = EventMessage()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "type": e.type = try r.readStringOrNull() ?? ""
            case "time": e.time = try r.readNull() ? 0 : r.readInt64()
            case "skillId": e.skillId = try r.readStringOrNull() ?? ""
            case "name": e.name = try r.readStringOrNull() ?? ""
            case "agentGroupId": e.agentGroupId = try r.readStringOrNull() ?? ""
            case "parentGroupId": e.parentGroupId = try r.readStringOrNull()
            case "agentId": e.agentId = try r.readStringOrNull() ?? ""
            case "userType": e.userType = try r.readStringOrNull() ?? ""
            case "skillIds": e.skillIds = try r.readStringArray()
            case "maxSlots": e.maxSlots = try r.readNull() ? nil : r.readInt32()
            case "state": e.state = try r.readStringOrNull() ?? ""
            case "conversationId": e.conversationId = try r.readStringOrNull() ?? ""
            case "weight": e.weight = try r.readNull() ? nil : r.readDouble()
            case "closedBy": e.closedBy = try r.readStringOrNull() ?? ""
            default: try r.skipValue()
            }
        }
        return e
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("type")
            w.string(type)
            w.key("time")
            w.int(time)
            w.field("skillId", nonEmpty: skillId)
            w.field("name", nonEmpty: name)
            w.field("agentGroupId", nonEmpty: agentGroupId)
            if let parentGroupId {
                w.key("parentGroupId")
                w.string(parentGroupId)
            }
            w.field("agentId", nonEmpty: agentId)
            w.field("userType", nonEmpty: userType)
            w.field("skillIds", nonEmpty: skillIds)
            if let maxSlots {
                w.key("maxSlots")
                w.int(maxSlots)
            }
            w.field("state", nonEmpty: state)
            w.field("conversationId", nonEmpty: conversationId)
            if let weight {
                w.key("weight")
                w.double(weight)
            }
            w.field("closedBy", nonEmpty: closedBy)
        }
    }
}

/// `{"applied":N,"rejected":M,"duplicate":false}` plus `"rejections":[{"index":i,"reason":"..."}]`
/// only when there are any (an older client that knows the three SPEC fields sees no change).
extension PublishEventsResponse {
    public init(jsonBytes bytes: [UInt8]) throws(APIError) {
        self = try JSONCodec.decode(bytes, PublishEventsResponse.read)
    }

    public func jsonBytes() -> [UInt8] {
        JSONCodec.encode(capacity: 64 + 64 * rejections.count) { w in write(to: &w) }
    }

    static func read(_ r: inout JSONReader) throws(JSONError) -> PublishEventsResponse {
        var resp = PublishEventsResponse()
        try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
            switch key {
            case "applied": resp.applied = try r.readNull() ? 0 : r.readInt64()
            case "rejected": resp.rejected = try r.readNull() ? 0 : r.readInt64()
            case "duplicate": resp.duplicate = try r.readNull() ? false : r.readBool()
            case "rejections":
                try r.readArray { (r: inout JSONReader, _: Int) throws(JSONError) in
                    var rej = Rejection()
                    try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
                        switch key {
                        case "index": rej.index = try r.readNull() ? 0 : r.readInt32()
                        case "reason": rej.reason = try r.readStringOrNull() ?? ""
                        default: try r.skipValue()
                        }
                    }
                    resp.rejections.append(rej)
                }
            default: try r.skipValue()
            }
        }
        return resp
    }

    func write(to w: inout JSONWriter) {
        w.object { w in
            w.key("applied")
            w.int(applied)
            w.key("rejected")
            w.int(rejected)
            w.key("duplicate")
            w.bool(duplicate)
            if !rejections.isEmpty {
                w.key("rejections")
                w.array { w in
                    for rej in rejections {
                        w.element()
                        w.object { w in
                            w.key("index")
                            w.int(rej.index)
                            w.key("reason")
                            w.string(rej.reason)
                        }
                    }
                }
            }
        }
    }
}
