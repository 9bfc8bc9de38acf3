/// The glue between the JSON reader/writer and the public message API: runs a decoder over a
/// document and turns its `JSONError` into the INVALID_ARGUMENT the fronts return.
enum JSONCodec {
    static func decode<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (inout JSONReader) throws(JSONError) -> T
    ) throws(APIError) -> T {
        do {
            return try JSONReader.read(bytes, body)
        } catch {
            throw APIError.invalidArgument(error.description)
        }
    }

    static func decode<T>(
        _ bytes: [UInt8], _ body: (inout JSONReader) throws(JSONError) -> T
    ) throws(APIError) -> T {
        do {
            return try JSONReader.read(bytes, body)
        } catch {
            throw APIError.invalidArgument(error.description)
        }
    }

    static func encode(capacity: Int = 512, _ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter(capacity: capacity)
        body(&w)
        return w.bytes
    }
}
