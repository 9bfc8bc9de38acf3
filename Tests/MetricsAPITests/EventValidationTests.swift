import MetricsAPI
import MetricsCore
import Testing

func event(_ type: String, time: Int64 = 1000, _ edit: (inout EventMessage) -> Void = { _ in }) -> EventMessage {
    var e = EventMessage()
    e.type = type
    e.time = time
    edit(&e)
    return e
}

func rejection(_ e: EventMessage) -> String? {
    do {
        _ = try e.coreEvent()
        return nil
    } catch {
        return error.reason
    }
}

@Suite struct EventValidationTests {
    @Test func everyEventTypeMapsToTheCoreEvent() throws {
        let cases: [(EventMessage, Event.Kind)] = [
            (event("skill_upserted") { $0.skillId = "s1"; $0.name = "Sales" }, .skillUpserted(skillId: "s1", name: "Sales")),
            (event("agent_group_upserted") { $0.agentGroupId = "g1"; $0.name = "EU" },
             .agentGroupUpserted(agentGroupId: "g1", name: "EU", parentGroupId: nil)),
            (event("agent_group_upserted") { $0.agentGroupId = "g2"; $0.name = "FR"; $0.parentGroupId = "g1" },
             .agentGroupUpserted(agentGroupId: "g2", name: "FR", parentGroupId: "g1")),
            (event("agent_upserted") {
                $0.agentId = "a1"; $0.name = "Ann"; $0.userType = "BOT"; $0.agentGroupId = "g1"
                $0.skillIds = ["s1", "s2"]; $0.maxSlots = 0
            }, .agentUpserted(agentId: "a1", name: "Ann", userType: .bot, agentGroupId: "g1", skillIds: ["s1", "s2"], maxSlots: 0)),
            (event("agent_state_changed") { $0.agentId = "a1"; $0.state = "BACK_SOON" },
             .agentStateChanged(agentId: "a1", state: .backSoon)),
            (event("conversation_opened") { $0.conversationId = "c1"; $0.skillId = "s1" },
             .conversationOpened(conversationId: "c1", skillId: "s1")),
            (event("consumer_message") { $0.conversationId = "c1" }, .consumerMessage(conversationId: "c1")),
            (event("conversation_assigned") { $0.conversationId = "c1"; $0.agentId = "a1" },
             .conversationAssigned(conversationId: "c1", agentId: "a1", weight: 1.0)),
            (event("conversation_assigned") { $0.conversationId = "c1"; $0.agentId = "a1"; $0.weight = 0.25 },
             .conversationAssigned(conversationId: "c1", agentId: "a1", weight: 0.25)),
            (event("conversation_unassigned") { $0.conversationId = "c1" }, .conversationUnassigned(conversationId: "c1")),
            (event("agent_message") { $0.conversationId = "c1"; $0.agentId = "a1" },
             .agentMessage(conversationId: "c1", agentId: "a1")),
            (event("skill_changed") { $0.conversationId = "c1"; $0.skillId = "s2" },
             .skillChanged(conversationId: "c1", skillId: "s2")),
            (event("conversation_closed") { $0.conversationId = "c1"; $0.closedBy = "CONSUMER" },
             .conversationClosed(conversationId: "c1", closedBy: .consumer)),
        ]
        for (message, kind) in cases {
            #expect(try message.coreEvent() == Event(time: 1000, kind: kind))
        }
    }

    @Test func emptyParentGroupIdMeansNoParent() throws {
        let e = event("agent_group_upserted") { $0.agentGroupId = "g1"; $0.name = "EU"; $0.parentGroupId = "" }
        #expect(try e.coreEvent().kind == .agentGroupUpserted(agentGroupId: "g1", name: "EU", parentGroupId: nil))
    }

    @Test(arguments: [
        (event(""), "type is required"),
        (event("skill_deleted"), "type: unknown event type \"skill_deleted\""),
        (event("skill_upserted", time: 0) { $0.skillId = "s"; $0.name = "n" }, "time is required"),
        (event("skill_upserted", time: -1) { $0.skillId = "s"; $0.name = "n" }, "time must be a positive epoch in milliseconds"),
        (event("skill_upserted") { $0.name = "n" }, "skillId is required"),
        (event("skill_upserted") { $0.skillId = "s" }, "name is required"),
        (event("agent_group_upserted") { $0.name = "n" }, "agentGroupId is required"),
        (event("agent_upserted") { $0.name = "n"; $0.userType = "HUMAN"; $0.agentGroupId = "g"; $0.maxSlots = 1 }, "agentId is required"),
        (event("agent_upserted") { $0.agentId = "a"; $0.name = "n"; $0.agentGroupId = "g"; $0.maxSlots = 1 }, "userType is required"),
        (event("agent_upserted") { $0.agentId = "a"; $0.name = "n"; $0.userType = "ROBOT"; $0.agentGroupId = "g"; $0.maxSlots = 1 },
         "userType: unknown value \"ROBOT\" (expected one of HUMAN, BOT)"),
        (event("agent_upserted") { $0.agentId = "a"; $0.name = "n"; $0.userType = "HUMAN"; $0.maxSlots = 1 }, "agentGroupId is required"),
        (event("agent_upserted") { $0.agentId = "a"; $0.name = "n"; $0.userType = "HUMAN"; $0.agentGroupId = "g" }, "maxSlots is required"),
        (event("agent_upserted") { $0.agentId = "a"; $0.name = "n"; $0.userType = "HUMAN"; $0.agentGroupId = "g"; $0.maxSlots = -1 },
         "maxSlots must not be negative"),
        (event("agent_upserted") {
            $0.agentId = "a"; $0.name = "n"; $0.userType = "HUMAN"; $0.agentGroupId = "g"; $0.maxSlots = 1; $0.skillIds = ["s", ""]
        }, "skillIds[1] is empty"),
        (event("agent_state_changed") { $0.agentId = "a" }, "state is required"),
        (event("agent_state_changed") { $0.agentId = "a"; $0.state = "BUSY" },
         "state: unknown value \"BUSY\" (expected one of ONLINE, BACK_SOON, AWAY, OFFLINE)"),
        (event("conversation_opened") { $0.conversationId = "c" }, "skillId is required"),
        (event("consumer_message"), "conversationId is required"),
        (event("conversation_assigned") { $0.conversationId = "c" }, "agentId is required"),
        (event("conversation_assigned") { $0.conversationId = "c"; $0.agentId = "a"; $0.weight = 0 },
         "weight must be a finite number greater than 0"),
        (event("conversation_assigned") { $0.conversationId = "c"; $0.agentId = "a"; $0.weight = -1 },
         "weight must be a finite number greater than 0"),
        (event("conversation_assigned") { $0.conversationId = "c"; $0.agentId = "a"; $0.weight = .nan },
         "weight must be a finite number greater than 0"),
        (event("conversation_assigned") { $0.conversationId = "c"; $0.agentId = "a"; $0.weight = .infinity },
         "weight must be a finite number greater than 0"),
        (event("agent_message") { $0.conversationId = "c" }, "agentId is required"),
        (event("skill_changed") { $0.conversationId = "c" }, "skillId is required"),
        (event("conversation_closed") { $0.conversationId = "c" }, "closedBy is required"),
        (event("conversation_closed") { $0.conversationId = "c"; $0.closedBy = "BOT" },
         "closedBy: unknown value \"BOT\" (expected one of AGENT, CONSUMER, SYSTEM)"),
    ])
    func badlyShapedEventsAreRejectedNamingTheField(_ e: EventMessage, _ reason: String) {
        #expect(rejection(e) == reason)
    }

    @Test func fieldsOfOtherTypesAreIgnored() throws {
        let e = event("consumer_message") { $0.conversationId = "c"; $0.agentId = "zzz"; $0.weight = -5; $0.state = "??" }
        #expect(try e.coreEvent().kind == .consumerMessage(conversationId: "c"))
    }

    @Test func badEventsAreRejectedOneByOneNotTheWholeBatch() throws {
        var req = PublishEventsRequest.with([
            event("consumer_message") { $0.conversationId = "c1" },
            event("consumer_message"),
            event("nope"),
        ])
        req.accountId = "acme"
        let batch = try req.validated()
        #expect(batch.accountId == "acme" && batch.producerId == "p1" && batch.sequence == 1)
        #expect(batch.entries == [
            .success(Event(time: 1000, kind: .consumerMessage(conversationId: "c1"))),
            .failure(EventRejection("conversationId is required")),
            .failure(EventRejection("type: unknown event type \"nope\"")),
        ])
    }

    @Test func batchLevelProblemsAreInvalidArgument() {
        func check(_ edit: (inout PublishEventsRequest) -> Void, _ message: String) {
            var req = PublishEventsRequest.with([])
            req.accountId = "acme"
            edit(&req)
            do {
                _ = try req.validated()
                Issue.record("accepted")
            } catch {
                #expect(error == APIError.invalidArgument(message))
            }
        }
        check({ $0.producerId = "" }, "producerId is required")
        check({ $0.sequence = 0 }, "sequence must be a positive integer")
        check({ $0.sequence = -4 }, "sequence must be a positive integer")
        check({ $0.accountId = "" }, "accountId must match [A-Za-z0-9_.-]{1,64}")
    }

    @Test func anEmptyBatchIsValid() throws {
        var req = PublishEventsRequest.with([])
        req.accountId = "acme"
        #expect(try req.validated().entries.isEmpty)
    }

    @Test("every event type survives the binary codec, including types decoding shares storage for", arguments: [
        "skill_upserted", "agent_group_upserted", "agent_upserted", "agent_state_changed",
        "conversation_opened", "consumer_message", "conversation_assigned", "conversation_unassigned",
        "agent_message", "skill_changed", "conversation_closed", "conversation_reopened",
    ])
    func eventTypeRoundTrip(_ type: String) throws {
        var request = PublishEventsRequest()
        request.events = [event(type), event(type, time: 2000)]
        #expect(try PublishEventsRequest(protobufBytes: request.protobufBytes()) == request)
    }
}
