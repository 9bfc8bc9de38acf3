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

    public func authenticate(authorization: String?, account: String, peer: String) -> Result<Caller, Failure> {
        guard enforced else { return .success(Caller(userId: peer, limits: defaultLimits)) }
        guard let authorization else {
            return .failure(.unauthenticated("missing authorization header (expected: Bearer TOKEN)"))
        }
        guard let token = Self.bearerToken(authorization) else {
            return .failure(.unauthenticated("authorization header is not of the form: Bearer TOKEN"))
        }
        guard let identity = identities[String(token)], Self.constantTimeEqual(identity.token, token.utf8) else {
            return .failure(.unauthenticated("invalid bearer token"))
        }
        guard identity.accounts.contains(account) else {
            return .failure(.permissionDenied("token of user \(identity.userId) is not allowed for account \(account)"))
        }
        return .success(Caller(userId: identity.userId, limits: identity.limits))
    }

    /// The token of `Bearer TOKEN` (scheme case-insensitive, spaces around ignored). Compares
    /// bytes in place: this runs on every request, so it allocates nothing.
    static func bearerToken(_ header: String) -> Substring? {
        let trimmed = header.drop { $0 == " " }
        guard Self.hasBearerScheme(trimmed.utf8) else { return nil }
        let token = trimmed.dropFirst(7).drop { $0 == " " }
        let end = token.lastIndex { $0 != " " }
        guard let end else { return nil }
        return token[...end]
    }

    private static func hasBearerScheme(_ bytes: Substring.UTF8View) -> Bool {
        let scheme = "bearer ".utf8
        guard bytes.count > scheme.count else { return false }
        // ASCII letters lower-cased by setting bit 5; the space must be a space.
        return zip(bytes, scheme).allSatisfy { got, want in want == 0x20 ? got == 0x20 : got | 0x20 == want }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}
