/// An error either front can return: a gRPC status code and a message that names the field or
/// limit involved (modelled on grpc-swift 2's `RPCError`). The REST gateway answers with
/// `httpStatus` and `jsonBody()`; the gRPC front with `code.rawValue` and `message`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let ok = Code(rawValue: 0)
        public static let cancelled = Code(rawValue: 1)
        public static let unknown = Code(rawValue: 2)
        public static let invalidArgument = Code(rawValue: 3)
        public static let deadlineExceeded = Code(rawValue: 4)
        public static let notFound = Code(rawValue: 5)
        public static let alreadyExists = Code(rawValue: 6)
        public static let permissionDenied = Code(rawValue: 7)
        public static let resourceExhausted = Code(rawValue: 8)
        public static let failedPrecondition = Code(rawValue: 9)
        public static let aborted = Code(rawValue: 10)
        public static let outOfRange = Code(rawValue: 11)
        public static let unimplemented = Code(rawValue: 12)
        public static let internalError = Code(rawValue: 13)
        public static let unavailable = Code(rawValue: 14)
        public static let dataLoss = Code(rawValue: 15)
        public static let unauthenticated = Code(rawValue: 16)

        /// The canonical gRPC name, e.g. `INVALID_ARGUMENT` (the REST body's `status`).
        public var name: String {
            switch rawValue {
            case 0: "OK"
            case 1: "CANCELLED"
            case 3: "INVALID_ARGUMENT"
            case 4: "DEADLINE_EXCEEDED"
            case 5: "NOT_FOUND"
            case 6: "ALREADY_EXISTS"
            case 7: "PERMISSION_DENIED"
            case 8: "RESOURCE_EXHAUSTED"
            case 9: "FAILED_PRECONDITION"
            case 10: "ABORTED"
            case 11: "OUT_OF_RANGE"
            case 12: "UNIMPLEMENTED"
            case 13: "INTERNAL"
            case 14: "UNAVAILABLE"
            case 15: "DATA_LOSS"
            case 16: "UNAUTHENTICATED"
            default: "UNKNOWN"
            }
        }

        /// The HTTP status a REST error with this code gets unless the error says otherwise
        /// (Google API design mapping).
        public var httpStatus: Int {
            switch rawValue {
            case 0: 200
            case 1: 499
            case 3, 9, 11: 400
            case 4: 504
            case 5: 404
            case 6, 10: 409
            case 7: 403
            case 8: 429
            case 12: 501
            case 14: 503
            case 16: 401
            default: 500
            }
        }

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The REST status; differs from `code.httpStatus` only where SPEC §1 says so (413, 405, 415).
    public var httpStatus: Int

    public init(code: Code, message: String, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus ?? code.httpStatus
    }

    public var description: String { "\(code.name): \(message)" }

    // MARK: The errors of SPEC §1

    public static func invalidArgument(_ message: String) -> APIError {
        APIError(code: .invalidArgument, message: message)
    }

    public static func unauthenticated(_ message: String = "missing or invalid bearer token") -> APIError {
        APIError(code: .unauthenticated, message: message)
    }

    public static func permissionDenied(accountId: String) -> APIError {
        APIError(code: .permissionDenied, message: "token is not allowed for account \"\(accountId)\"")
    }

    public static func notFound(path: String) -> APIError {
        APIError(code: .notFound, message: "no such path: \(path)")
    }

    /// 429 on REST (the gateway adds `Retry-After`), RESOURCE_EXHAUSTED on gRPC.
    public static func rateLimited(retryAfterMs: Int64) -> APIError {
        APIError(code: .resourceExhausted, message: "rate limit exceeded; retry after \(retryAfterMs) ms")
    }

    /// 413 on REST with status RESOURCE_EXHAUSTED (SPEC §1).
    public static func bodyTooLarge(limit: Int) -> APIError {
        APIError(code: .resourceExhausted, message: "request body is larger than \(limit) bytes", httpStatus: 413)
    }

    /// 405; the status name is UNIMPLEMENTED (the method is not implemented for the path).
    public static func methodNotAllowed(_ method: String, allowed: String) -> APIError {
        APIError(code: .unimplemented, message: "method \(method) is not allowed here; use \(allowed)", httpStatus: 405)
    }

    /// 415; the status name is INVALID_ARGUMENT.
    public static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(
            code: .invalidArgument, message: "content-type \"\(contentType)\" is not supported; use application/json",
            httpStatus: 415)
    }

    public static func unavailable(_ message: String) -> APIError {
        APIError(code: .unavailable, message: message)
    }

    public static func internalError(_ message: String) -> APIError {
        APIError(code: .internalError, message: message)
    }

    // MARK: REST body

    /// `{"error":{"code":400,"status":"INVALID_ARGUMENT","message":"..."}}`
    public func jsonBody() -> [UInt8] {
        var w = JSONWriter(capacity: 96 + message.utf8.count)
        w.object { w in
            w.key("error")
            w.object { w in
                w.key("code")
                w.int(Int64(httpStatus))
                w.key("status")
                w.string(code.name)
                w.key("message")
                w.string(message)
            }
        }
        return w.bytes
    }

    /// Reads a REST error body (for clients and tests); the code comes from `status`.
    public init(jsonBody bytes: [UInt8]) throws(APIError) {
        var http: Int64 = 0
        var status = ""
        var message = ""
        try JSONCodec.decode(bytes) { (r: inout JSONReader) throws(JSONError) in
            try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
                guard "error" ~= key else { return try r.skipValue() }
                try r.readObject { (r: inout JSONReader, key: JSONKey) throws(JSONError) in
                    switch key {
                    case "code": http = try r.readInt64()
                    case "status": status = try r.readString()
                    case "message": message = try r.readString()
                    default: try r.skipValue()
                    }
                }
            }
        }
        let code = (0...16).map { Code(rawValue: $0) }.first { $0.name == status } ?? .unknown
        self.init(code: code, message: message, httpStatus: Int(clamping: http))
    }
}
