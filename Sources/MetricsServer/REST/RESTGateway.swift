import HTTP2Server
import MetricsAPI
import NIOCore

/// The REST JSON gateway (HTTP/1.1 and HTTP/2 alike): a mapping onto MetricsService, not a
/// second implementation. Errors are JSON bodies naming what was wrong (SPEC §1).
struct RESTGateway: HTTPHandler {
    static let maxBodyBytes = 4 * 1024 * 1024
    static let accountPrefix = "/manager_workspace/api/account/"

    let service: MetricsService
    let health: HealthState
    let testHooks: Bool

    enum Route {
        case metrics(account: String), events(account: String), healthz, prometheus, openAPI
    }

    static func route(_ path: Substring) -> Route? {
        switch path {
        case "/healthz": return .healthz
        case "/metrics": return .prometheus
        case "/openapi.yaml": return .openAPI
        default: break
        }
        guard path.hasPrefix(accountPrefix) else { return nil }
        let rest = path.dropFirst(accountPrefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let account = String(rest[..<slash])
        switch rest[slash...] {
        case "/metrics": return .metrics(account: account)
        case "/events": return .events(account: account)
        default: return nil
        }
    }

    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        let parts = request.path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts.first ?? ""
        let query = parts.count > 1 ? parts[1] : ""
        guard let route = Self.route(path) else {
            body.discard()
            respond(responder, error: .notFound(path: String(path)), method: .other)
            return
        }
        switch route {
        case .healthz:
            body.discard()
            guard allows(request, ["GET", "HEAD"], responder) else { return }
            let serving = health.isServing
            respond(responder, status: serving ? 200 : 503,
                    json: Array((serving ? #"{"status":"SERVING"}"# : #"{"status":"NOT_SERVING"}"#).utf8) + [0x0A],
                    method: .healthCheck, code: serving ? .ok : .unavailable)
        case .prometheus:
            body.discard()
            guard allows(request, ["GET"], responder) else { return }
            responder.respond(
                HTTPResponseHead(status: 200, headers: ["content-type": "text/plain; version=0.0.4"]),
                body: ByteBuffer(string: service.stats.prometheusText()))
        case .openAPI:
            body.discard()
            guard allows(request, ["GET", "HEAD"], responder) else { return }
            responder.respond(
                HTTPResponseHead(status: 200, headers: ["content-type": OpenAPIDocument.contentType]),
                body: OpenAPIDocument.body)
        case .metrics(let account), .events(let account):
            let method: ServerStats.Method = if case .metrics = route { .getMetrics } else { .publishEvents }
            guard request.method == "POST" else {
                body.discard()
                return respond(responder, error: .methodNotAllowed(request.method, allowed: "POST"), method: method, allow: "POST")
            }
            // Absent content-type is taken as JSON (curl --data-binary sends none with -H ""); anything else must say JSON.
            if let contentType = request.headers["content-type"],
               !contentType.lowercased().hasPrefix("application/json") {
                body.discard()
                return respond(responder, error: .unsupportedMediaType(contentType), method: method)
            }
            let eventLoop = body.eventLoop
            body.collect(upTo: Self.maxBodyBytes).hop(to: eventLoop).whenComplete { result in
                switch result {
                case .success(let bytes):
                    if case .metrics = route {
                        self.getMetrics(request, account: account, query: query, body: bytes, responder: responder)
                    } else {
                        self.publishEvents(request, account: account, body: bytes, responder: responder)
                    }
                case .failure(let error as HTTPStreamError) where error.code == .bodyTooLarge:
                    self.respond(responder, error: .bodyTooLarge(limit: Self.maxBodyBytes), method: method)
                case .failure:
                    self.service.stats.record(.rest, method, .cancelled)  // the client went away
                }
            }
        }
    }

    private func getMetrics(_ request: HTTPRequestHead, account: String, query: Substring, body: ByteBuffer, responder: HTTPResponder) {
        let decoded: GetMetricsRequest
        do {
            decoded = try body.withUnsafeReadableBytes { raw throws(APIError) in
                try GetMetricsRequest(restAccountId: account, query: query, body: raw)
            }
        } catch {
            return respond(responder, error: error, method: .getMetrics)
        }
        let call: MetricsService.Call
        do {
            call = try service.admitGetMetrics(
                decoded, front: .rest, authorization: request.headers["authorization"],
                peer: request.callerAddress,
                scheme: request.scheme, authority: request.authority ?? "localhost")
        } catch {
            return respond(responder, error: error.error, method: .getMetrics, retryAfterMs: error.retryAfterMs)
        }
        let run = { @Sendable in
            let response = call.run()
            call.release()
            self.respond(responder, status: 200, json: response.jsonBytes(), method: .getMetrics, code: .ok)
        }
        if testHooks, let delay = request.headers["x-metricsd-test-delay-ms"].flatMap({ Int64($0) }), delay > 0 {
            responder.onCancel { _ in call.release() }
            responder.eventLoop.scheduleTask(in: .milliseconds(delay)) { run() }
        } else {
            run()
        }
    }

    private func publishEvents(_ request: HTTPRequestHead, account: String, body: ByteBuffer, responder: HTTPResponder) {
        var decoded: PublishEventsRequest
        do {
            decoded = try body.withUnsafeReadableBytes { raw throws(APIError) in try PublishEventsRequest(jsonBody: raw) }
        } catch {
            return respond(responder, error: error, method: .publishEvents)
        }
        decoded.accountId = account
        // Answered after the batch is durable; the responder hops to its loop itself.
        service.publishEvents(
            decoded, authorization: request.headers["authorization"],
            peer: request.callerAddress
        ) { result in
            switch result {
            case .success(let response):
                self.respond(responder, status: 200, json: response.jsonBytes(), method: .publishEvents, code: .ok)
            case .failure(let error):
                self.respond(responder, error: error.error, method: .publishEvents, retryAfterMs: error.retryAfterMs)
            }
        }
    }

    private func respond(_ responder: HTTPResponder, status: Int, json: [UInt8], method: ServerStats.Method,
                         code: APIError.Code, extra: HTTPFields = HTTPFields()) {
        var headers: HTTPFields = ["content-type": "application/json"]
        for f in extra { headers.add(name: f.name, value: f.value) }
        var buffer = ByteBufferAllocator().buffer(capacity: json.count)
        buffer.writeBytes(json)
        responder.respond(HTTPResponseHead(status: status, headers: headers), body: buffer)
        service.stats.record(.rest, method, code)
    }

    /// The read-only paths serve `methods`; any other method is a 405 listing them in `Allow`.
    private func allows(_ request: HTTPRequestHead, _ methods: [String], _ responder: HTTPResponder) -> Bool {
        guard methods.contains(request.method) else {
            let allow = methods.joined(separator: ", ")
            respond(responder, error: .methodNotAllowed(request.method, allowed: allow), method: .other, allow: allow)
            return false
        }
        return true
    }

    /// `Retry-After` is whole seconds (RFC 9110); rounded up, so a client that waits that long
    /// is admitted, and at least 1, since 0 would invite an immediate retry into the same limit.
    static func retryAfterSeconds(ms: Int64) -> Int64 {
        max(1, ms / 1000 + (ms % 1000 > 0 ? 1 : 0))
    }

    private func respond(_ responder: HTTPResponder, error: APIError, method: ServerStats.Method,
                         retryAfterMs: Int64? = nil, allow: String? = nil) {
        var extra = HTTPFields()
        if let retryAfterMs { extra.add(name: "retry-after", value: String(Self.retryAfterSeconds(ms: retryAfterMs))) }
        if let allow { extra.add(name: "allow", value: allow) }
        respond(responder, status: error.httpStatus, json: error.jsonBody(), method: method, code: error.code, extra: extra)
    }
}
