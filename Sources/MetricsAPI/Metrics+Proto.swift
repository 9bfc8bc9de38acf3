import ProtoWire

// Metrics: every field is proto3 `optional`, so a present zero is written and "requested but
// no data" (nil) survives the wire.

extension Metrics: ProtoMessage {
    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: closedConversations = try reader.decodeInt64(tag)
        case 2: closedByAgent = try reader.decodeInt64(tag)
        case 3: closedByConsumer = try reader.decodeInt64(tag)
        case 4: autoClosed = try reader.decodeInt64(tag)
        case 5: avgTimeToResponse = try reader.decodeDouble(tag)
        case 6: avgTimeToFirstResponseFirstAssignment = try reader.decodeDouble(tag)
        case 7: avgTimeToFirstResponseAllAssignments = try reader.decodeDouble(tag)
        case 8: avgWaitTime = try reader.decodeDouble(tag)
        case 9: avgWaitTimeFirstResponse = try reader.decodeDouble(tag)
        case 10: assignedConversations = try reader.decodeInt64(tag)
        case 11: activeConversations = try reader.decodeInt64(tag)
        case 12: onlineAgents = try reader.decodeInt64(tag)
        case 13: awayAgents = try reader.decodeInt64(tag)
        case 14: backSoonAgents = try reader.decodeInt64(tag)
        case 15: availableSlots = try reader.decodeInt64(tag)
        case 16: agentLoad = try reader.decodeDouble(tag)
        case 17: humanAgentLoad = try reader.decodeDouble(tag)
        case 18: humanOnlineLoad = try reader.decodeDouble(tag)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitOptionalInt64(closedConversations, field: 1)
        visitor.visitOptionalInt64(closedByAgent, field: 2)
        visitor.visitOptionalInt64(closedByConsumer, field: 3)
        visitor.visitOptionalInt64(autoClosed, field: 4)
        visitor.visitOptionalDouble(avgTimeToResponse, field: 5)
        visitor.visitOptionalDouble(avgTimeToFirstResponseFirstAssignment, field: 6)
        visitor.visitOptionalDouble(avgTimeToFirstResponseAllAssignments, field: 7)
        visitor.visitOptionalDouble(avgWaitTime, field: 8)
        visitor.visitOptionalDouble(avgWaitTimeFirstResponse, field: 9)
        visitor.visitOptionalInt64(assignedConversations, field: 10)
        visitor.visitOptionalInt64(activeConversations, field: 11)
        visitor.visitOptionalInt64(onlineAgents, field: 12)
        visitor.visitOptionalInt64(awayAgents, field: 13)
        visitor.visitOptionalInt64(backSoonAgents, field: 14)
        visitor.visitOptionalInt64(availableSlots, field: 15)
        visitor.visitOptionalDouble(agentLoad, field: 16)
        visitor.visitOptionalDouble(humanAgentLoad, field: 17)
        visitor.visitOptionalDouble(humanOnlineLoad, field: 18)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "closed_conversations"
        case 2: "closed_by_agent"
        case 3: "closed_by_consumer"
        case 4: "auto_closed"
        case 5: "avg_time_to_response"
        case 6: "avg_time_to_first_response_first_assignment"
        case 7: "avg_time_to_first_response_all_assignments"
        case 8: "avg_wait_time"
        case 9: "avg_wait_time_first_response"
        case 10: "assigned_conversations"
        case 11: "active_conversations"
        case 12: "online_agents"
        case 13: "away_agents"
        case 14: "back_soon_agents"
        case 15: "available_slots"
        case 16: "agent_load"
        case 17: "human_agent_load"
        case 18: "human_online_load"
        default: nil
        }
    }
}
