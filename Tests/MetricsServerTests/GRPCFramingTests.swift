import NIOCore
import PropertyBased
import Testing

@testable import MetricsServer

@Suite struct GRPCFramingTests {
    static let limit = 4 * 1024 * 1024

    @Test func aMessageSplitAcrossManyChunksIsReassembled() throws {
        let message: [UInt8] = Array(0..<200).map { UInt8($0) }
        let framed = GRPCMessageWriter.frame(message)
        var reader = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: nil)
        var got: [[UInt8]] = []
        for byte in framed {
            reader.append([byte])
            while let m = try reader.next() { got.append(Array(m.readableBytesView)) }
        }
        try reader.finish()
        #expect(got == [message])
    }

    @Test func severalMessagesInOneChunkAndAnEmptyMessage() throws {
        var bytes = GRPCMessageWriter.frame([1, 2, 3])
        bytes += GRPCMessageWriter.frame([])
        bytes += GRPCMessageWriter.frame([9])
        var reader = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: nil)
        reader.append(bytes)
        var got: [[UInt8]] = []
        while let m = try reader.next() { got.append(Array(m.readableBytesView)) }
        #expect(got == [[1, 2, 3], [], [9]])
    }

    @Test func aLengthOverTheLimitIsRejectedBeforeBuffering() {
        var reader = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: nil)
        reader.append([0, 0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: GRPCMessageReader.Failure.messageTooLarge(length: 0x7FFF_FFFF, limit: Self.limit)) {
            try reader.next()
        }
        var exact = GRPCMessageReader(maxMessageBytes: 4, encoding: nil)
        exact.append([0, 0, 0, 0, 4, 1, 2, 3, 4])
        #expect(throws: Never.self) { _ = try exact.next() }
    }

    @Test func compressedFlagWithoutEncodingIsAnError() {
        var reader = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: nil)
        reader.append([1, 0, 0, 0, 0])
        #expect(throws: GRPCMessageReader.Failure.compressedWithoutEncoding) { try reader.next() }
        var gzip = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: "gzip")
        gzip.append([1, 0, 0, 0, 0])
        #expect(throws: GRPCMessageReader.Failure.unsupportedCompression("gzip")) { try gzip.next() }
        var identity = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: "identity")
        identity.append([1, 0, 0, 0, 0])
        #expect(throws: GRPCMessageReader.Failure.compressedWithoutEncoding) { try identity.next() }
        var bad = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: nil)
        bad.append([7, 0, 0, 0, 0])
        #expect(throws: GRPCMessageReader.Failure.invalidFlag(7)) { try bad.next() }
    }

    @Test func endOfStreamInsideAMessageIsReported() throws {
        var reader = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: nil)
        reader.append([0, 0, 0, 0, 10, 1, 2])
        #expect(try reader.next() == nil)
        #expect(throws: GRPCMessageReader.Failure.truncated(have: 7, need: 15)) { try reader.finish() }
        var short = GRPCMessageReader(maxMessageBytes: Self.limit, encoding: nil)
        short.append([0, 0])
        #expect(throws: GRPCMessageReader.Failure.truncated(have: 2, need: 5)) { try short.finish() }
    }

    @Test func anyChunkingGivesTheSameMessages() async {
        let gen = Gen.uint8().array(of: 0...300).array(of: 1...5)
        await propertyCheck(input: gen, Gen.int(in: 1...17)) { messages, chunk in
            var bytes: [UInt8] = []
            for m in messages { bytes += GRPCMessageWriter.frame(m) }
            var reader = GRPCMessageReader(maxMessageBytes: 1000, encoding: nil)
            var got: [[UInt8]] = []
            var i = 0
            while i < bytes.count {
                reader.append(bytes[i..<min(bytes.count, i + chunk)])
                i += chunk
                while let m = try reader.next() { got.append(Array(m.readableBytesView)) }
            }
            try reader.finish()
            #expect(got == messages)
        }
    }

    /// Chunks that are slices of one read buffer (as the HTTP/2 layer hands them over) give the
    /// same messages even when the buffer's owner overwrites it after each read, as NIO does
    /// when it reuses a receive buffer.
    @Test func slicesOfAReusedReadBufferGiveTheSameMessages() async {
        let gen = Gen.uint8().array(of: 0...300).array(of: 1...5)
        await propertyCheck(input: gen, Gen.int(in: 1...700)) { messages, chunk in
            var bytes: [UInt8] = []
            for m in messages { bytes += GRPCMessageWriter.frame(m) }
            var readBuffer = ByteBuffer(bytes: bytes)
            var reader = GRPCMessageReader(maxMessageBytes: 1000, encoding: nil)
            var held: [ByteBuffer] = []
            var i = 0
            while i < bytes.count {
                let n = min(bytes.count - i, chunk)
                reader.append(readBuffer.getSlice(at: i, length: n)!)
                while let m = try reader.next() { held.append(m) }
                readBuffer.setRepeatingByte(0xEE, count: n, at: i)
                i += n
            }
            try reader.finish()
            #expect(held.map { Array($0.readableBytesView) } == messages)
        }
    }

    @Test(arguments: [
        ("1S", Int64(1_000_000_000)), ("100m", 100_000_000), ("5u", 5_000), ("7n", 7),
        ("2M", 120_000_000_000), ("1H", 3_600_000_000_000), ("99999999H", Int64.max),
        ("12345678n", 12_345_678),
    ])
    func timeoutHeaderParses(value: String, nanos: Int64) {
        #expect(GRPCTimeout.parse(value) == nanos)
    }

    @Test(arguments: ["", "S", "1", "123456789S", "1s", "-1S", "1.5S", "1 S", "１S"])
    func malformedTimeoutIsRejected(value: String) {
        #expect(GRPCTimeout.parse(value) == nil)
    }

    @Test func grpcMessageIsPercentEncoded() {
        #expect(GRPCMessageEncoding.percentEncode("limit must be 1..50") == "limit must be 1..50")
        #expect(GRPCMessageEncoding.percentEncode("100% \"ok\"\n") == "100%25 \"ok\"%0A")
        #expect(GRPCMessageEncoding.percentEncode("café") == "caf%C3%A9")
        #expect(GRPCMessageEncoding.percentDecode("caf%C3%A9 %zz%4") == "café %zz%4")
    }

    @Test func percentEncodingRoundTrips() async {
        await propertyCheck(input: Gen.character(in: "\u{0}"..."\u{D7FF}").string(of: 0...40)) { s in
            let e = GRPCMessageEncoding.percentEncode(s)
            #expect(e.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
            #expect(GRPCMessageEncoding.percentDecode(e) == s)
        }
    }
}
