/// The size and shape of a simulated account.
public struct SimulatorConfig: Sendable, Equatable {
    public var agents: Int
    public var groups: Int
    /// Levels of the group forest (1 = only roots).
    public var groupDepth: Int
    public var skills: Int
    public var conversations: Int
    /// Conversations open uniformly over this span after `startMs`.
    public var durationMs: Int64
    public var startMs: Int64
    public var botFraction: Double
    /// Share of conversations that also produce an event the core must reject.
    public var inconsistentFraction: Double
    /// Directory changes (state changes, agents moving group, group moves) per conversation.
    public var churnPerConversation: Double
    /// Conversation ids as 36-character lowercase UUIDs (what production callers send) instead
    /// of short "c<n>" ids. Short ids fit inline in a String; UUIDs live in a heap buffer of
    /// their own, one more memory access wherever an id is hashed or compared.
    public var uuidConversationIds = false

    public init(
        agents: Int, groups: Int, groupDepth: Int, skills: Int, conversations: Int, durationMs: Int64,
        startMs: Int64, botFraction: Double = 0.1, inconsistentFraction: Double = 0.01,
        churnPerConversation: Double = 0.05
    ) {
        self.agents = max(agents, 1)
        self.groups = max(groups, 1)
        self.groupDepth = max(groupDepth, 1)
        self.skills = max(skills, 1)
        self.conversations = max(conversations, 0)
        self.durationMs = max(durationMs, 1)
        self.startMs = startMs
        self.botFraction = botFraction
        self.inconsistentFraction = inconsistentFraction
        self.churnPerConversation = churnPerConversation
    }

    /// A lively small account for `metricsd serve --demo`: 24 h of history ending at `startMs + 24 h`.
    public static func demo(startMs: Int64) -> SimulatorConfig {
        SimulatorConfig(
            agents: 200, groups: 20, groupDepth: 3, skills: 12, conversations: 20_000,
            durationMs: 86_400_000, startMs: startMs)
    }

    /// Production scale: 20,000 agents, 2,000 groups of depth 6, 1,000 skills, 2 million
    /// conversations (about 25 million events) over 24 h.
    public static func production(startMs: Int64) -> SimulatorConfig {
        SimulatorConfig(
            agents: 20_000, groups: 2_000, groupDepth: 6, skills: 1_000, conversations: 2_000_000,
            durationMs: 86_400_000, startMs: startMs, inconsistentFraction: 0.002, churnPerConversation: 0.02)
    }

    /// Tiny accounts for property tests: few ids so that collisions and edge cases are common.
    public static func small(startMs: Int64, conversations: Int = 60) -> SimulatorConfig {
        SimulatorConfig(
            agents: 8, groups: 5, groupDepth: 3, skills: 4, conversations: conversations,
            durationMs: 3 * 3_600_000, startMs: startMs, botFraction: 0.25, inconsistentFraction: 0.1,
            churnPerConversation: 0.3)
    }
}
