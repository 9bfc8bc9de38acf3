import RateLimiting
import Testing

@testable import MetricsServer

@Suite struct AuthenticatorTests {
    static let file = try! TokensFile(json: Array("""
        {"tokens":[
          {"token":"tok-alice","userId":"alice","accounts":["acme","demo"],"maxConcurrent":8,"maxPerMinute":600},
          {"token":"tok-bob","userId":"bob","accounts":["acme"]}
        ]}
        """.utf8))
    let auth = Authenticator(tokens: file, defaultLimits: RateLimits(maxConcurrent: 4, maxPerMinute: 300), noAuth: false)

    @Test func aValidTokenForItsAccountGivesTheCallerAndItsLimits() {
        #expect(auth.authenticate(authorization: "Bearer tok-alice", account: "demo", peer: "p")
            == .success(Caller(userId: "alice", limits: RateLimits(maxConcurrent: 8, maxPerMinute: 600))))
        #expect(auth.authenticate(authorization: "bearer  tok-bob ", account: "acme", peer: "p")
            == .success(Caller(userId: "bob", limits: RateLimits(maxConcurrent: 4, maxPerMinute: 300))))
    }

    @Test func missingOrMalformedOrUnknownTokensAreUnauthenticated() {
        for header in [nil, "", "Bearer", "Bearer ", "Basic dG9rLWFsaWNl", "tok-alice", "Bearer tok-alicE", "Bearer tok-alice2"] {
            guard case .failure(.unauthenticated) = auth.authenticate(authorization: header, account: "acme", peer: "p") else {
                Issue.record("expected unauthenticated for \(String(describing: header))")
                continue
            }
        }
    }

    /// Tokens match byte for byte: a canonically equivalent spelling (which Swift's String
    /// equality, and so the token dictionary, would accept) is not the token.
    @Test func tokensMatchByteForByteNotByCanonicalEquivalence() throws {
        let file = try TokensFile(json: Array(#"{"tokens":[{"token":"caf\u00e9","userId":"u","accounts":["acme"]}]}"#.utf8))
        let auth = Authenticator(tokens: file, defaultLimits: .default, noAuth: false)
        #expect(auth.authenticate(authorization: "Bearer caf\u{e9}", account: "acme", peer: "p")
            == .success(Caller(userId: "u", limits: .default)))
        guard case .failure(.unauthenticated) = auth.authenticate(authorization: "Bearer cafe\u{301}", account: "acme", peer: "p") else {
            Issue.record("a decomposed spelling of the token was accepted")
            return
        }
    }

    @Test func aTokenForAnotherAccountIsPermissionDenied() {
        #expect(auth.authenticate(authorization: "Bearer tok-bob", account: "demo", peer: "p")
            == .failure(.permissionDenied("token of user bob is not allowed for account demo")))
    }

    @Test func errorsNeverContainTheToken() {
        if case .failure(let f) = auth.authenticate(authorization: "Bearer secret-guess", account: "acme", peer: "p") {
            #expect(!"\(f)".contains("secret-guess"))
        } else {
            Issue.record("expected a failure")
        }
    }

    @Test func noAuthAcceptsEveryCallerAsItsPeerAddress() {
        let open = Authenticator(tokens: nil, defaultLimits: .default, noAuth: true)
        #expect(open.authenticate(authorization: nil, account: "x", peer: "127.0.0.1:5000")
            == .success(Caller(userId: "127.0.0.1:5000", limits: .default)))
    }

    @Test(arguments: [
        ("{", "invalid JSON"),
        (#"{"tokens":[{"userId":"u","accounts":[]}]}"#, "tokens[0].token is required"),
        (#"{"tokens":[{"token":"","userId":"u","accounts":[]}]}"#, "tokens[0].token is empty"),
        (#"{"tokens":[{"token":"a","userId":"u","accounts":[]},{"token":"a","userId":"v","accounts":[]}]}"#, "tokens[1].token repeats"),
        (#"{"tokens":[{"token":"a","userId":"u","accounts":[],"maxConcurrent":0}]}"#, "tokens[0].maxConcurrent must be at least 1"),
        (#"{"tokens":[{"token":"a","userId":"u","accounts":"acme"}]}"#, "tokens[0].accounts"),
    ])
    func invalidTokensFilesNameTheFault(json: String, fragment: String) {
        #expect(throws: TokensFile.Invalid.self) { try TokensFile(json: Array(json.utf8)) }
        do {
            _ = try TokensFile(json: Array(json.utf8))
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }
}

@Suite struct BearerSchemeTests {
    @Test(arguments: ["Bearer abc", "bearer abc", "BEARER abc", "  Bearer   abc  "])
    func theSchemeIsCaseInsensitiveAndSpacesAreTrimmed(header: String) {
        #expect(Authenticator.bearerToken(header) == "abc")
    }

    @Test(arguments: [("Bearer a b", "a b"), ("bEaReR  é€x ", "é€x"), ("Bearer  \u{301}x", "\u{301}x"), (" Bearer t\u{0}", "t\u{0}")])
    func theTokenIsEverythingBetweenTheSpacesByteForByte(header: String, token: String) {
        #expect(Authenticator.bearerToken(header) == token)
        #expect(Authenticator.bearerToken(header).map { Array($0.utf8) } == Array(token.utf8))
    }

    @Test(arguments: ["Bearer\u{0}abc", "Bearerabc", "Bearer", "Bearer    ", "Basic abc", "Bearez abc", "Bea"])
    func anythingElseIsNotABearerToken(header: String) {
        #expect(Authenticator.bearerToken(header) == nil)
    }
}
