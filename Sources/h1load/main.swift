#if canImport(Glibc)
import Glibc
#endif

/// A load generator for HTTP/1.1 that pipelines requests with bodies, which h2load does not
/// (with `-d`, h2load keeps one request in flight per HTTP/1.1 connection whatever `-m` says).
/// One thread, `poll(2)`, C keep-alive connections with up to M requests written ahead of
/// their responses. Responses must carry Content-Length (metricsd's REST answers do); a
/// chunked or close-delimited response counts as an error and drops the connection.
///
/// Usage: h1load -n N -c C -m M -d BODYFILE [-H "name: value"]... http://HOST:PORT/PATH
/// Prints h2load's summary lines ("finished in …, R req/s", "requests: … succeeded, F failed")
/// so scripts/bench reads both tools the same way. 2xx counts as succeeded, any other status
/// as failed.

struct Options {
    var total = 10000
    var connections = 8
    var depth = 16
    var bodyFile = ""
    var headers: [String] = []
    var host = "127.0.0.1"
    var port: UInt16 = 80
    var path = "/"
}

/// To standard error (the C `stderr` global is not concurrency-safe to name in Swift 6).
func printError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func usage(_ message: String) -> Never {
    printError("h1load: \(message)\nusage: h1load -n N -c C -m M -d BODYFILE [-H 'name: value']... http://HOST:PORT/PATH\n")
    exit(2)
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    var url: String?
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { usage("\(flag) needs a value") }
        return v
    }
    func count(_ flag: String) -> Int {
        guard let n = Int(value(flag)), n > 0 else { usage("\(flag) needs a positive integer") }
        return n
    }
    while let a = args.popFirst() {
        switch a {
        case "-n": o.total = count(a)
        case "-c": o.connections = count(a)
        case "-m": o.depth = count(a)
        case "-d": o.bodyFile = value(a)
        case "-H": o.headers.append(value(a))
        default:
            guard a.hasPrefix("http://"), url == nil else { usage("unexpected argument \(a)") }
            url = a
        }
    }
    guard let url else { usage("no URL") }
    let rest = url.dropFirst("http://".count)
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    let hostPort = rest[..<slash]
    o.path = slash == rest.endIndex ? "/" : String(rest[slash...])
    if let colon = hostPort.lastIndex(of: ":") {
        o.host = String(hostPort[..<colon])
        guard let p = UInt16(hostPort[hostPort.index(after: colon)...]) else { usage("bad port in \(url)") }
        o.port = p
    } else {
        o.host = String(hostPort)
    }
    return o
}

func readFile(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { usage("cannot open \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

func nowNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Incremental parser for a stream of responses with Content-Length.
struct ResponseParser {
    enum Outcome { case response(status: Int), needMore, malformed(String) }
    private var buffer: [UInt8] = []
    private var start = 0

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete response, consumed from the buffer.
    mutating func next() -> Outcome {
        buffer.withUnsafeBufferPointer { b -> Outcome in
            let n = b.count
            // End of head: CRLF CRLF.
            var i = start
            var headEnd = -1
            while i + 3 < n {
                if b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { headEnd = i + 4; break }
                i += 1
            }
            if headEnd < 0 { return .needMore }
            // "HTTP/1.1 200 ..."
            guard headEnd - start > 12, b[start + 8] == 32 else { return .malformed("bad status line") }
            var status = 0
            for k in (start + 9)..<(start + 12) {
                let d = Int(b[k]) - 48
                guard d >= 0 && d <= 9 else { return .malformed("bad status code") }
                status = status * 10 + d
            }
            // content-length, case-insensitive, at the start of a line.
            var length = -1
            var line = start
            while line < headEnd - 2 {
                var eol = line
                while eol < headEnd && b[eol] != 13 { eol += 1 }
                // "content-length:" has bit 0x20 set in every byte, so OR-ing it in lowercases
                // letters and leaves '-' and ':' as they are.
                let name = "content-length:".utf8
                if eol - line > name.count, zip(name, b[line..<(line + name.count)]).allSatisfy({ $0 == $1 | 0x20 }) {
                    var v = 0
                    var k = line + name.count
                    while k < eol && b[k] == 32 { k += 1 }
                    while k < eol, b[k] >= 48, b[k] <= 57 {
                        v = v * 10 + Int(b[k] - 48)
                        k += 1
                    }
                    length = v
                }
                line = eol + 2
            }
            guard length >= 0 else { return .malformed("response without content-length") }
            guard n - headEnd >= length else { return .needMore }
            start = headEnd + length
            return .response(status: status)
        }
    }
}

final class Connection {
    let fd: Int32
    var parser = ResponseParser()
    var inFlight = 0
    /// Bytes of requests not yet accepted by the socket.
    var pendingWrite: [UInt8] = []
    var pendingOffset = 0

    init(fd: Int32) { self.fd = fd }
}

func connectTo(_ o: Options) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { usage("socket: \(errno)") }
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = o.port.bigEndian
    guard inet_pton(AF_INET, o.host == "localhost" ? "127.0.0.1" : o.host, &addr.sin_addr) == 1 else {
        usage("host must be an IPv4 address, got \(o.host)")
    }
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { usage("connect to \(o.host):\(o.port) failed: errno \(errno)") }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    return fd
}

let options = parseOptions()
let body = options.bodyFile.isEmpty ? [] : readFile(options.bodyFile)
var head = "POST \(options.path) HTTP/1.1\r\nhost: \(options.host):\(options.port)\r\n"
for h in options.headers { head += h + "\r\n" }
head += "content-length: \(body.count)\r\n\r\n"
let request = Array(head.utf8) + body

signal(SIGPIPE, SIG_IGN)
var connections = (0..<options.connections).map { _ in Connection(fd: connectTo(options)) }
var sent = 0, succeeded = 0, failed = 0, errored = 0
let started = nowNanos()
var readBuffer = [UInt8](repeating: 0, count: 256 << 10)

/// Queues requests up to the depth and writes what the socket takes.
@MainActor func fill(_ c: Connection) {
    while c.inFlight < options.depth && sent < options.total {
        c.pendingWrite.append(contentsOf: request)
        c.inFlight += 1
        sent += 1
    }
    while c.pendingOffset < c.pendingWrite.count {
        let n = c.pendingWrite.withUnsafeBytes { write(c.fd, $0.baseAddress! + c.pendingOffset, $0.count - c.pendingOffset) }
        if n <= 0 { break }
        c.pendingOffset += n
    }
    if c.pendingOffset == c.pendingWrite.count {
        c.pendingWrite.removeAll(keepingCapacity: true)
        c.pendingOffset = 0
    }
}

for c in connections { fill(c) }
var fds = [pollfd](repeating: pollfd(), count: connections.count)
while succeeded + failed + errored < options.total && !connections.isEmpty {
    for (i, c) in connections.enumerated() {
        fds[i] = pollfd(fd: c.fd, events: Int16(POLLIN) | (c.pendingWrite.isEmpty ? 0 : Int16(POLLOUT)), revents: 0)
    }
    let ready = poll(&fds, nfds_t(connections.count), 10_000)
    guard ready > 0 else { printError("h1load: no progress in 10 s\n"); break }
    var dead: [Int] = []
    for (i, c) in connections.enumerated() where fds[i].revents != 0 {
        if fds[i].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
            let n = readBuffer.withUnsafeMutableBytes { read(c.fd, $0.baseAddress!, $0.count) }
            if n <= 0 {
                errored += c.inFlight
                dead.append(i)
                continue
            }
            readBuffer.withUnsafeBytes { c.parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            parse: while true {
                switch c.parser.next() {
                case .needMore: break parse
                case .response(let status):
                    c.inFlight -= 1
                    if (200..<300).contains(status) { succeeded += 1 } else { failed += 1 }
                case .malformed(let why):
                    printError("h1load: \(why); dropping the connection\n")
                    errored += c.inFlight
                    dead.append(i)
                    break parse
                }
            }
        }
        if !dead.contains(i) { fill(c) }
    }
    for i in dead.reversed() {
        close(connections[i].fd)
        connections.remove(at: i)
    }
}
let elapsed = Double(nowNanos() - started) / 1e9
let done = succeeded + failed + errored
print("finished in \(format2(elapsed))s, \(format2(Double(done) / elapsed)) req/s")
print("requests: \(options.total) total, \(sent) started, \(done) done, \(succeeded) succeeded, \(failed) failed, \(errored) errored, 0 timeout")
exit(done == options.total && errored == 0 ? 0 : 1)

/// Two decimals without Foundation.
func format2(_ x: Double) -> String {
    let scaled = Int((x * 100).rounded())
    let frac = scaled % 100
    return "\(scaled / 100).\(frac < 10 ? "0" : "")\(frac)"
}
