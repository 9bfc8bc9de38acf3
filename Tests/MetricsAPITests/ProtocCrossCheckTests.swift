import Foundation
import MetricsAPI
import ProtoWire
import MetricsCore
import Testing

enum ProtocTool {
    static let path: String? = ["/usr/bin/protoc", "/usr/local/bin/protoc", "/opt/homebrew/bin/protoc"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// protoc as an independent oracle on random messages: `protoc --decode` must accept our
/// bytes, and `protoc --encode` of its text output must give back exactly our bytes (so our
/// canonical encoding equals protoc's for values no golden file spells out).
@Suite("Cross-check with protoc", .enabled(if: ProtocTool.path != nil))
struct ProtocCrossCheckTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func run(_ mode: String, _ type: String, _ input: [UInt8]) throws -> (status: Int32, output: [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProtocTool.path!)
        process.currentDirectoryURL = root
        process.arguments = ["-Iproto", "--\(mode)=manager_workspace.v1.\(type)", "manager_workspace/v1/metrics.proto"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // protoc reads all of stdin before writing, and our inputs are far below a pipe's
        // buffer, so writing first cannot deadlock.
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, [UInt8](output))
    }

    private func check<M: ProtoMessage>(_ type: String, _ make: (inout SplitMix64) -> M, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<12 {
            let ours = make(&rng).protobufBytes()
            let decoded = try Self.run("decode", type, ours)
            #expect(decoded.status == 0, "protoc --decode rejected our \(type)")
            let reencoded = try Self.run("encode", type, decoded.output)
            #expect(reencoded.status == 0)
            #expect(reencoded.output == ours, "protoc's encoding of our \(type) differs")
        }
    }

    @Test("protoc decodes our random messages and re-encodes them to the same bytes")
    func randomMessagesAgreeWithProtoc() throws {
        try check("GetMetricsRequest", ProtoRandomMessages.getMetricsRequest, seed: 1)
        try check("GetMetricsResponse", ProtoRandomMessages.getMetricsResponse, seed: 2)
        try check("PublishEventsRequest", ProtoRandomMessages.publishEventsRequest, seed: 3)
        try check("PublishEventsResponse", ProtoRandomMessages.publishEventsResponse, seed: 4)
    }
}
