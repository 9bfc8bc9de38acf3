import GRPCCore
import GRPCNIOTransportHTTP2

/// Messages pass through as raw bytes: the baseline measures grpc-swift-2's transport and call
/// machinery, not a protobuf library.
struct RawSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

struct RawDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
        bytes.withUnsafeBytes { Array($0) }
    }
}

struct FixedGetMetrics: RegistrableRPCService {
    let response: [UInt8]

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let response = self.response
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "manager_workspace.v1.MetricsService", method: "GetMetrics"),
            deserializer: RawDeserializer(), serializer: RawSerializer()
        ) { request, _ in
            for try await _ in request.messages {}
            return StreamingServerResponse(single: ServerResponse(message: response))
        }
    }
}

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 8091 : 8091
// ~300 bytes: a length-delimited field 1 holding 297 bytes, so it is valid protobuf too.
let fixed: [UInt8] = [0x0A, 0xA9, 0x02] + [UInt8](repeating: 0x61, count: 297)
let server = GRPCServer(
    transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext),
    services: [FixedGetMetrics(response: fixed)])
print("grpc-swift-2 peer listening on 127.0.0.1:\(port)")
try await server.serve()
