import RateLimiting

/// Who is calling, once the bearer token checked out.
public struct Caller: Sendable, Equatable {
    public var userId: String
    public var limits: RateLimits
}

/// Resolves `authorization: Bearer TOKEN` to a caller allowed on an account (SPEC §5).
///
/// Tokens are looked up in a dictionary (Swift's hasher is seeded per process, so bucket
/// timing tells an attacker nothing useful) and then confirmed with a constant-time
/// comparison, so response time does not reveal how much of a guessed token was right.
/// Tokens never appear in errors or logs.
public struct Authenticator: Sendable {
    public enum Failure: Error, Equatable {
        /// 401 / UNAUTHENTICATED
        case unauthenticated(String)
        /// 403 / PERMISSION_DENIED
        case permissionDenied(String)
    }

    struct Identity: Sendable {
        var token: [UInt8]
        var userId: String
        var accounts: Set<String>
        var limits: RateLimits
    }

    private let identities: [String: Identity]
    /// nil: every caller is accepted, identified by peer address (`--no-auth`).
    private let enforced: Bool
    public let defaultLimits: RateLimits

    public init(tokens: TokensFile?, defaultLimits: RateLimits, noAuth: Bool) {
        var map: [String: Identity] = [:]
        for e in tokens?.entries ?? [] {
            map[e.token] = Identity(
                token: Array(e.token.utf8), userId: e.userId, accounts: Set(e.accounts),
                limits: RateLimits(
                    maxConcurrent: e.maxConcurrent ?? defaultLimits.maxConcurrent,
                    maxPerMinute: e.maxPerMinute ?? defaultLimits.maxPerMinute))
        }
        identities = map
        enforced = !noAuth
        self.defaultLimits = defaultLimits
    }

    /// `peer` is only evaluated under `--no-auth` (formatting the address costs on every call).
    public func authenticate(
        authorization: String?, account: String, peer: @autoclosure () -> String
    ) -> Result<Caller, Failure> {
        guard enforced else { return .success(Caller(userId: peer(), limits: defaultLimits)) }
        guard let authorization else {
            return .failure(.unauthenticated("missing authorization header (expected: Bearer TOKEN)"))
        }
        guard let token = Self.bearerToken(authorization) else {
            return .failure(.unauthenticated("authorization header is not of the form: Bearer TOKEN"))
        }
        guard let identity = identities[token], Self.constantTimeEqual(identity.token, token) else {
            return .failure(.unauthenticated("invalid bearer token"))
        }
        guard identity.accounts.contains(account) else {
            return .failure(.permissionDenied("token of user \(identity.userId) is not allowed for account \(account)"))
        }
        return .success(Caller(userId: identity.userId, limits: identity.limits))
    }

    /// The token of `Bearer TOKEN` (scheme case-insensitive, spaces around ignored). Runs on
    /// every request, so it reads the header's UTF-8 in place and compares bytes; the token
    /// comes back as its own string, which allocates nothing up to 15 bytes. Cutting at ASCII
    /// spaces keeps the token valid UTF-8, byte for byte as sent.
    static func bearerToken(_ header: String) -> String? {
        var header = header
        return header.withUTF8 { bytes in
            guard let range = tokenRange(bytes) else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
    }

    private static func tokenRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let space = UInt8(ascii: " ")
        let scheme: StaticString = "bearer "
        var start = 0
        var end = bytes.count
        while start < end && bytes[start] == space { start += 1 }
        guard end - start > scheme.utf8CodeUnitCount else { return nil }
        for k in 0..<scheme.utf8CodeUnitCount {
            let want = scheme.utf8Start[k], got = bytes[start + k]
            // ASCII letters lower-cased by setting bit 5; the space must be a space.
            guard want == space ? got == space : got | 0x20 == want else { return nil }
        }
        start += scheme.utf8CodeUnitCount
        while start < end && bytes[start] == space { start += 1 }
        while end > start && bytes[end - 1] == space { end -= 1 }
        return start < end ? start..<end : nil
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: String) -> Bool {
        var b = b
        return b.withUTF8 { b in
            a.withUnsafeBufferPointer { a in
                guard a.count == b.count else { return false }
                var diff: UInt8 = 0
                for i in 0..<a.count { diff |= a[i] ^ b[i] }
                return diff == 0
            }
        }
    }
}
