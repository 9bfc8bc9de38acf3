import struct Foundation.Data
import class Foundation.JSONDecoder
import RateLimiting

/// The `--tokens FILE` document: `{"tokens":[{"token":"T","userId":"U","accounts":["A"],
/// "maxConcurrent":8,"maxPerMinute":600}]}`; the two limits are optional. Read once at start,
/// so Foundation's decoder is fine here.
public struct TokensFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, Decodable {
        public var token: String
        public var userId: String
        public var accounts: [String]
        public var maxConcurrent: Int?
        public var maxPerMinute: Int?

        public init(token: String, userId: String, accounts: [String], maxConcurrent: Int? = nil, maxPerMinute: Int? = nil) {
            self.token = token
            self.userId = userId
            self.accounts = accounts
            self.maxConcurrent = maxConcurrent
            self.maxPerMinute = maxPerMinute
        }
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Parses and checks the document; the error names the entry and field at fault.
    public init(json: [UInt8]) throws(Invalid) {
        struct Document: Decodable { var tokens: [Entry] }
        let doc: Document
        do {
            doc = try JSONDecoder().decode(Document.self, from: Data(json))
        } catch let error as DecodingError {
            throw Invalid(description: "tokens file: \(Self.describe(error))")
        } catch {
            throw Invalid(description: "tokens file: \(error)")
        }
        var seen = Set<String>()
        for (i, e) in doc.tokens.enumerated() {
            let at = "tokens[\(i)]"
            guard !e.token.isEmpty else { throw Invalid(description: "tokens file: \(at).token is empty") }
            guard seen.insert(e.token).inserted else { throw Invalid(description: "tokens file: \(at).token repeats an earlier token") }
            guard !e.userId.isEmpty else { throw Invalid(description: "tokens file: \(at).userId is empty") }
            if let n = e.maxConcurrent, n < 1 { throw Invalid(description: "tokens file: \(at).maxConcurrent must be at least 1") }
            if let n = e.maxPerMinute, n < 1 { throw Invalid(description: "tokens file: \(at).maxPerMinute must be at least 1") }
        }
        entries = doc.tokens
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "\(path(ctx.codingPath + [key])) is required"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        case .dataCorrupted(let ctx): return "invalid JSON: \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
