@testable import MetricsAPI
import PropertyBased
import Testing

/// encode → decode gives back the same value, for random values of every message.
@Suite struct JSONRoundTripTests {
    @Test func getMetricsRequestBodyRoundTrips() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let req = Random.requestBody(&rng)
            let decoded = try GetMetricsRequest(jsonBody: req.jsonBody())
            #expect(decoded == req)
        }
    }

    @Test func getMetricsRequestQueryStringRoundTrips() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            var req = GetMetricsRequest()
            req.offset = Random.int64(&rng)
            req.limit = Int32.random(in: Int32.min...Int32.max, using: &rng)
            req.sort = Random.string(&rng)
            var back = GetMetricsRequest()
            try back.applyRESTQuery(Substring(req.restQueryString()))
            #expect(back == req)
        }
    }

    @Test func getMetricsResponseRoundTrips() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let resp = Random.response(&rng)
            let decoded = try GetMetricsResponse(jsonBytes: resp.jsonBytes())
            #expect(decoded == resp)
        }
    }

    @Test func publishEventsRequestRoundTrips() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let req = Random.publishRequest(&rng)
            let decoded = try PublishEventsRequest(jsonBody: req.jsonBody())
            #expect(decoded == req)
        }
    }

    @Test func publishEventsResponseRoundTrips() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let resp = Random.publishResponse(&rng)
            let decoded = try PublishEventsResponse(jsonBytes: resp.jsonBytes())
            #expect(decoded == resp)
        }
    }

    @Test func apiErrorBodyRoundTrips() async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let code = APIError.Code(rawValue: Int.random(in: 0...16, using: &rng))
            let err = APIError(
                code: code, message: Random.string(&rng), httpStatus: Int.random(in: 100...599, using: &rng))
            let decoded = try APIError(jsonBody: err.jsonBody())
            #expect(decoded == err)
        }
    }

    @Test func validEventsRoundTripThroughTheCoreEvent() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let event = Random.coreEvent(&rng)
            let message = event.message
            let decoded = try message.coreEvent()
            #expect(decoded == event)
            let events = try PublishEventsRequest(jsonBody: PublishEventsRequest.with([message]).jsonBody()).events
            #expect(events == [message])
        }
    }
}

extension PublishEventsRequest {
    static func with(_ events: [EventMessage]) -> PublishEventsRequest {
        var r = PublishEventsRequest()
        r.producerId = "p1"
        r.sequence = 1
        r.events = events
        return r
    }
}

import MetricsCore

extension Random {
    static func id(_ rng: inout SplitMix) -> String {
        let s = string(&rng)
        return s.isEmpty ? "x" : s
    }

    static func coreEvent(_ rng: inout SplitMix) -> Event {
        let time = Int64.random(in: 1...Int64.max, using: &rng)
        let kind: Event.Kind
        switch Int.random(in: 0...10, using: &rng) {
        case 0: kind = .skillUpserted(skillId: id(&rng), name: id(&rng))
        case 1:
            kind = .agentGroupUpserted(
                agentGroupId: id(&rng), name: id(&rng), parentGroupId: optional(&rng) { id(&$0) })
        case 2:
            kind = .agentUpserted(
                agentId: id(&rng), name: id(&rng), userType: UserType.allCases.randomElement(using: &rng)!,
                agentGroupId: id(&rng), skillIds: (0..<Int.random(in: 0...3, using: &rng)).map { _ in id(&rng) },
                maxSlots: Int.random(in: 0...Int(Int32.max), using: &rng))
        case 3: kind = .agentStateChanged(agentId: id(&rng), state: AgentState.allCases.randomElement(using: &rng)!)
        case 4: kind = .conversationOpened(conversationId: id(&rng), skillId: id(&rng))
        case 5: kind = .consumerMessage(conversationId: id(&rng))
        case 6:
            kind = .conversationAssigned(
                conversationId: id(&rng), agentId: id(&rng), weight: Double.random(in: 0.001...10, using: &rng))
        case 7: kind = .conversationUnassigned(conversationId: id(&rng))
        case 8: kind = .agentMessage(conversationId: id(&rng), agentId: id(&rng))
        case 9: kind = .skillChanged(conversationId: id(&rng), skillId: id(&rng))
        default:
            kind = .conversationClosed(conversationId: id(&rng), closedBy: ClosedBy.allCases.randomElement(using: &rng)!)
        }
        return Event(time: time, kind: kind)
    }
}
