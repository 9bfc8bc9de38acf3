import MetricsCore
import ProtoWire

// Binary codecs of the GetMetrics request messages (proto/manager_workspace/v1/metrics.proto).
// Field numbers are the contract's; traverseFields lists them in ascending order so our bytes
// equal protoc's.

extension GetMetricsRequest: ProtoMessage {
    /// Metric, section and groupBy names as requests spell them: decoded as shared strings.
    static let knownNames = ProtoInternedStrings(
        Metric.allCases.map(\.requestName) + ["all", "groupBy", "skillId", "agentGroupId"])

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: accountId = try reader.decodeString(tag)
        case 2: offset = try reader.decodeInt64(tag)
        case 3: limit = try reader.decodeInt32(tag)
        case 4: sort = try reader.decodeString(tag)
        case 5: try reader.decodeMessage(tag, into: &filters)
        case 6: try reader.decodeRepeatedString(tag, into: &metricsToRetrieveByTime, preferring: Self.knownNames)
        case 7: try reader.decodeRepeatedString(tag, into: &metricsToRetrieveCurrentValue, preferring: Self.knownNames)
        case 8: try reader.decodeRepeatedString(tag, into: &responseSections, preferring: Self.knownNames)
        case 9: groupBy = try reader.decodeString(tag, preferring: Self.knownNames)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(accountId, field: 1)
        visitor.visitInt64(offset, field: 2)
        visitor.visitInt32(limit, field: 3)
        visitor.visitString(sort, field: 4)
        visitor.visitMessage(filters, field: 5)
        visitor.visitRepeatedString(metricsToRetrieveByTime, field: 6)
        visitor.visitRepeatedString(metricsToRetrieveCurrentValue, field: 7)
        visitor.visitRepeatedString(responseSections, field: 8)
        visitor.visitString(groupBy, field: 9)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "account_id"
        case 2: "offset"
        case 3: "limit"
        case 4: "sort"
        case 5: "filters"
        case 6: "metrics_to_retrieve_by_time"
        case 7: "metrics_to_retrieve_current_value"
        case 8: "response_sections"
        case 9: "group_by"
        default: nil
        }
    }
}

extension Filters: ProtoMessage {
    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: try reader.decodeMessage(tag, into: &time)
        case 2: try reader.decodeRepeatedString(tag, into: &agentIds)
        case 3: try reader.decodeRepeatedString(tag, into: &agentGroupIds)
        case 4: try reader.decodeRepeatedString(tag, into: &skillIds)
        case 5: try reader.decodeRepeatedString(tag, into: &userTypes)
        case 6: includeSubGroups = try reader.decodeBool(tag)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitMessage(time, field: 1)
        visitor.visitRepeatedString(agentIds, field: 2)
        visitor.visitRepeatedString(agentGroupIds, field: 3)
        visitor.visitRepeatedString(skillIds, field: 4)
        visitor.visitRepeatedString(userTypes, field: 5)
        visitor.visitBool(includeSubGroups, field: 6)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "time"
        case 2: "agent_ids"
        case 3: "agent_group_ids"
        case 4: "skill_ids"
        case 5: "user_types"
        case 6: "include_sub_groups"
        default: nil
        }
    }
}

extension TimeRange: ProtoMessage {
    /// The all-default value (ProtoMessage needs a plain `init()`).
    public init() { self.init(fromMs: 0, toMs: 0) }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: fromMs = try reader.decodeInt64(tag)
        case 2: toMs = try reader.decodeInt64(tag)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitInt64(fromMs, field: 1)
        visitor.visitInt64(toMs, field: 2)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "from_ms"
        case 2: "to_ms"
        default: nil
        }
    }
}
