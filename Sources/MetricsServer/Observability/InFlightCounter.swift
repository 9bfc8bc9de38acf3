import HTTP2Server

/// Counts requests as they enter the fronts, so `/metrics` can show how many are in flight
/// (HTTP/2 streams and HTTP/1.1 exchanges being answered). Each front records the end of every
/// request it enters exactly once (`ServerStats.record`); a scrape of `/metrics` records
/// nothing, so it is not counted here either.
struct InFlightCounter: HTTPHandler {
    let inner: any HTTPHandler
    let stats: ServerStats

    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        if !Self.isScrape(request) { stats.requestStarted() }
        inner.handle(request, body: body, responder: responder)
    }

    static func isScrape(_ request: HTTPRequestHead) -> Bool {
        request.method == "GET" && request.path.utf8.starts(with: "/metrics".utf8)
            && (request.path.utf8.count == 8 || request.path.utf8.dropFirst(8).first == UInt8(ascii: "?"))
    }
}
