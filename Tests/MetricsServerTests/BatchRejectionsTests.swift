import MetricsAPI
import MetricsServer
import Synchronization
import Testing

/// publishEvents hands the well-formed events to the core as one batch: the reply must still
/// list every rejection (badly shaped or inconsistent) by its position in the request, in
/// order, with the applied count of the events in between.
struct BatchRejectionsTests {
    final class Reply: Sendable {
        let got = Mutex<Result<PublishEventsResponse, ServiceFailure>?>(nil)
    }

    func event(_ type: String, _ conversation: String, time: Int64 = 1_700_000_000_000) -> EventMessage {
        var e = EventMessage()
        e.type = type
        e.time = time
        e.conversationId = conversation
        e.skillId = "s"
        return e
    }

    @Test func rejectionsKeepRequestPositions() throws {
        let svc = MetricsService(
            authenticator: Authenticator(tokens: nil, defaultLimits: .default, noAuth: true),
            clock: { 1_700_000_000_000 })
        var r = PublishEventsRequest()
        r.accountId = "a"
        r.producerId = "p"
        r.sequence = 1
        r.events = [
            event("conversation_opened", "c1"),  // 0 applied
            event("", "c1"),  // 1 badly shaped
            event("consumer_message", "nowhere"),  // 2 inconsistent: unknown conversation
            event("consumer_message", "c1"),  // 3 applied
            event("conversation_opened", "c1"),  // 4 inconsistent: already open
            event("conversation_opened", "c2", time: -5),  // 5 badly shaped
            event("consumer_message", "c1"),  // 6 applied
        ]
        let reply = Reply()
        svc.publishEvents(r, authorization: nil, peer: "t") { res in reply.got.withLock { $0 = res } }
        let response = try #require(try reply.got.withLock { $0 }?.get())
        #expect(response.applied == 3)
        #expect(response.rejected == 4)
        #expect(response.rejections.map(\.index) == [1, 2, 4, 5])
        #expect(response.rejections[1].reason.contains("unknown conversation nowhere"))
        #expect(response.rejections[2].reason.contains("already open"))
    }
}
