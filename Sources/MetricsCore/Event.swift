public enum UserType: String, Sendable, Hashable, CaseIterable {
    case human = "HUMAN"
    case bot = "BOT"
}

public enum AgentState: String, Sendable, Hashable, CaseIterable {
    case online = "ONLINE"
    case backSoon = "BACK_SOON"
    case away = "AWAY"
    case offline = "OFFLINE"
}

public enum ClosedBy: String, Sendable, Hashable, CaseIterable {
    case agent = "AGENT"
    case consumer = "CONSUMER"
    case system = "SYSTEM"
}

/// One directory or conversation event of SPEC §2, already checked for shape by MetricsAPI
/// (known type, required fields present). Consistency with the account's state (unknown
/// conversation, closed conversation, cycle in the group forest) is the core's to judge.
public struct Event: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case skillUpserted(skillId: String, name: String)
        case agentGroupUpserted(agentGroupId: String, name: String, parentGroupId: String?)
        case agentUpserted(
            agentId: String, name: String, userType: UserType, agentGroupId: String,
            skillIds: [String], maxSlots: Int)
        case agentStateChanged(agentId: String, state: AgentState)
        case conversationOpened(conversationId: String, skillId: String)
        case consumerMessage(conversationId: String)
        case conversationAssigned(conversationId: String, agentId: String, weight: Double)
        case conversationUnassigned(conversationId: String)
        case agentMessage(conversationId: String, agentId: String)
        case skillChanged(conversationId: String, skillId: String)
        case conversationClosed(conversationId: String, closedBy: ClosedBy)
    }

    /// Epoch milliseconds.
    public var time: Int64
    public var kind: Kind

    public init(time: Int64, kind: Kind) {
        self.time = time
        self.kind = kind
    }
}
