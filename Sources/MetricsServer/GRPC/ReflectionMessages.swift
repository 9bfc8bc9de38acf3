import ProtoWire

/// grpc.reflection.v1(alpha).ServerReflectionRequest: the two versions share field numbers.
struct ReflectionRequest: ProtoMessage, Equatable {
    enum Kind: Equatable, Sendable {
        case none
        case fileByFilename(String)
        case fileContainingSymbol(String)
        case fileContainingExtension(containingType: String, number: Int32)
        case allExtensionNumbersOfType(String)
        case listServices(String)
    }

    var host = ""
    var kind = Kind.none

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: host = try reader.decodeString(tag)
        case 3: kind = .fileByFilename(try reader.decodeString(tag))
        case 4: kind = .fileContainingSymbol(try reader.decodeString(tag))
        case 5:
            var ext: ExtensionRequest?
            try reader.decodeMessage(tag, into: &ext)
            kind = .fileContainingExtension(containingType: ext?.containingType ?? "", number: ext?.number ?? 0)
        case 6: kind = .allExtensionNumbersOfType(try reader.decodeString(tag))
        case 7: kind = .listServices(try reader.decodeString(tag))
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(host, field: 1)
        // A oneof member is written even when it holds the default value.
        switch kind {
        case .none: break
        case .fileByFilename(let s): visitor.visitOptionalString(s, field: 3)
        case .fileContainingSymbol(let s): visitor.visitOptionalString(s, field: 4)
        case .fileContainingExtension(let t, let n):
            visitor.visitMessage(ExtensionRequest(containingType: t, number: n), field: 5)
        case .allExtensionNumbersOfType(let s): visitor.visitOptionalString(s, field: 6)
        case .listServices(let s): visitor.visitOptionalString(s, field: 7)
        }
    }

    static func protoFieldName(_ number: Int) -> String? {
        [1: "host", 3: "file_by_filename", 4: "file_containing_symbol", 5: "file_containing_extension",
         6: "all_extension_numbers_of_type", 7: "list_services"][number]
    }
}

struct ExtensionRequest: ProtoMessage, Equatable {
    var containingType = ""
    var number: Int32 = 0

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: containingType = try reader.decodeString(tag)
        case 2: number = try reader.decodeInt32(tag)
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(containingType, field: 1)
        visitor.visitInt32(number, field: 2)
    }

    static func protoFieldName(_ number: Int) -> String? { [1: "containing_type", 2: "extension_number"][number] }
}

/// grpc.reflection.v1(alpha).ServerReflectionResponse (encode side; decode for tests).
struct ReflectionResponse: ProtoMessage, Equatable {
    enum Answer: Equatable, Sendable {
        case none
        case fileDescriptors([[UInt8]])
        case extensionNumbers(baseType: String, numbers: [Int32])
        case services([String])
        case error(code: Int32, message: String)
    }

    var validHost = ""
    var originalRequest: ReflectionRequest?
    var answer = Answer.none

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: validHost = try reader.decodeString(tag)
        case 2: try reader.decodeMessage(tag, into: &originalRequest)
        case 4:
            var m: BytesList?
            try reader.decodeMessage(tag, into: &m)
            answer = .fileDescriptors(m?.items ?? [])
        case 5:
            var m: ExtensionNumbers?
            try reader.decodeMessage(tag, into: &m)
            answer = .extensionNumbers(baseType: m?.baseType ?? "", numbers: m?.numbers ?? [])
        case 6:
            var m: ServiceList?
            try reader.decodeMessage(tag, into: &m)
            answer = .services(m?.services.map(\.name) ?? [])
        case 7:
            var m: ErrorAnswer?
            try reader.decodeMessage(tag, into: &m)
            answer = .error(code: m?.code ?? 0, message: m?.message ?? "")
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(validHost, field: 1)
        visitor.visitMessage(originalRequest, field: 2)
        switch answer {
        case .none: break
        case .fileDescriptors(let files): visitor.visitMessage(BytesList(items: files), field: 4)
        case .extensionNumbers(let base, let numbers):
            visitor.visitMessage(ExtensionNumbers(baseType: base, numbers: numbers), field: 5)
        case .services(let names):
            visitor.visitMessage(ServiceList(services: names.map { NamedMessage(name: $0) }), field: 6)
        case .error(let code, let message): visitor.visitMessage(ErrorAnswer(code: code, message: message), field: 7)
        }
    }

    static func protoFieldName(_ number: Int) -> String? {
        [1: "valid_host", 2: "original_request", 4: "file_descriptor_response",
         5: "all_extension_numbers_response", 6: "list_services_response", 7: "error_response"][number]
    }
}

/// FileDescriptorResponse: repeated bytes file_descriptor_proto = 1.
struct BytesList: ProtoMessage, Equatable {
    var items: [[UInt8]] = []

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        if tag.fieldNumber == 1 { items.append(try reader.decodeBytes(tag)) } else { try reader.skipField(tag) }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        for item in items { visitor.visitBytes(item, field: 1) }
    }

    static func protoFieldName(_ number: Int) -> String? { number == 1 ? "file_descriptor_proto" : nil }
}

struct ExtensionNumbers: ProtoMessage, Equatable {
    var baseType = ""
    var numbers: [Int32] = []

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: baseType = try reader.decodeString(tag)
        case 2: try reader.decodeRepeatedInt32(tag, into: &numbers)
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(baseType, field: 1)
        visitor.visitRepeatedInt64(numbers.map { Int64($0) }, field: 2)
    }

    static func protoFieldName(_ number: Int) -> String? { [1: "base_type_name", 2: "extension_number"][number] }
}

struct ServiceList: ProtoMessage, Equatable {
    var services: [NamedMessage] = []

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        if tag.fieldNumber == 1 { try reader.decodeRepeatedMessage(tag, into: &services) } else { try reader.skipField(tag) }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) { visitor.visitRepeatedMessage(services, field: 1) }

    static func protoFieldName(_ number: Int) -> String? { number == 1 ? "service" : nil }
}

struct ErrorAnswer: ProtoMessage, Equatable {
    var code: Int32 = 0
    var message = ""

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: code = try reader.decodeInt32(tag)
        case 2: message = try reader.decodeString(tag)
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitInt32(code, field: 1)
        visitor.visitString(message, field: 2)
    }

    static func protoFieldName(_ number: Int) -> String? { [1: "error_code", 2: "error_message"][number] }
}
