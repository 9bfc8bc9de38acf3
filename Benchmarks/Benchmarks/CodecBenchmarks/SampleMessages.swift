import MetricsAPI
import MetricsCore

/// The two messages the codec benchmarks encode and decode, built deterministically (seeded
/// SplitMix64) so every run and every codec works on the same value: a dashboard page of
/// 50 groups × 15 metrics, and a 1000-event publish batch mixing all eleven event types.
enum SampleMessages {
    static let groupCount = 50
    static let eventCount = 1000

    /// Fifteen of the eighteen metrics, counts and doubles mixed, as a dashboard asks for them.
    static let dashboardMetrics: [Metric] = [
        .closedConversations, .closedByAgent, .closedByConsumer, .autoClosed,
        .avgTimeToResponse, .avgTimeToFirstResponseFirstAssignment, .avgWaitTime,
        .avgWaitTimeFirstResponse, .assignedConversations, .activeConversations,
        .onlineAgents, .awayAgents, .availableSlots, .agentLoad, .humanAgentLoad,
    ]

    static let response: GetMetricsResponse = {
        var rng = SplitMix64(seed: 2026)
        var r = GetMetricsResponse()
        var metadata = Metadata()
        metadata.count = 437
        let base = "/api/account/41838577/metrics?groupBy=agentGroupId&sort=closedConversations:desc&limit=50"
        metadata.first = Link(rel: "first", href: base + "&offset=0")
        metadata.prev = Link(rel: "prev", href: base + "&offset=50")
        metadata.`self` = Link(rel: "self", href: base + "&offset=100")
        metadata.next = Link(rel: "next", href: base + "&offset=150")
        metadata.last = Link(rel: "last", href: base + "&offset=400")
        r.metadata = metadata

        let regions = ["EMEA", "AMER", "APAC", "LATAM"]
        let teams = ["Billing", "Sales", "Technical Support", "Retention", "Onboarding", "VIP Care"]
        var section = GroupBySection()
        section.groupByField = "agentGroupId"
        for i in 0..<groupCount {
            let id = 1_284_730_000 + Int64(i) * 7_919 + Int64.random(in: 0..<7_919, using: &rng)
            let name = "\(teams[i % teams.count]) \(regions[i % regions.count]) – Tier \(i % 3 + 1)"
            section.groups.append(Group(key: String(id), keyDescription: name, metrics: metrics(&rng)))
        }
        r.groupBy = section
        r.all = AllSection(metrics: metrics(&rng))
        return r
    }()

    /// Counts of realistic magnitude; doubles rounded to 3 decimals as ResponseBuilder does.
    static func metrics(_ rng: inout SplitMix64) -> Metrics {
        var m = Metrics()
        for metric in dashboardMetrics {
            switch metric.valueType {
            case .count:
                m[metric] = .count(Int64.random(in: 0...4_000, using: &rng))
            case .double:
                let raw = Double.random(in: 0...180_000, using: &rng)
                m[metric] = .double((raw * 1000).rounded() / 1000)
            }
        }
        // Loads are fractions.
        m.agentLoad = Double(Int.random(in: 0...1000, using: &rng)) / 1000
        m.humanAgentLoad = Double(Int.random(in: 0...1000, using: &rng)) / 1000
        return m
    }

    static let publish: PublishEventsRequest = {
        var rng = SplitMix64(seed: 7)
        var req = PublishEventsRequest()
        req.accountId = "41838577"
        req.producerId = "cc-gateway-eu-west-1-7f9c"
        req.sequence = 1_048_576
        var time: Int64 = 1_767_225_600_000
        // Ids in the shapes a contact-center platform produces: numeric agent, group and skill
        // ids, UUID conversation ids.
        func agent(_ rng: inout SplitMix64) -> String { String(3_712_345_000 + Int.random(in: 0..<600, using: &rng)) }
        func group(_ rng: inout SplitMix64) -> String { String(1_284_730_000 + Int.random(in: 0..<400, using: &rng) * 7) }
        func skill(_ rng: inout SplitMix64) -> String { String(2_910_000_000 + Int.random(in: 0..<120, using: &rng) * 13) }
        func conversation(_ rng: inout SplitMix64) -> String {
            let a = rng.next(), b = rng.next()
            return hex(a >> 32, 8) + "-" + hex(a >> 16 & 0xFFFF, 4) + "-4" + hex(a & 0xFFF, 3) + "-a"
                + hex(b >> 48 & 0xFFF, 3) + "-" + hex(b & 0xFFFF_FFFF_FFFF, 12)
        }
        // Conversation traffic dominates a real stream; directory updates are rarer.
        let mix: [(String, Int)] = [
            ("consumer_message", 24), ("agent_message", 24), ("conversation_opened", 10),
            ("conversation_assigned", 10), ("conversation_closed", 9), ("agent_state_changed", 8),
            ("conversation_unassigned", 3), ("skill_changed", 3), ("agent_upserted", 4),
            ("agent_group_upserted", 2), ("skill_upserted", 3),
        ]
        let total = mix.reduce(0) { $0 + $1.1 }
        for i in 0..<eventCount {
            // The first eleven cover every type once; the rest follow the weights.
            var type = mix[i % mix.count].0
            if i >= mix.count {
                var pick = Int.random(in: 0..<total, using: &rng)
                for (name, weight) in mix {
                    if pick < weight { type = name; break }
                    pick -= weight
                }
            }
            time += Int64.random(in: 0...120, using: &rng)
            var e = EventMessage()
            e.type = type
            e.time = time
            switch type {
            case "skill_upserted":
                e.skillId = skill(&rng)
                e.name = ["Billing EN", "Sales DE", "Tech Support FR", "Retention ES"][i % 4]
            case "agent_group_upserted":
                e.agentGroupId = group(&rng)
                e.name = "Team \(i % 97) – \(["Berlin", "Dublin", "Austin", "Manila"][i % 4])"
                e.parentGroupId = i % 5 == 0 ? nil : group(&rng)
            case "agent_upserted":
                e.agentId = agent(&rng)
                e.name = ["Ana García", "Lukas Müller", "Priya Natarajan", "Tom O'Brien", "Chen Wei"][i % 5]
                e.userType = i % 6 == 0 ? "BOT" : "HUMAN"
                e.agentGroupId = group(&rng)
                e.skillIds = (0..<Int.random(in: 1...4, using: &rng)).map { _ in skill(&rng) }
                e.maxSlots = Int32.random(in: 1...8, using: &rng)
            case "agent_state_changed":
                e.agentId = agent(&rng)
                e.state = ["ONLINE", "BACK_SOON", "AWAY", "OFFLINE"][Int.random(in: 0..<4, using: &rng)]
            case "conversation_opened":
                e.conversationId = conversation(&rng)
                e.skillId = skill(&rng)
            case "conversation_assigned":
                e.conversationId = conversation(&rng)
                e.agentId = agent(&rng)
                e.weight = [1.0, 1.0, 0.5, 1.5, 2.0][Int.random(in: 0..<5, using: &rng)]
            case "agent_message":
                e.conversationId = conversation(&rng)
                e.agentId = agent(&rng)
            case "skill_changed":
                e.conversationId = conversation(&rng)
                e.skillId = skill(&rng)
            case "conversation_closed":
                e.conversationId = conversation(&rng)
                e.closedBy = ["AGENT", "CONSUMER", "SYSTEM"][Int.random(in: 0..<3, using: &rng)]
            default:  // consumer_message, conversation_unassigned
                e.conversationId = conversation(&rng)
            }
            req.events.append(e)
        }
        return req
    }()

    private static func hex(_ value: UInt64, _ digits: Int) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
