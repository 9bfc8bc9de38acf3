import HTTP2Server
import NIOCore

extension HTTPRequestBody {
    /// The whole body, or a `.bodyTooLarge` failure once it passed `limit` bytes (the rest is
    /// read and dropped either way).
    ///
    /// When to say "too large" depends on the wire. HTTP/1.1 says it at once: the connection
    /// closes after the 413, and the transport stops reading about 1 MiB later. HTTP/2 waits
    /// until the client has sent the whole body: a complete answer while the upload still runs
    /// makes some clients (curl) drop the stream and lose the 413.
    ///
    /// `completion` runs once, on the body's event loop. A callback rather than a future: the
    /// promise and its callback list were two allocations on every REST call.
    func collectForREST(
        upTo limit: Int, waitForEnd: Bool, _ completion: @escaping (Result<ByteBuffer, HTTPStreamError>) -> Void
    ) {
        // Made only for a refusal: formatting the message cost ~2 % of every REST call.
        func tooLarge() -> HTTPStreamError {
            HTTPStreamError(code: .bodyTooLarge, message: "request body exceeds \(limit) bytes")
        }
        if let whole = takeComplete() {  // all here already (one read): no reader needed
            completion(whole.readableBytes > limit ? .failure(tooLarge()) : .success(whole))
            return
        }
        var collected: ByteBuffer? = nil  // the first chunk is kept as it is: most bodies are one chunk
        var overflowed = false
        read { event in
            switch event {
            case .data(var chunk):
                guard !overflowed else { return }
                if (collected?.readableBytes ?? 0) + chunk.readableBytes > limit {
                    overflowed = true
                    collected = nil
                    if !waitForEnd { completion(.failure(tooLarge())) }
                } else if collected == nil {
                    collected = chunk
                } else {
                    collected!.writeBuffer(&chunk)
                }
            case .end:
                if !overflowed {
                    completion(.success(collected ?? ByteBuffer()))
                } else if waitForEnd {
                    completion(.failure(tooLarge()))
                }
            case .failed(let error):
                if !overflowed || waitForEnd { completion(.failure(error)) }
            }
        }
    }
}

extension HTTPRequestBody {
    /// Reads and drops the body, then runs `answer` once the client has sent all of it (never,
    /// if the stream failed first). For early refusals (404, 405, 415): over HTTP/2 a complete
    /// answer while the upload still runs makes some clients (curl) drop the stream and lose
    /// the answer. The transport's body cap bounds how long that wait can be.
    func discard(thenAnswer answer: @escaping () -> Void) {
        read { event in
            if case .end = event { answer() }
        }
    }
}
