import ProtoWire

/// grpc.health.v1.HealthCheckRequest
struct HealthCheckRequest: ProtoMessage, Equatable {
    var service = ""

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        if tag.fieldNumber == 1 { service = try reader.decodeString(tag) } else { try reader.skipField(tag) }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) { visitor.visitString(service, field: 1) }

    static func protoFieldName(_ number: Int) -> String? { number == 1 ? "service" : nil }
}

/// grpc.health.v1.HealthCheckResponse
struct HealthCheckResponse: ProtoMessage, Equatable {
    enum ServingStatus: Int32, Sendable {
        case unknown = 0, serving = 1, notServing = 2, serviceUnknown = 3
    }

    var status = ServingStatus.unknown

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        if tag.fieldNumber == 1 {
            status = ServingStatus(rawValue: try reader.decodeInt32(tag)) ?? .unknown
        } else {
            try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitInt32(status.rawValue, field: 1)
    }

    static func protoFieldName(_ number: Int) -> String? { number == 1 ? "status" : nil }
}
