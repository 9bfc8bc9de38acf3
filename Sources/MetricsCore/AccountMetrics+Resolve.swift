/// The first part of applying an event: reading it in place and resolving its ids to indexes,
/// with every check that can reject it, so that the mutation part (`AccountMetrics.apply`)
/// takes only integers and never copies the event.
extension AccountMetrics {
    /// What applying an event does, with its ids resolved.
    enum Step {
        case rejected(Rejection)
        /// An event that stores strings of its own (directory upserts, which are checked when
        /// applied; a conversation's open; a skill change to a skill id not interned yet, of
        /// conversation `conversation`): applied from the event itself.
        case storing(conversation: Int32)
        case agentState(agent: Int32, AgentState)
        case conversation(Int32, ConversationStep)
    }

    /// An event about an open conversation that accepts it (its time is not before the
    /// conversation's previous event).
    enum ConversationStep {
        case consumerMessage
        case assigned(agent: Int32, weight: Double)
        case unassigned
        case agentMessage(agent: Int32)
        case skillChanged(skill: Int32)
        case closed(ClosedBy)
    }

    /// Why `resolve` rejected an event; `reason(_:_:)` words it, naming the event's ids.
    enum Rejection {
        case unknownConversation, alreadyOpen, closedConversation, timeBeforePrevious
        case unknownAgent, invalidWeight
    }

    /// Reads `event` (its strings only borrowed, for the lookups) and changes nothing.
    @inline(__always)
    func resolve(_ event: Event, tags: EventTags) -> Step {
        let t = event.time
        switch event.kind {
        case .skillUpserted, .agentGroupUpserted, .agentUpserted:
            return .storing(conversation: -1)

        case let .agentStateChanged(agentId, state):
            guard let a = directory.agents.find(agentId, tag: tags.agent) else { return .rejected(.unknownAgent) }
            return .agentState(agent: a, state)

        case let .conversationOpened(cid, _):
            guard let c = conversations.find(cid, tag: tags.conversation) else { return .storing(conversation: -1) }
            return .rejected(conversations.records[Int(c)].isOpen ? .alreadyOpen : .closedConversation)

        case let .consumerMessage(cid):
            let (c, why) = openConversation(cid, time: t, tag: tags.conversation)
            if let why { return .rejected(why) }
            return .conversation(c, .consumerMessage)

        case let .conversationAssigned(cid, agentId, weight):
            let (c, why) = openConversation(cid, time: t, tag: tags.conversation)
            if let why { return .rejected(why) }
            guard let a = directory.agents.find(agentId, tag: tags.agent) else { return .rejected(.unknownAgent) }
            guard weight.isFinite, weight >= 0 else { return .rejected(.invalidWeight) }
            return .conversation(c, .assigned(agent: a, weight: weight))

        case let .conversationUnassigned(cid):
            let (c, why) = openConversation(cid, time: t, tag: tags.conversation)
            if let why { return .rejected(why) }
            return .conversation(c, .unassigned)

        case let .agentMessage(cid, agentId):
            let (c, why) = openConversation(cid, time: t, tag: tags.conversation)
            if let why { return .rejected(why) }
            guard let a = directory.agents.find(agentId, tag: tags.agent) else { return .rejected(.unknownAgent) }
            return .conversation(c, .agentMessage(agent: a))

        case let .skillChanged(cid, skillId):
            let (c, why) = openConversation(cid, time: t, tag: tags.conversation)
            if let why { return .rejected(why) }
            guard let s = directory.skills.find(skillId) else { return .storing(conversation: c) }
            return .conversation(c, .skillChanged(skill: s))

        case let .conversationClosed(cid, closedBy):
            let (c, why) = openConversation(cid, time: t, tag: tags.conversation)
            if let why { return .rejected(why) }
            return .conversation(c, .closed(closedBy))
        }
    }

    /// The slot of conversation `cid` if it is open and accepts an event at `t`, else why not.
    @inline(__always)
    private func openConversation(_ cid: String, time t: Int64, tag: UInt32) -> (Int32, Rejection?) {
        guard let c = conversations.find(cid, tag: tag) else { return (-1, .unknownConversation) }
        guard conversations.records[Int(c)].isOpen else { return (c, .closedConversation) }
        guard t >= conversations.records[Int(c)].lastTime else { return (c, .timeBeforePrevious) }
        return (c, nil)
    }

    /// The rejection's message, naming the ids of `event` it is about.
    static func reason(_ rejection: Rejection, _ event: Event) -> String {
        let cid = conversationId(of: event.kind)
        switch (rejection, event.kind) {
        case (.unknownConversation, _): return "unknown conversation \(cid)"
        case (.alreadyOpen, _): return "conversation \(cid) is already open"
        case (.closedConversation, _): return "conversation \(cid) is closed"
        case (.timeBeforePrevious, _): return "conversation \(cid): time \(event.time) is before its previous event"
        case let (.unknownAgent, .agentStateChanged(agentId, _)), let (.unknownAgent, .conversationAssigned(_, agentId, _)),
            let (.unknownAgent, .agentMessage(_, agentId)):
            return "unknown agent \(agentId)"
        case let (.invalidWeight, .conversationAssigned(_, _, weight)):
            return "conversation \(cid): weight \(weight) is invalid"
        default:
            preconditionFailure("resolve gave \(rejection) for an event that cannot have it")
        }
    }

    /// The conversation id of a conversation event, "" for the others.
    static func conversationId(of kind: Event.Kind) -> String {
        switch kind {
        case let .consumerMessage(c), let .conversationUnassigned(c): return c
        case let .conversationAssigned(c, _, _), let .agentMessage(c, _), let .skillChanged(c, _),
            let .conversationClosed(c, _), let .conversationOpened(c, _):
            return c
        default: return ""
        }
    }
}
