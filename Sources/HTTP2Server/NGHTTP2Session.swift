internal import CNghttp2
import NIOCore

/// The C side of `HTTP2Connection`: session creation with our settings, the callbacks (which
/// only record events), the response data provider, and header-array marshalling.
enum NGHTTP2Session {
    struct CreationError: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "nghttp2 session setup failed: \(NGHTTP2Session.errorString(Int(code)))" }
    }

    static func errorString(_ code: Int) -> String {
        String(cString: nghttp2_strerror(Int32(truncatingIfNeeded: code)))
    }

    static func makeServerSession(for connection: HTTP2Connection, settings: HTTP2Server.Configuration) throws -> OpaquePointer {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else { throw CreationError(code: -901) }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunkRecv)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSend)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else { throw CreationError(code: -901) }
        defer { nghttp2_option_del(option) }
        // We return window credit only when the handler took the bytes (back-pressure).
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_stream_reset_rate_limit(option, settings.streamResetBurst, settings.streamResetRate)

        let userData = Unmanaged.passRetained(connection).toOpaque()
        var session: OpaquePointer?
        let rv = nghttp2_session_server_new2(&session, callbacks, userData, option)
        guard rv == 0, let session else {
            Unmanaged<HTTP2Connection>.fromOpaque(userData).release()
            throw CreationError(code: rv)
        }
        var entries = [
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: settings.initialWindowSize),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: UInt32(settings.maxHeaderListSize)),
        ]
        var result = nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)
        if result == 0 {
            result = nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, settings.connectionWindowSize)
        }
        guard result == 0 else {
            nghttp2_session_del(session)
            Unmanaged<HTTP2Connection>.fromOpaque(userData).release()
            throw CreationError(code: result)
        }
        return session
    }

    @inline(__always)
    static func connection(_ userData: UnsafeMutableRawPointer?) -> HTTP2Connection {
        Unmanaged<HTTP2Connection>.fromOpaque(userData!).takeUnretainedValue()
    }

    static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
        guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
            frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST
        else { return 0 }
        let connection = connection(userData)
        let id = frame.pointee.hd.stream_id
        let stream = HTTP2Stream(id: id, connection: connection)
        connection.streams[id] = stream
        connection.lastStream = stream
        connection.streamOpenedSinceIdleCheck = true
        connection.headerReuse.begin()
        return 0
    }

    static let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
        guard let frame, let name, let value else { return 0 }
        let connection = connection(userData)
        guard let stream = connection.stream(frame.pointee.hd.stream_id) else { return 0 }
        // nghttp2 does not enforce our advertised MAX_HEADER_LIST_SIZE; count as RFC 9113 does.
        stream.headerBytes += nameLength + valueLength + 32
        if stream.headerBytes > connection.settings.maxHeaderListSize {
            stream.headersTooLarge = true
        }
        if stream.headersTooLarge { return 0 }
        let nameBytes = UnsafeRawBufferPointer(start: name, count: nameLength)
        let valueBytes = UnsafeRawBufferPointer(start: value, count: valueLength)
        if stream.headReceived {
            if stream.trailers == nil { stream.trailers = HTTPFields() }
            stream.trailers!.appendLowercased(
                name: String(decoding: nameBytes, as: UTF8.self), value: String(decoding: valueBytes, as: UTF8.self))
            return 0
        }
        let (nameString, valueString) = connection.headerReuse.strings(name: nameBytes, value: valueBytes)
        if nameLength > 1 && nameBytes[0] == UInt8(ascii: ":") {
            switch nameBytes[1] {
            case UInt8(ascii: "m"): stream.method = valueString
            case UInt8(ascii: "p") where nameLength == 5: stream.path = valueString
            case UInt8(ascii: "a"): stream.authority = valueString
            case UInt8(ascii: "s"): stream.scheme = valueString
            default: break  // :protocol (extended CONNECT) is not supported
            }
        } else {
            connection.headerReuse.append(name: nameString, value: valueString)
        }
        return 0
    }

    static let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, userData in
        guard let frame else { return 0 }
        let connection = connection(userData)
        let hd = frame.pointee.hd
        let endStream = hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            guard let stream = connection.stream(hd.stream_id) else { return 0 }
            if !stream.headReceived {
                stream.headers = connection.headerReuse.finish()
                stream.headReceived = true
                stream.requestEnded = endStream
                if stream.headersTooLarge {
                    stream.headDispatched = true  // no handler will see it: its body is dropped as it comes
                    connection.events.append(.headersTooLarge(stream))
                } else {
                    connection.events.append(.head(stream))
                }
            } else if endStream {
                stream.requestEnded = true
                // Before the head is dispatched, the head's dispatch finishes the body itself.
                if stream.headDispatched { connection.events.append(.end(stream)) }
            }
        case NGHTTP2_DATA.rawValue:
            guard endStream, let stream = connection.stream(hd.stream_id), !stream.requestEnded else { return 0 }
            stream.requestEnded = true
            if stream.headDispatched { connection.events.append(.end(stream)) }
        case NGHTTP2_PING.rawValue:
            // The ACK of a liveness PING needs no action: reading it was the point.
            if hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 && !isLivenessPing(frame.pointee.ping) {
                connection.events.append(.pingAck)
            }
        default:
            break
        }
        return 0
    }

    static let onDataChunkRecv: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, length, userData in
        let connection = connection(userData)
        guard let data, length > 0 else { return 0 }
        guard let stream = connection.stream(streamID) else {
            // Not a request we track: its bytes must still return to the connection window.
            connection.events.append(.untrackedData(streamID, length))
            return 0
        }
        stream.unconsumed += length
        let chunk = connection.inputChunk(data, count: length)
        if stream.headDispatched {
            connection.events.append(.data(stream, chunk))
        } else {
            // The head's event is still queued: the bytes go with it (see `dispatch(.head)`).
            stream.early.append(chunk)
            stream.earlyBytes += length
        }
        return 0
    }

    /// Notes responses that completed while their request is still open (see `.responseSent`).
    static let onFrameSend: nghttp2_on_frame_send_callback = { _, frame, userData in
        guard let frame, frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 else { return 0 }
        let connection = connection(userData)
        if let stream = connection.stream(frame.pointee.hd.stream_id), !stream.requestEnded {
            connection.events.append(.responseSent(stream))
        }
        return 0
    }

    static let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, userData in
        let connection = connection(userData)
        if let stream = connection.stream(streamID) {
            connection.events.append(.closed(stream, errorCode))
        }
        return 0
    }

    /// The response data provider: copies queued body bytes into nghttp2's frame buffer;
    /// defers when none are queued; at the end sets EOF and, with trailers, submits them.
    static let dataSourceRead: nghttp2_data_source_read_callback = { session, streamID, buffer, length, flags, _, userData in
        let connection = connection(userData)
        guard let stream = connection.stream(streamID), let buffer, let flags else {
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        let written = stream.outbound.copy(into: buffer, length: length)
        if written > 0 { stream.noteSent(written, into: &connection.completedPromises) }
        if !stream.hasPendingOutbound && stream.outboundEnded {
            stream.responseFinished = true
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            if let trailers = stream.outboundTrailers {
                flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                let rv = withNameValues(status: nil, fields: trailers) { nva, count in
                    nghttp2_submit_trailer(session, streamID, nva, count)
                }
                if rv != 0 { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
            }
            if let promise = stream.endPromise {
                stream.endPromise = nil
                connection.completedPromises.append(promise)
            }
            return written
        }
        if written == 0 {
            stream.deferred = true
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        return written
    }

    static func isLivenessPing(_ ping: nghttp2_ping) -> Bool {
        withUnsafeBytes(of: ping.opaque_data) { $0.elementsEqual(HTTP2Connection.livenessPingData) }
    }

    /// Connection-specific fields are illegal in HTTP/2 (RFC 9113 §8.2.2); a handler shared with
    /// HTTP/1.1 may set them, so they are dropped here rather than failing the stream.
    static func isConnectionSpecific(_ name: String) -> Bool {
        // Length first: almost every name is ruled out without a string comparison.
        switch name.utf8.count {
        case 7, 10, 16, 17: break
        default: return false
        }
        switch name {
        case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade": return true
        default: return false
        }
    }

    /// Builds a temporary `nghttp2_nv` array (nghttp2 copies it during the submit call).
    static func withNameValues<R>(
        status: Int?, fields: HTTPFields, _ body: (UnsafePointer<nghttp2_nv>, Int) -> R
    ) -> R {
        let statusValue: String
        switch status {
        case nil: statusValue = ""
        case 200?: statusValue = "200"  // nearly every answer: no number formatting
        case let code?: statusValue = String(code)
        }
        var byteCount = status == nil ? 0 : 7 + statusValue.utf8.count
        var count = status == nil ? 0 : 1
        for field in fields where !isConnectionSpecific(field.name) {
            byteCount += field.name.utf8.count + field.value.utf8.count
            count += 1
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Swift.max(byteCount, 1)) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: Swift.max(count, 1)) { nvs in
                var offset = 0
                var index = 0
                func copy(_ string: String) -> (UnsafeMutablePointer<UInt8>, Int) {
                    let start = bytes.baseAddress! + offset
                    let n =
                        string.utf8.withContiguousStorageIfAvailable { utf8 in
                            if let base = utf8.baseAddress, utf8.count > 0 { start.update(from: base, count: utf8.count) }
                            return utf8.count
                        }
                        ?? UnsafeMutableBufferPointer(start: start, count: byteCount - offset).initialize(from: string.utf8).1
                    offset += n
                    return (start, n)
                }
                func add(_ name: String, _ value: String) {
                    let (namePointer, nameLength) = copy(name)
                    let (valuePointer, valueLength) = copy(value)
                    nvs[index] = nghttp2_nv(
                        name: namePointer, value: valuePointer, namelen: nameLength, valuelen: valueLength,
                        flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                    index += 1
                }
                if status != nil { add(":status", statusValue) }
                for field in fields where !isConnectionSpecific(field.name) {
                    add(field.name, field.value)
                }
                return body(UnsafePointer(nvs.baseAddress!), index)
            }
        }
    }
}
