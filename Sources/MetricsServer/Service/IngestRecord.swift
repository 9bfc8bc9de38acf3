import MetricsAPI
import ProtoWire

/// The write-ahead log's payload for one accepted batch: the `now` it was applied with
/// (8 bytes, little-endian epoch ms) followed by the request's protobuf encoding, which carries
/// the account, `(producerId, sequence)` and the events. Replaying it with the same `now`
/// rebuilds the same state, since the core is a function of the (event, now) sequence.
struct IngestRecord: Sendable {
    var now: Int64
    var request: PublishEventsRequest

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: now.littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: request.protobufBytes())
        return out
    }

    init(now: Int64, request: PublishEventsRequest) {
        self.now = now
        self.request = request
    }

    init(_ payload: UnsafeRawBufferPointer) throws(APIError) {
        guard payload.count >= 8 else {
            throw APIError(code: .dataLoss, message: "log record of \(payload.count) bytes is shorter than its 8-byte time")
        }
        now = Int64(littleEndian: payload.loadUnaligned(as: Int64.self))
        do {
            request = try PublishEventsRequest(protobufBuffer: UnsafeRawBufferPointer(rebasing: payload[8...]))
        } catch {
            throw APIError(code: .dataLoss, message: "log record holds a malformed PublishEventsRequest: \(error)")
        }
    }
}
