import HTTP2Server

extension HTTPRequestHead {
    /// The request target split at the first `?`: the path and the query (empty when there is
    /// none). Searches the UTF-8 bytes: `String.split` walks Characters (grapheme breaking), which
    /// cost about 4 % of a light GetMetrics call in the profile.
    var pathAndQuery: (path: Substring, query: Substring) {
        let utf8 = path.utf8
        guard let mark = utf8.firstIndex(of: UInt8(ascii: "?")) else { return (path[...], "") }
        return (path[..<mark], path[path.index(after: mark)...])
    }
}
