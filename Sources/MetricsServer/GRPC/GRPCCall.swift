import HTTP2Server
import MetricsAPI
import NIOCore
import ProtoWire

/// One gRPC call, from request head to status. Confined to its connection's event loop: the
/// body reader, timers and cancellation all run there, so the state needs no lock. Whatever
/// ends the call first (answer, error, deadline, client cancel) wins; the rest find `done`.
final class GRPCCall {
    let front: GRPCFront
    let method: GRPCMethod
    let request: HTTPRequestHead
    let responder: HTTPResponder
    let eventLoop: EventLoop
    /// For the latency histogram.
    let started = NIODeadline.now()

    // Confined to the event loop; plain reads and writes, and reader mutations that call
    // out to nothing: no dynamic exclusivity checks. `timers` keeps them (cancelling one
    // runs callbacks).
    @exclusivity(unchecked) private var reader: GRPCMessageReader
    @exclusivity(unchecked) private var unaryMessage: ByteBuffer?
    @exclusivity(unchecked) private var done = false
    @exclusivity(unchecked) private var headSent = false
    @exclusivity(unchecked) private var admitted: MetricsService.Call?
    private var timers: [Scheduled<Void>] = []
    @exclusivity(unchecked) private var watchId: Int?

    init(front: GRPCFront, method: GRPCMethod, request: HTTPRequestHead, responder: HTTPResponder, eventLoop: EventLoop) {
        self.front = front
        self.method = method
        self.request = request
        self.responder = responder
        self.eventLoop = eventLoop
        reader = GRPCMessageReader(maxMessageBytes: GRPCFront.maxMessageBytes, encoding: request.headers["grpc-encoding"])
    }

    private var bound: NIOLoopBound<GRPCCall> { NIOLoopBound(self, eventLoop: eventLoop) }

    func start(body: HTTPRequestBody) {
        var deadline: (nanos: Int64, text: String)?
        if let timeout = request.headers["grpc-timeout"] {
            guard let nanos = GRPCTimeout.parse(timeout) else {
                body.discard()
                fail(.invalidArgument("grpc-timeout \"\(timeout)\" is malformed (expected 1-8 digits and one of H M S m u n)"))
                return
            }
            deadline = (nanos, timeout)
        }
        // A small unary request usually arrives whole with its head: answered right here, it
        // needs no body reader, no cancel handler and no deadline timer (nothing can run in
        // between: the loop is ours until this returns).
        let whole = body.takeComplete()
        if let whole {
            onBody(.data(whole))
            onBody(.end(trailers: body.trailers))
            if done { return }
        }
        let bound = self.bound
        if let (nanos, timeout) = deadline {
            timers.append(eventLoop.scheduleTask(deadline: started + .nanoseconds(nanos)) {
                bound.value.fail(APIError(code: .deadlineExceeded, message: "deadline exceeded (grpc-timeout \(timeout))"))
            })
        }
        responder.onCancel { error in bound.value.cancelled(error) }
        if whole == nil { body.read { event in self.onBody(event) } }
    }

    // MARK: Request side

    private func onBody(_ event: HTTPBodyEvent) {
        guard !done else { return }
        do throws(GRPCMessageReader.Failure) {
            switch event {
            case .data(let chunk):
                reader.append(chunk)
                while !done, let message = try reader.next() { onMessage(message) }
            case .end:
                try reader.finish()
                if method.isUnaryRequest {
                    guard let message = unaryMessage else {
                        fail(.invalidArgument("\(method.stat.label) needs one request message, got none"))
                        return
                    }
                    // Not kept past decoding: it may be a slice of a read buffer, and a
                    // PublishEvents call lives on until its batch is durable.
                    unaryMessage = nil
                    dispatchUnary(message)
                } else {
                    finishStream()
                }
            case .failed(let error):
                cancelled(error)
            }
        } catch {
            fail(Self.framingError(error))
        }
    }

    private func onMessage(_ message: ByteBuffer) {
        if method.isUnaryRequest {
            guard unaryMessage == nil else {
                fail(.invalidArgument("\(method.stat.label) is unary: got more than one request message"))
                return
            }
            unaryMessage = message
        } else {
            answerReflection(message)
        }
    }

    private static func framingError(_ failure: GRPCMessageReader.Failure) -> APIError {
        switch failure {
        case .messageTooLarge(let length, let limit):
            APIError(code: .resourceExhausted, message: "request message of \(length) bytes exceeds the limit of \(limit) bytes")
        case .compressedWithoutEncoding:
            APIError(code: .internalError, message: "compressed flag set but no grpc-encoding header was sent")
        case .unsupportedCompression(let encoding):
            APIError(code: .unimplemented, message: "grpc-encoding \"\(encoding)\" is not supported; use identity")
        case .invalidFlag(let flag):
            APIError(code: .internalError, message: "invalid message flag byte \(flag) (expected 0 or 1)")
        case .truncated(let have, let need):
            APIError(code: .internalError, message: "request stream ended inside a message (\(have) of \(need) bytes)")
        }
    }

    private func decode<M: ProtoMessage>(_ type: M.Type, _ bytes: ByteBuffer, name: String) -> M? {
        do {
            return try M(protobufBytes: bytes.readableBytesView)
        } catch {
            fail(.invalidArgument("malformed \(name): \(error)"))
            return nil
        }
    }

    // MARK: Dispatch

    private func dispatchUnary(_ bytes: ByteBuffer) {
        let service = front.service
        let authorization = request.headers["authorization"]
        switch method {
        case .getMetrics:
            guard let req = decode(GetMetricsRequest.self, bytes, name: "GetMetricsRequest") else { return }
            do {
                let call = try service.admitGetMetrics(
                    req, front: .grpc, authorization: authorization, peer: self.request.callerAddress,
                    scheme: request.scheme, authority: request.authority ?? "localhost")
                admitted = call
                if front.testHooks, let delay = request.headers["x-metricsd-test-delay-ms"].flatMap({ Int64($0) }), delay > 0 {
                    let bound = self.bound
                    timers.append(eventLoop.scheduleTask(in: .milliseconds(delay)) { bound.value.runQuery() })
                } else {
                    runQuery()
                }
            } catch {
                fail(error.error, retryAfterMs: error.retryAfterMs)
            }
        case .publishEvents:
            guard let req = decode(PublishEventsRequest.self, bytes, name: "PublishEventsRequest") else { return }
            // Answered after the batch is durable, from the log's thread: hop back to the loop.
            let bound = self.bound
            service.publishEvents(req, authorization: authorization, peer: request.callerAddress) { result in
                bound.eventLoop.execute {
                    switch result {
                    case .success(let response): bound.value.finish(response)
                    case .failure(let error): bound.value.fail(error.error, retryAfterMs: error.retryAfterMs)
                    }
                }
            }
        case .healthCheck:
            guard let req = decode(HealthCheckRequest.self, bytes, name: "HealthCheckRequest") else { return }
            guard let status = healthStatus(req.service) else {
                fail(APIError(code: .notFound, message: "unknown service \"\(req.service)\""))
                return
            }
            finish(HealthCheckResponse(status: status))
        case .healthWatch:
            guard let req = decode(HealthCheckRequest.self, bytes, name: "HealthCheckRequest") else { return }
            startWatch(req.service)
        case .reflectionV1, .reflectionV1Alpha:
            break  // streamed: answered per message
        }
    }

    private func runQuery() {
        guard !done, let call = admitted else { return }
        let response = call.run()
        call.release()
        finish(response)
    }

    private func healthStatus(_ name: String) -> HealthCheckResponse.ServingStatus? {
        guard name.isEmpty || front.reflection.descriptors.serviceNames.contains(name) else { return nil }
        return front.health.isServing ? .serving : .notServing
    }

    private func startWatch(_ name: String) {
        sendMessage(HealthCheckResponse(status: healthStatus(name) ?? .serviceUnknown))
        let bound = self.bound
        watchId = front.health.watch { serving in
            bound.eventLoop.execute {
                let call = bound.value
                call.sendMessage(HealthCheckResponse(status: serving ? .serving : .notServing))
                // Shutdown: tell the watcher, then end the stream so the drain can finish.
                if !serving { call.fail(APIError(code: .unavailable, message: "server is shutting down")) }
            }
        }
    }

    private func answerReflection(_ message: ByteBuffer) {
        guard let req = decode(ReflectionRequest.self, message, name: "ServerReflectionRequest") else { return }
        sendMessage(front.reflection.answer(req))
    }

    // MARK: Response side

    private func sendMessage<M: ProtoMessage>(_ message: M) {
        guard !done else { return }
        if !headSent {
            headSent = true
            responder.sendHead(GRPCResponses.okHead)
        }
        responder.sendBody(GRPCResponses.frame(message, allocator: ByteBufferAllocator()))
    }

    /// OK, with the answer (unary) or after the streamed messages (nil).
    private func finish<M: ProtoMessage>(_ message: M?) {
        guard !done else { return }
        if let message, !headSent {
            done = true
            responder.respond(GRPCResponses.okHead, body: GRPCResponses.frame(message, allocator: ByteBufferAllocator()),
                              trailers: GRPCResponses.okTrailers)
        } else {
            if let message { sendMessage(message) }
            done = true
            if headSent {
                responder.end(trailers: GRPCResponses.okTrailers)
            } else {
                responder.respond(GRPCResponses.trailersOnly(APIError(code: .ok, message: "")))
            }
        }
        cleanUp()
        front.service.stats.record(.grpc, method.stat, .ok, since: started)
    }

    /// OK after a streamed response (the client half-closed).
    private func finishStream() { finish(Optional<HealthCheckResponse>.none) }

    func fail(_ error: APIError, retryAfterMs: Int64? = nil) {
        guard !done else { return }
        done = true
        if headSent {
            responder.end(trailers: GRPCResponses.trailers(error))
        } else {
            responder.respond(GRPCResponses.trailersOnly(error, retryAfterMs: retryAfterMs))
        }
        cleanUp()
        front.service.stats.record(.grpc, method.stat, error.code, since: started)
    }

    private func cancelled(_ error: HTTPStreamError) {
        guard !done else { return }
        done = true
        cleanUp()
        front.service.stats.record(.grpc, method.stat, .cancelled, since: started)
    }

    /// Drops timers, the rate-limit permit and the health watch: exactly once per call.
    private func cleanUp() {
        for t in timers { t.cancel() }
        timers = []
        admitted?.release()
        admitted = nil
        if let id = watchId {
            front.health.unwatch(id)
            watchId = nil
        }
    }
}
