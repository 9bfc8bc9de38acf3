import ProtoWire

// The few fields of google/protobuf/descriptor.proto that reflection needs to index a
// descriptor set: file names, packages, imports, and the names of messages, enums, services
// and methods. Everything else in a descriptor is skipped as unknown fields; the file bytes
// themselves are served untouched.

struct FileDescriptorSetMessage: ProtoMessage {
    var files: [[UInt8]] = []

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: files.append(try reader.decodeBytes(tag))
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        for f in files { visitor.visitBytes(f, field: 1) }
    }

    static func protoFieldName(_ number: Int) -> String? { number == 1 ? "file" : nil }
}

struct NamedMessage: ProtoMessage, Equatable {
    var name = ""

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        if tag.fieldNumber == 1 { name = try reader.decodeString(tag) } else { try reader.skipField(tag) }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) { visitor.visitString(name, field: 1) }

    static func protoFieldName(_ number: Int) -> String? { number == 1 ? "name" : nil }
}

struct ServiceDescriptorMessage: ProtoMessage {
    var name = ""
    var methods: [String] = []

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: name = try reader.decodeString(tag)
        case 2:
            var method: NamedMessage?
            try reader.decodeMessage(tag, into: &method)
            methods.append(method?.name ?? "")
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(name, field: 1)
        visitor.visitRepeatedMessage(methods.map { NamedMessage(name: $0) }, field: 2)
    }

    static func protoFieldName(_ number: Int) -> String? { [1: "name", 2: "method"][number] }
}

struct MessageDescriptorMessage: ProtoMessage {
    var name = ""
    var nested: [MessageDescriptorMessage] = []
    var enums: [String] = []

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: name = try reader.decodeString(tag)
        case 3: try reader.decodeRepeatedMessage(tag, into: &nested)
        case 4:
            var e: NamedMessage?
            try reader.decodeMessage(tag, into: &e)
            enums.append(e?.name ?? "")
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(name, field: 1)
        visitor.visitRepeatedMessage(nested, field: 3)
        visitor.visitRepeatedMessage(enums.map { NamedMessage(name: $0) }, field: 4)
    }

    static func protoFieldName(_ number: Int) -> String? { [1: "name", 3: "nested_type", 4: "enum_type"][number] }
}

struct FileDescriptorMessage: ProtoMessage {
    var name = ""
    var package = ""
    var dependencies: [String] = []
    var messages: [MessageDescriptorMessage] = []
    var enums: [String] = []
    var services: [ServiceDescriptorMessage] = []

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: name = try reader.decodeString(tag)
        case 2: package = try reader.decodeString(tag)
        case 3: try reader.decodeRepeatedString(tag, into: &dependencies)
        case 4: try reader.decodeRepeatedMessage(tag, into: &messages)
        case 5:
            var e: NamedMessage?
            try reader.decodeMessage(tag, into: &e)
            enums.append(e?.name ?? "")
        case 6: try reader.decodeRepeatedMessage(tag, into: &services)
        default: try reader.skipField(tag)
        }
    }

    func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(name, field: 1)
        visitor.visitString(package, field: 2)
        visitor.visitRepeatedString(dependencies, field: 3)
        visitor.visitRepeatedMessage(messages, field: 4)
        visitor.visitRepeatedMessage(enums.map { NamedMessage(name: $0) }, field: 5)
        visitor.visitRepeatedMessage(services, field: 6)
    }

    static func protoFieldName(_ number: Int) -> String? {
        [1: "name", 2: "package", 3: "dependency", 4: "message_type", 5: "enum_type", 6: "service"][number]
    }
}
