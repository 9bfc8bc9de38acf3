#if canImport(Glibc)
import Glibc
#endif
import HTTP2Server
import MetricsAPI
import NIOCore

/// The REST JSON gateway (HTTP/1.1 and HTTP/2 alike): a mapping onto MetricsService, not a
/// second implementation. Errors are JSON bodies naming what was wrong (SPEC §1).
struct RESTGateway: HTTPHandler {
    static let maxBodyBytes = 4 * 1024 * 1024

    let service: MetricsService
    let health: HealthState
    let testHooks: Bool

    enum Route {
        case metrics(account: String), events(account: String), healthz, prometheus, openAPI
    }

    static func route(_ path: Substring) -> Route? {
        // On the bytes of the path: Substring comparisons and `starts(with:)` over UTF-8 views
        // go index by index (and hasPrefix by Characters), a visible cost per REST call.
        var path = path
        return path.withUTF8 { bytes -> Route? in
            func equals(_ text: StaticString, from start: Int = 0) -> Bool {
                bytes.count - start == text.utf8CodeUnitCount
                    && memcmp(bytes.baseAddress! + start, text.utf8Start, text.utf8CodeUnitCount) == 0
            }
            guard bytes.count > 0 else { return nil }
            if equals("/healthz") { return .healthz }
            if equals("/metrics") { return .prometheus }
            if equals("/openapi.yaml") { return .openAPI }
            let prefix: StaticString = "/manager_workspace/api/account/"
            let start = prefix.utf8CodeUnitCount
            guard bytes.count > start, memcmp(bytes.baseAddress!, prefix.utf8Start, start) == 0,
                  let slash = bytes[start...].firstIndex(of: UInt8(ascii: "/"))
            else { return nil }
            let account = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<slash]), as: UTF8.self)
            if equals("/metrics", from: slash) { return .metrics(account: account) }
            if equals("/events", from: slash) { return .events(account: account) }
            return nil
        }
    }

    private static let jsonMediaType = Array("application/json".utf8)

    /// `application/json`, in any letter case, with or without parameters (`; charset=utf-8`).
    static func isJSON(_ contentType: String) -> Bool {
        let json = Self.jsonMediaType
        var text = contentType
        return text.withUTF8 { bytes in
            bytes.count >= json.count && zip(bytes, json).allSatisfy { a, b in
                a == b || (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") && a | 0x20 == b)
            }
        }
    }

    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        let reply = Reply(responder: responder, started: .now())
        let (path, query) = request.pathAndQuery
        guard let route = Self.route(path) else {
            body.discard { respond(reply, error: .notFound(path: String(path)), method: .other) }
            return
        }
        switch route {
        case .healthz:
            body.discard()
            guard allows(request, ["GET", "HEAD"], reply) else { return }
            let serving = health.isServing
            respond(reply, status: serving ? 200 : 503,
                    json: Array((serving ? #"{"status":"SERVING"}"# : #"{"status":"NOT_SERVING"}"#).utf8) + [0x0A],
                    method: .healthCheck, code: serving ? .ok : .unavailable)
        case .prometheus:
            body.discard()
            guard allows(request, ["GET"], reply) else { return }
            // A scrape is not counted as a request (InFlightCounter), so it records nothing.
            responder.respond(
                HTTPResponseHead(status: 200, headers: ["content-type": "text/plain; version=0.0.4"]),
                body: ByteBuffer(string: service.stats.prometheusText()))
        case .openAPI:
            body.discard()
            guard allows(request, ["GET", "HEAD"], reply) else { return }
            respond(reply, status: 200, contentType: OpenAPIDocument.contentType, body: OpenAPIDocument.body,
                    method: .other, code: .ok)
        case .metrics(let account), .events(let account):
            let method: ServerStats.Method = if case .metrics = route { .getMetrics } else { .publishEvents }
            guard request.method == "POST" else {
                return body.discard {
                    respond(reply, error: .methodNotAllowed(request.method, allowed: "POST"), method: method, allow: "POST")
                }
            }
            // Absent content-type is taken as JSON (curl --data-binary sends none with -H ""); anything else must say JSON.
            if let contentType = request.headers["content-type"], !Self.isJSON(contentType) {
                return body.discard { respond(reply, error: .unsupportedMediaType(contentType), method: method) }
            }
            let http2 = request.wireProtocol == .http2
            body.collectForREST(upTo: Self.maxBodyBytes, waitForEnd: http2) { result in
                switch result {
                case .success(let bytes):
                    if case .metrics = route {
                        self.getMetrics(request, account: account, query: query, body: bytes, reply: reply)
                    } else {
                        self.publishEvents(request, account: account, body: bytes, reply: reply)
                    }
                case .failure(let error) where error.code == .bodyTooLarge:
                    self.respond(reply, error: .bodyTooLarge(limit: Self.maxBodyBytes), method: method)
                case .failure:
                    self.service.stats.record(.rest, method, .cancelled, since: reply.started)  // the client went away
                }
            }
        }
    }

    private func getMetrics(_ request: HTTPRequestHead, account: String, query: Substring, body: ByteBuffer, reply: Reply) {
        let decoded: GetMetricsRequest
        do {
            decoded = try body.withUnsafeReadableBytes { raw throws(APIError) in
                try GetMetricsRequest(restAccountId: account, query: query, body: raw)
            }
        } catch {
            return respond(reply, error: error, method: .getMetrics)
        }
        let call: MetricsService.Call
        do {
            call = try service.admitGetMetrics(
                decoded, front: .rest, authorization: request.headers["authorization"],
                peer: request.callerAddress,
                scheme: request.scheme, authority: request.authority ?? "localhost")
        } catch {
            return respond(reply, error: error.error, method: .getMetrics, retryAfterMs: error.retryAfterMs)
        }
        let run = { @Sendable in
            let response = call.run()
            call.release()
            self.respond(reply, status: 200, json: response.jsonBytes(), method: .getMetrics, code: .ok)
        }
        if testHooks, let delay = request.headers["x-metricsd-test-delay-ms"].flatMap({ Int64($0) }), delay > 0 {
            reply.responder.onCancel { _ in call.release() }
            reply.responder.eventLoop.scheduleTask(in: .milliseconds(delay)) { run() }
        } else {
            run()
        }
    }

    private func publishEvents(_ request: HTTPRequestHead, account: String, body: ByteBuffer, reply: Reply) {
        var decoded: PublishEventsRequest
        do {
            decoded = try body.withUnsafeReadableBytes { raw throws(APIError) in try PublishEventsRequest(jsonBody: raw) }
        } catch {
            return respond(reply, error: error, method: .publishEvents)
        }
        decoded.accountId = account
        // Answered after the batch is durable, from the log's thread; the responder hops to its loop.
        service.publishEvents(
            decoded, authorization: request.headers["authorization"],
            peer: request.callerAddress
        ) { result in
            switch result {
            case .success(let response):
                self.respond(reply, status: 200, json: response.jsonBytes(), method: .publishEvents, code: .ok)
            case .failure(let error):
                self.respond(reply, error: error.error, method: .publishEvents, retryAfterMs: error.retryAfterMs)
            }
        }
    }

    static let jsonHeaders: HTTPFields = ["content-type": "application/json"]

    /// Where an answer goes and when its request came in (for the latency histogram).
    struct Reply: Sendable {
        let responder: HTTPResponder
        let started: NIODeadline
    }

    /// Every counted REST answer goes out here: recorded first, so that a client that reads
    /// `/metrics` right after its answer sees it counted, then sent.
    private func respond(_ reply: Reply, status: Int, contentType: String, body: ByteBuffer, method: ServerStats.Method,
                         code: APIError.Code, extra: HTTPFields = HTTPFields()) {
        var headers: HTTPFields
        if extra.isEmpty && contentType == "application/json" {
            headers = Self.jsonHeaders  // the usual answer: shared fields, nothing built per call
        } else {
            headers = HTTPFields()
            headers.reserveCapacity(1 + extra.count)
            headers.add(name: "content-type", value: contentType)
            for f in extra { headers.add(name: f.name, value: f.value) }
        }
        service.stats.record(.rest, method, code, since: reply.started)
        reply.responder.respond(HTTPResponseHead(status: status, headers: headers), body: body)
    }

    private func respond(_ reply: Reply, status: Int, json: [UInt8], method: ServerStats.Method,
                         code: APIError.Code, extra: HTTPFields = HTTPFields()) {
        var buffer = ByteBufferAllocator().buffer(capacity: json.count)
        buffer.writeBytes(json)
        respond(reply, status: status, contentType: "application/json", body: buffer, method: method, code: code, extra: extra)
    }

    /// The read-only paths serve `methods`; any other method is a 405 listing them in `Allow`.
    private func allows(_ request: HTTPRequestHead, _ methods: [String], _ reply: Reply) -> Bool {
        guard methods.contains(request.method) else {
            let allow = methods.joined(separator: ", ")
            respond(reply, error: .methodNotAllowed(request.method, allowed: allow), method: .other, allow: allow)
            return false
        }
        return true
    }

    /// `Retry-After` is whole seconds (RFC 9110); rounded up, so a client that waits that long
    /// is admitted, and at least 1, since 0 would invite an immediate retry into the same limit.
    static func retryAfterSeconds(ms: Int64) -> Int64 {
        max(1, ms / 1000 + (ms % 1000 > 0 ? 1 : 0))
    }

    private func respond(_ reply: Reply, error: APIError, method: ServerStats.Method,
                         retryAfterMs: Int64? = nil, allow: String? = nil) {
        var extra = HTTPFields()
        if let retryAfterMs { extra.add(name: "retry-after", value: String(Self.retryAfterSeconds(ms: retryAfterMs))) }
        if let allow { extra.add(name: "allow", value: allow) }
        respond(reply, status: error.httpStatus, json: error.jsonBody(), method: method, code: error.code, extra: extra)
    }
}
