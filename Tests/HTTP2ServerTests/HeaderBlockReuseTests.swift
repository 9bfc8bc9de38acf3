@testable import HTTP2Server
import MetricsCore
import Testing

extension AllHTTP2ServerTests {
    /// `HeaderBlockReuse` must give exactly what decoding each block afresh gives, whatever
    /// repeats, changes, grows or shrinks between blocks.
    @Suite struct HeaderBlockReuseTests {
        typealias Block = [(name: String, value: String)]

        /// Feeds one block the way the nghttp2 callbacks do; returns the pseudo fields seen and
        /// the regular fields.
        static func feed(_ block: Block, into reuse: inout HeaderBlockReuse) -> ([String], HTTPFields) {
            reuse.begin()
            var pseudo: [String] = []
            for field in block {
                var name = Array(field.name.utf8), value = Array(field.value.utf8)
                let strings = name.withUnsafeMutableBytes { n in
                    value.withUnsafeMutableBytes { v in reuse.strings(name: UnsafeRawBufferPointer(n), value: UnsafeRawBufferPointer(v)) }
                }
                // Scribble over the source bytes: nothing kept may alias them.
                name = name.map { _ in 0 }
                value = value.map { _ in 0 }
                if strings.name.hasPrefix(":") {
                    pseudo.append("\(strings.name)=\(strings.value)")
                } else {
                    reuse.append(name: strings.name, value: strings.value)
                }
            }
            return (pseudo, reuse.finish())
        }

        static func expected(_ block: Block) -> ([String], HTTPFields) {
            var fields = HTTPFields()
            var pseudo: [String] = []
            for field in block {
                if field.name.hasPrefix(":") { pseudo.append("\(field.name)=\(field.value)") } else { fields.appendLowercased(name: field.name, value: field.value) }
            }
            return (pseudo, fields)
        }

        @Test func repeatedChangedShorterAndLongerBlocks() {
            let base: Block = [
                (":method", "POST"), (":path", "/manager_workspace.v1.MetricsService/GetMetrics"), (":scheme", "http"),
                ("content-type", "application/grpc"), ("te", "trailers"), ("authorization", "Bearer load-token-0123456789"),
            ]
            var changed = base
            changed[5].value = "Bearer other-token-0123456789"
            var longer = base
            longer.append(("x-request-id", "42"))
            let sequence: [Block] = [base, base, changed, base, Array(base.prefix(4)), base, longer, longer, [], base]
            var reuse = HeaderBlockReuse()
            for block in sequence {
                let (pseudo, fields) = Self.feed(block, into: &reuse)
                let (wantPseudo, wantFields) = Self.expected(block)
                #expect(pseudo == wantPseudo)
                #expect(fields == wantFields)
            }
        }

        @Test func randomBlocksFromASmallVocabulary() {
            var rng = SplitMix64(seed: 0x6865_6164_6572)
            let names = [":method", ":path", "content-type", "te", "authorization", "user-agent", "x-a", ""]
            let values = ["POST", "/a/very/long/path/that/is/not/a/small/string", "application/grpc", "", "é-non-ascii-value-ü", "x"]
            var reuse = HeaderBlockReuse()
            for _ in 0..<3000 {
                var block: Block = []
                for _ in 0..<Int(rng.next() % 40) {
                    block.append((names[Int(rng.next() % UInt64(names.count))], values[Int(rng.next() % UInt64(values.count))]))
                }
                // Often resend the previous block, as real clients do.
                let (pseudo, fields) = Self.feed(block, into: &reuse)
                let (wantPseudo, wantFields) = Self.expected(block)
                #expect(pseudo == wantPseudo)
                #expect(fields == wantFields)
                if rng.next() % 2 == 0 {
                    let (againPseudo, againFields) = Self.feed(block, into: &reuse)
                    #expect(againPseudo == wantPseudo)
                    #expect(againFields == wantFields)
                }
            }
        }
    }
}
