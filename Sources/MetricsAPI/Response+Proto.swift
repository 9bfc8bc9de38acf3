import ProtoWire

// Binary codecs of the GetMetrics response messages, except Metrics (Metrics+Proto.swift).

extension GetMetricsResponse: ProtoMessage {
    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: try reader.decodeMessage(tag, into: &metadata)
        case 2: try reader.decodeMessage(tag, into: &groupBy)
        case 3: try reader.decodeMessage(tag, into: &all)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitMessage(metadata, field: 1)
        visitor.visitMessage(groupBy, field: 2)
        visitor.visitMessage(all, field: 3)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "metadata"
        case 2: "group_by"
        case 3: "all"
        default: nil
        }
    }
}

extension Metadata: ProtoMessage {
    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: count = try reader.decodeInt64(tag)
        case 2: try reader.decodeMessage(tag, into: &first)
        case 3: try reader.decodeMessage(tag, into: &prev)
        case 4: try reader.decodeMessage(tag, into: &self.`self`)
        case 5: try reader.decodeMessage(tag, into: &next)
        case 6: try reader.decodeMessage(tag, into: &last)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitInt64(count, field: 1)
        visitor.visitMessage(first, field: 2)
        visitor.visitMessage(prev, field: 3)
        visitor.visitMessage(self.`self`, field: 4)
        visitor.visitMessage(next, field: 5)
        visitor.visitMessage(last, field: 6)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "count"
        case 2: "first"
        case 3: "prev"
        case 4: "self"
        case 5: "next"
        case 6: "last"
        default: nil
        }
    }
}

extension Link: ProtoMessage {
    /// The all-default value (ProtoMessage needs a plain `init()`).
    public init() { self.init(rel: "", href: "") }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: rel = try reader.decodeString(tag)
        case 2: href = try reader.decodeString(tag)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(rel, field: 1)
        visitor.visitString(href, field: 2)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "rel"
        case 2: "href"
        default: nil
        }
    }
}

extension GroupBySection: ProtoMessage {
    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: groupByField = try reader.decodeString(tag)
        case 2: try reader.decodeRepeatedMessage(tag, into: &groups)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(groupByField, field: 1)
        visitor.visitRepeatedMessage(groups, field: 2)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "group_by_field"
        case 2: "groups"
        default: nil
        }
    }
}

extension Group: ProtoMessage {
    /// The all-default value (ProtoMessage needs a plain `init()`).
    public init() { self.init(key: "", keyDescription: "", metrics: nil) }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: key = try reader.decodeString(tag)
        case 2: keyDescription = try reader.decodeString(tag)
        case 3: try reader.decodeMessage(tag, into: &metrics)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitString(key, field: 1)
        visitor.visitString(keyDescription, field: 2)
        visitor.visitMessage(metrics, field: 3)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        switch number {
        case 1: "key"
        case 2: "key_description"
        case 3: "metrics"
        default: nil
        }
    }
}

extension AllSection: ProtoMessage {
    /// The all-default value (ProtoMessage needs a plain `init()`).
    public init() { self.init(metrics: nil) }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.fieldNumber {
        case 1: try reader.decodeMessage(tag, into: &metrics)
        default: try reader.skipField(tag)
        }
    }

    @inlinable public func traverseFields<V: ProtoFieldVisitor>(_ visitor: inout V) {
        visitor.visitMessage(metrics, field: 1)
    }

    public static func protoFieldName(_ number: Int) -> String? {
        number == 1 ? "metrics" : nil
    }
}
