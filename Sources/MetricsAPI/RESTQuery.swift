/// The URL half of a REST metrics query: `{accountId}` from the path and `offset`, `limit`,
/// `sort` from the query string (SPEC §1). Only syntax is checked here (an integer is an
/// integer); the ranges (offset ≥ 0, limit 1..50, the sort grammar) are checked once, by
/// `GetMetricsRequest.validated(now:front:)`, for both fronts.
///
/// Decisions (docs/api.md): an absent `limit` is stored as 50, so that an explicit `limit=0`
/// stays 0 and validation rejects it on REST; `sort=` (empty) means absent; unknown
/// parameters are ignored; a parameter given twice is a 400; `+` decodes to a space and `%XX`
/// to a byte (the result must be UTF-8).
extension GetMetricsRequest {
    /// A complete REST request: path account id, raw query string (without `?`) and body.
    public init(restAccountId accountId: String, query: Substring, body: UnsafeRawBufferPointer) throws(APIError) {
        self = try GetMetricsRequest(jsonBody: body)
        self.accountId = accountId
        try applyRESTQuery(query)
    }

    public init(restAccountId accountId: String, query: Substring, body: [UInt8]) throws(APIError) {
        self = try GetMetricsRequest(jsonBody: body)
        self.accountId = accountId
        try applyRESTQuery(query)
    }

    /// Sets `offset`, `limit` and `sort` from a raw query string (without `?`).
    public mutating func applyRESTQuery(_ query: Substring) throws(APIError) {
        var offsetText: String?
        var limitText: String?
        var sortText: String?
        var failure: APIError?
        // On the bytes ('&' and '=' are ASCII, so every cut leaves valid UTF-8): walking the
        // Substring's UTF-8 view index by index was a visible cost on every REST call.
        var query = query
        query.withUTF8 { bytes in
            func take(_ slot: inout String?, _ name: String, _ raw: UnsafeBufferPointer<UInt8>) throws(APIError) {
                guard slot == nil else { throw APIError.invalidArgument("\(name) is given more than once") }
                slot = try RESTQuery.percentDecode(raw, parameter: name)
            }
            var start = 0
            while start < bytes.count, failure == nil {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
                defer { start = end + 1 }
                guard start < end else { continue }  // empty part ("a&&b", a trailing "&")
                var eq = start
                while eq < end && bytes[eq] != UInt8(ascii: "=") { eq += 1 }
                let base = bytes.baseAddress!
                let rawName = UnsafeBufferPointer(start: base + start, count: eq - start)
                let valueStart = min(eq + 1, end)
                let rawValue = UnsafeBufferPointer(start: base + valueStart, count: end - valueStart)
                do throws(APIError) {
                    let name = try RESTQuery.percentDecode(rawName, parameter: "query string")
                    switch name {
                    case "offset": try take(&offsetText, name, rawValue)
                    case "limit": try take(&limitText, name, rawValue)
                    case "sort": try take(&sortText, name, rawValue)
                    default: continue  // unknown parameters are ignored
                    }
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        offset = 0
        if let offsetText {
            guard let v = JSONReader.parseIntegerText(offsetText) else {
                throw APIError.invalidArgument("offset must be an integer, got \"\(offsetText)\"")
            }
            offset = v
        }
        limit = 50
        if let limitText {
            guard let v = JSONReader.parseIntegerText(limitText) else {
                throw APIError.invalidArgument("limit must be an integer, got \"\(limitText)\"")
            }
            // Out-of-range values stay out of range so validation reports "limit must be ...".
            limit = Int32(clamping: v)
        }
        sort = sortText ?? ""
    }

    /// `offset=..&limit=..[&sort=..]` for this request (the inverse of `applyRESTQuery`).
    public func restQueryString() -> String {
        RESTQuery.queryString(offset: offset, limit: Int64(limit), sort: sort)
    }
}

enum RESTQuery {
    /// The query string of a metrics URL: parameters in the order offset, limit, sort; sort
    /// only when non-empty, percent-encoded where a query string needs it.
    static func queryString(offset: Int64, limit: Int64, sort: String) -> String {
        "offset=\(offset)" + afterOffset(limit: limit, sort: sort)
    }

    /// What follows the offset's value in `queryString`: `&limit=..` and, when non-empty,
    /// `&sort=..` (links build it once per response and vary only the offset).
    static func afterOffset(limit: Int64, sort: String) -> String {
        // Digits written in place (interpolating the Int64 was ~0.8 % of a call); up to 15
        // bytes the result stays inline, no allocation.
        var s = "&limit=" + DecimalText.withDigits(limit) { String(decoding: $0, as: UTF8.self) }
        if !sort.isEmpty {
            s += "&sort="
            s += percentEncode(sort)
        }
        return s
    }

    /// Keeps RFC 3986 query characters except the ones with a meaning in a form query
    /// (`&`, `=`, `+`, `#`, `%`), so `closedConversations:desc` is written as sent.
    static func percentEncode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"),
                UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: "*"), UInt8(ascii: ","), UInt8(ascii: ";"):
                out.append(c)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` is a cut of a valid UTF-8 string at ASCII delimiters, so valid UTF-8 itself.
    static func percentDecode(_ text: UnsafeBufferPointer<UInt8>, parameter: String) throws(APIError) -> String {
        // Most names and values ("limit", "50") have nothing to decode: no byte buffer, and a
        // short result stays inline in the String.
        if !text.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(decoding: text, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var it = text.makeIterator()
        func hexValue(_ c: UInt8?) -> UInt8? {
            switch c {
            case .some(let c) where c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case .some(let c) where c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case .some(let c) where c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while let c = it.next() {
            switch c {
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let hi = hexValue(it.next()), let lo = hexValue(it.next()) else {
                    throw APIError.invalidArgument("\(parameter): invalid percent-encoding")
                }
                out.append(hi << 4 | lo)
            default:
                out.append(c)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw APIError.invalidArgument("\(parameter): invalid UTF-8 after percent-decoding")
        }
        return s
    }
}
