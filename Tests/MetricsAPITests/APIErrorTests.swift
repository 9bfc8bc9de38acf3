import MetricsAPI
import Testing

@Suite struct APIErrorTests {
    @Test(arguments: [
        (APIError.Code.ok, 0, "OK", 200), (.cancelled, 1, "CANCELLED", 499), (.unknown, 2, "UNKNOWN", 500),
        (.invalidArgument, 3, "INVALID_ARGUMENT", 400), (.deadlineExceeded, 4, "DEADLINE_EXCEEDED", 504),
        (.notFound, 5, "NOT_FOUND", 404), (.alreadyExists, 6, "ALREADY_EXISTS", 409),
        (.permissionDenied, 7, "PERMISSION_DENIED", 403), (.resourceExhausted, 8, "RESOURCE_EXHAUSTED", 429),
        (.failedPrecondition, 9, "FAILED_PRECONDITION", 400), (.aborted, 10, "ABORTED", 409),
        (.outOfRange, 11, "OUT_OF_RANGE", 400), (.unimplemented, 12, "UNIMPLEMENTED", 501),
        (.internalError, 13, "INTERNAL", 500), (.unavailable, 14, "UNAVAILABLE", 503),
        (.dataLoss, 15, "DATA_LOSS", 500), (.unauthenticated, 16, "UNAUTHENTICATED", 401),
    ])
    func codesHaveTheGRPCNumberNameAndHTTPStatus(_ code: APIError.Code, _ raw: Int, _ name: String, _ http: Int) {
        #expect(code.rawValue == raw)
        #expect(code.name == name)
        #expect(code.httpStatus == http)
    }

    /// SPEC §1 errors table: REST status and gRPC code of each row the API layer produces.
    @Test(arguments: [
        (APIError.invalidArgument("filters.time.from is required"), 400, 3),
        (APIError.unauthenticated(), 401, 16),
        (APIError.permissionDenied(accountId: "A"), 403, 7),
        (APIError.notFound(path: "/x"), 404, 5),
        (APIError.rateLimited(retryAfterMs: 1500), 429, 8),
        (APIError.bodyTooLarge(limit: 4 << 20), 413, 8),
        (APIError.methodNotAllowed("GET", allowed: "POST"), 405, 12),
        (APIError.unsupportedMediaType("text/plain"), 415, 3),
        (APIError.unavailable("shutting down"), 503, 14),
    ])
    func specErrorRowsMapToRESTAndGRPC(_ error: APIError, _ http: Int, _ grpc: Int) {
        #expect(error.httpStatus == http)
        #expect(error.code.rawValue == grpc)
    }

    @Test func restErrorBodyHasCodeStatusAndMessage() {
        #expect(
            APIError.invalidArgument("filters.time.from is required").jsonBody().text
                == "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\",\"message\":\"filters.time.from is required\"}}")
        #expect(
            APIError.bodyTooLarge(limit: 4_194_304).jsonBody().text
                == "{\"error\":{\"code\":413,\"status\":\"RESOURCE_EXHAUSTED\",\"message\":\"request body is larger than 4194304 bytes\"}}")
    }

    @Test func messagesAreEscapedInTheBody() throws {
        let e = APIError.invalidArgument("metricsToRetrieveByTime[0]: unknown metric \"a\\b\n\"")
        #expect(e.jsonBody().text.contains("unknown metric \\\"a\\\\b\\u000a\\\""))
        #expect(try APIError(jsonBody: e.jsonBody()) == e)
    }
}
