import ProtoWire

// Binary codecs of the PublishEvents messages. EventMessage is the proto `Event`.

extension EventMessage: ProtoMessage {
    /// The event types `coreEvent()` accepts. Decoding returns these strings instead of fresh
    /// copies: most type names are longer than the 15 bytes a String holds inline, so a batch of
    /// 1000 events saved some 700 allocations.
    static let knownTypes = ProtoInternedStrings([
        "skill_upserted", "agent_group_upserted", "agent_upserted", "agent_state_changed",
        "conversation_opened", "consumer_message", "conversation_assigned", "conversation_unassigned",
        "agent_message", "skill_changed", "conversation_closed",
    ])

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: type = try reader.decodeString(tag, preferring: Self.knownTypes)
        case 2: time = try reader.decodeInt64(tag)
        case 3: skillId = try reader.decodeString(tag)
        case 4: name = try reader.decodeString(tag)
        case 5: agentGroupId = try reader.decodeString(tag)
        case 6: parentGroupId = try reader.decodeString(tag)
        case 7: agentId = try reader.decodeString(tag)
        case 8: userType = try reader.decodeString(tag)
        case 9: try reader.decodeRepeatedString(tag, into: &skillIds)
        case 10: maxSlots = try reader.decodeInt32(tag)
        case 11: state = try reader.decodeString(tag)
        case 12: conversationId = try reader.decodeString(tag)
        case 13: weight = try reader.decodeDouble(tag)
        case 14: closedBy = try reader.decodeString(tag)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(type, field: 1)
        visitor.visitInt64(time, field: 2)
        visitor.visitString(skillId, field: 3)
        visitor.visitString(name, field: 4)
        visitor.visitString(agentGroupId, field: 5)
        visitor.visitOptionalString(parentGroupId, field: 6)
        visitor.visitString(agentId, field: 7)
        visitor.visitString(userType, field: 8)
        visitor.visitRepeatedString(skillIds, field: 9)
        visitor.visitOptionalInt32(maxSlots, field: 10)
        visitor.visitString(state, field: 11)
        visitor.visitString(conversationId, field: 12)
        visitor.visitOptionalDouble(weight, field: 13)
        visitor.visitString(closedBy, field: 14)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "type"
        case 2: "time"
        case 3: "skill_id"
        case 4: "name"
        case 5: "agent_group_id"
        case 6: "parent_group_id"
        case 7: "agent_id"
        case 8: "user_type"
        case 9: "skill_ids"
        case 10: "max_slots"
        case 11: "state"
        case 12: "conversation_id"
        case 13: "weight"
        case 14: "closed_by"
        default: nil
        }
    }
}

extension PublishEventsRequest: ProtoMessage {
    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: accountId = try reader.decodeString(tag)
        case 2: producerId = try reader.decodeString(tag)
        case 3: sequence = try reader.decodeInt64(tag)
        case 4: try reader.decodeRepeatedMessage(tag, into: &events)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(accountId, field: 1)
        visitor.visitString(producerId, field: 2)
        visitor.visitInt64(sequence, field: 3)
        visitor.visitRepeatedMessage(events, field: 4)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "account_id"
        case 2: "producer_id"
        case 3: "sequence"
        case 4: "events"
        default: nil
        }
    }
}

extension Rejection: ProtoMessage {
    /// The all-default value (ProtoMessage needs a plain `init()`).
    public init() { self.init(index: 0, reason: "") }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: index = try reader.decodeInt32(tag)
        case 2: reason = try reader.decodeString(tag)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitInt32(index, field: 1)
        visitor.visitString(reason, field: 2)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "index"
        case 2: "reason"
        default: nil
        }
    }
}

extension PublishEventsResponse: ProtoMessage {
    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: applied = try reader.decodeInt64(tag)
        case 2: rejected = try reader.decodeInt64(tag)
        case 3: duplicate = try reader.decodeBool(tag)
        case 4: try reader.decodeRepeatedMessage(tag, into: &rejections)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitInt64(applied, field: 1)
        visitor.visitInt64(rejected, field: 2)
        visitor.visitBool(duplicate, field: 3)
        visitor.visitRepeatedMessage(rejections, field: 4)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "applied"
        case 2: "rejected"
        case 3: "duplicate"
        case 4: "rejections"
        default: nil
        }
    }
}
