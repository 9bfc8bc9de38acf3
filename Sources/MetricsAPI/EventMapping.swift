public import MetricsCore

/// Why one event of a batch has the wrong shape; `reason` names the field inside the event
/// (its position goes in `Rejection.index`).
public struct EventRejection: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A publish request whose batch-level fields are valid. Each event is either a core event or
/// the reason it was rejected: a badly shaped event is counted as rejected in the reply, like an
/// event about an unknown conversation, rather than failing the whole batch (SPEC §2/§4). The
/// core still judges consistency (unknown or closed conversation, group cycles).
public struct EventBatch: Sendable, Equatable {
    public var accountId: String
    public var producerId: String
    public var sequence: Int64
    /// One entry per event of the request, in request order.
    public var entries: [Result<Event, EventRejection>]
}

extension PublishEventsRequest {
    /// Batch-level problems (account id, producer id, sequence) are INVALID_ARGUMENT for the
    /// whole request; event-level problems become rejected entries.
    public func validated() throws(APIError) -> EventBatch {
        try MetricsRequestRules.checkAccountId(accountId)
        guard !producerId.isEmpty else { throw .invalidArgument("producerId is required") }
        // 0 is protobuf's "absent"; sequences start at 1.
        guard sequence > 0 else { throw .invalidArgument("sequence must be a positive integer") }
        return EventBatch(
            accountId: accountId, producerId: producerId, sequence: sequence,
            entries: events.map { e in Result { () throws(EventRejection) in try e.coreEvent() } })
    }
}

extension EventMessage {
    /// The core event, or why not. Rules (docs/api.md): `type` must be one of SPEC §2's; `time`
    /// is a positive epoch ms; every field of the type is required and non-empty except
    /// `parentGroupId` (empty means none) and `weight` (absent means 1.0; it must be finite and
    /// > 0); `skillIds` may be empty but not hold an empty id; `maxSlots` ≥ 0; `userType`,
    /// `state` and `closedBy` must be one of their enum spellings. Fields that do not belong to
    /// the type are ignored.
    public func coreEvent() throws(EventRejection) -> Event {
        guard !type.isEmpty else { throw EventRejection("type is required") }
        guard time != 0 else { throw EventRejection("time is required") }
        guard time > 0 else { throw EventRejection("time must be a positive epoch in milliseconds") }
        let kind: Event.Kind
        switch type {
        case "skill_upserted":
            kind = .skillUpserted(skillId: try required(skillId, "skillId"), name: try required(name, "name"))
        case "agent_group_upserted":
            let parent = parentGroupId.flatMap { $0.isEmpty ? nil : $0 }
            kind = .agentGroupUpserted(
                agentGroupId: try required(agentGroupId, "agentGroupId"), name: try required(name, "name"),
                parentGroupId: parent)
        case "agent_upserted":
            let agentId = try required(agentId, "agentId")
            let name = try required(name, "name")
            let userType = try enumValue(UserType.self, userType, "userType")
            let groupId = try required(agentGroupId, "agentGroupId")
            for (i, id) in skillIds.enumerated() where id.isEmpty {
                throw EventRejection("skillIds[\(i)] is empty")
            }
            guard let maxSlots else { throw EventRejection("maxSlots is required") }
            guard maxSlots >= 0 else { throw EventRejection("maxSlots must not be negative") }
            kind = .agentUpserted(
                agentId: agentId, name: name, userType: userType, agentGroupId: groupId, skillIds: skillIds,
                maxSlots: Int(maxSlots))
        case "agent_state_changed":
            kind = .agentStateChanged(
                agentId: try required(agentId, "agentId"), state: try enumValue(AgentState.self, state, "state"))
        case "conversation_opened":
            kind = .conversationOpened(
                conversationId: try required(conversationId, "conversationId"),
                skillId: try required(skillId, "skillId"))
        case "consumer_message":
            kind = .consumerMessage(conversationId: try required(conversationId, "conversationId"))
        case "conversation_assigned":
            let w = weight ?? 1.0
            guard w.isFinite && w > 0 else { throw EventRejection("weight must be a finite number greater than 0") }
            kind = .conversationAssigned(
                conversationId: try required(conversationId, "conversationId"),
                agentId: try required(agentId, "agentId"), weight: w)
        case "conversation_unassigned":
            kind = .conversationUnassigned(conversationId: try required(conversationId, "conversationId"))
        case "agent_message":
            kind = .agentMessage(
                conversationId: try required(conversationId, "conversationId"),
                agentId: try required(agentId, "agentId"))
        case "skill_changed":
            kind = .skillChanged(
                conversationId: try required(conversationId, "conversationId"),
                skillId: try required(skillId, "skillId"))
        case "conversation_closed":
            kind = .conversationClosed(
                conversationId: try required(conversationId, "conversationId"),
                closedBy: try enumValue(ClosedBy.self, closedBy, "closedBy"))
        default:
            throw EventRejection("type: unknown event type \"\(type)\"")
        }
        return Event(time: time, kind: kind)
    }

    private func required(_ value: String, _ field: String) throws(EventRejection) -> String {
        guard !value.isEmpty else { throw EventRejection("\(field) is required") }
        return value
    }

    private func enumValue<E: RawRepresentable & CaseIterable>(
        _: E.Type, _ value: String, _ field: String
    ) throws(EventRejection) -> E where E.RawValue == String {
        guard !value.isEmpty else { throw EventRejection("\(field) is required") }
        guard let v = E(rawValue: value) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw EventRejection("\(field): unknown value \"\(value)\" (expected one of \(allowed))")
        }
        return v
    }
}

extension Event {
    /// The inverse of `EventMessage.coreEvent()`, for producers and tests (weight is written
    /// even when it is the default 1.0).
    public var message: EventMessage {
        var m = EventMessage()
        m.time = time
        switch kind {
        case .skillUpserted(let skillId, let name):
            m.type = "skill_upserted"
            m.skillId = skillId
            m.name = name
        case .agentGroupUpserted(let agentGroupId, let name, let parentGroupId):
            m.type = "agent_group_upserted"
            m.agentGroupId = agentGroupId
            m.name = name
            m.parentGroupId = parentGroupId
        case .agentUpserted(let agentId, let name, let userType, let agentGroupId, let skillIds, let maxSlots):
            m.type = "agent_upserted"
            m.agentId = agentId
            m.name = name
            m.userType = userType.rawValue
            m.agentGroupId = agentGroupId
            m.skillIds = skillIds
            m.maxSlots = Int32(clamping: maxSlots)
        case .agentStateChanged(let agentId, let state):
            m.type = "agent_state_changed"
            m.agentId = agentId
            m.state = state.rawValue
        case .conversationOpened(let conversationId, let skillId):
            m.type = "conversation_opened"
            m.conversationId = conversationId
            m.skillId = skillId
        case .consumerMessage(let conversationId):
            m.type = "consumer_message"
            m.conversationId = conversationId
        case .conversationAssigned(let conversationId, let agentId, let weight):
            m.type = "conversation_assigned"
            m.conversationId = conversationId
            m.agentId = agentId
            m.weight = weight
        case .conversationUnassigned(let conversationId):
            m.type = "conversation_unassigned"
            m.conversationId = conversationId
        case .agentMessage(let conversationId, let agentId):
            m.type = "agent_message"
            m.conversationId = conversationId
            m.agentId = agentId
        case .skillChanged(let conversationId, let skillId):
            m.type = "skill_changed"
            m.conversationId = conversationId
            m.skillId = skillId
        case .conversationClosed(let conversationId, let closedBy):
            m.type = "conversation_closed"
            m.conversationId = conversationId
            m.closedBy = closedBy.rawValue
        }
        return m
    }
}
