// libFuzzer entry point for the REST JSON decoders (scripts/fuzz-json). Compiled by that script
// together with Sources/MetricsAPI/*.swift into one module, against MetricsCore and ProtoWire.

/// Any input must decode or throw (never trap). What decodes must re-encode to JSON that
/// decodes to the same value, and validation of a decoded request must return or throw.
func fuzzRoundTrip<M: Equatable>(
    _ bytes: UnsafeRawBufferPointer, decode: (UnsafeRawBufferPointer) throws -> M, decodeBytes: ([UInt8]) throws -> M,
    encode: (M) -> [UInt8]
) -> M? {
    guard let message = try? decode(bytes) else { return nil }
    let encoded = encode(message)
    guard let again = try? decodeBytes(encoded) else {
        fatalError("\(M.self): our own JSON does not decode: \(String(decoding: encoded, as: UTF8.self))")
    }
    guard again == message else {
        fatalError("\(M.self): JSON round trip changed the value: \(String(decoding: encoded, as: UTF8.self))")
    }
    return message
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONDecoders(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    if var req = fuzzRoundTrip(
        bytes, decode: { try GetMetricsRequest(jsonBody: $0) }, decodeBytes: { try GetMetricsRequest(jsonBody: $0) },
        encode: { $0.jsonBody() })
    {
        req.accountId = "fuzz"
        for front in [APIFront.rest, .grpc] { _ = try? req.validated(now: 1_700_000_000_000, front: front) }
    }
    if let batch = fuzzRoundTrip(
        bytes, decode: { try PublishEventsRequest(jsonBody: $0) }, decodeBytes: { try PublishEventsRequest(jsonBody: $0) },
        encode: { $0.jsonBody() })
    {
        for e in batch.events { _ = try? e.coreEvent() }
    }
    _ = fuzzRoundTrip(
        bytes, decode: { try GetMetricsResponse(jsonBytes: $0) }, decodeBytes: { try GetMetricsResponse(jsonBytes: $0) },
        encode: { $0.jsonBytes() })
    _ = fuzzRoundTrip(
        bytes, decode: { try PublishEventsResponse(jsonBytes: Array($0)) },
        decodeBytes: { try PublishEventsResponse(jsonBytes: $0) }, encode: { $0.jsonBytes() })
    _ = fuzzRoundTrip(
        bytes, decode: { try APIError(jsonBody: Array($0)) }, decodeBytes: { try APIError(jsonBody: $0) },
        encode: { $0.jsonBody() })
    return 0
}
