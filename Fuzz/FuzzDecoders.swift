// libFuzzer entry point for the protobuf decoders (see Fuzz/README.md and scripts/fuzz).
// Compiled by scripts/fuzz together with Sources/MetricsAPI/Messages.swift and
// Sources/MetricsAPI/*+Proto.swift into one module, against a ProtoWire module.
import ProtoWire

/// Any input must decode or throw. What decodes must re-encode to exactly `protobufSize`
/// bytes, and that encoding must decode and re-encode to the same bytes (the canonical form
/// is a fixed point). A violation traps, which is how libFuzzer learns of it.
func fuzzCheck<M: ProtoMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
    guard let message = try? M(protobufBuffer: bytes) else { return }
    let encoded = message.protobufBytes()
    guard encoded.count == message.protobufSize else {
        fatalError("\(M.self): size pass \(message.protobufSize) != written \(encoded.count)")
    }
    let again: M
    do {
        again = try M(protobufBytes: encoded)
    } catch {
        fatalError("\(M.self): our own encoding does not decode: \(error)")
    }
    guard again.protobufBytes() == encoded else {
        fatalError("\(M.self): re-encoding is not stable")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoders(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    fuzzCheck(GetMetricsRequest.self, bytes)
    fuzzCheck(PublishEventsRequest.self, bytes)
    fuzzCheck(GetMetricsResponse.self, bytes)
    fuzzCheck(PublishEventsResponse.self, bytes)
    return 0
}
