/// Every metric the service knows, in the order of the proto `Metrics` message fields.
///
/// `requestName` is the snake_case spelling used in `metricsToRetrieve*` lists; `responseName`
/// is the camelCase spelling used in responses and sort keys (SPEC: sort keys accept only the
/// camelCase names).
public enum Metric: Int, CaseIterable, Sendable, Hashable {
    case closedConversations
    case closedByAgent
    case closedByConsumer
    case autoClosed
    case avgTimeToResponse
    case avgTimeToFirstResponseFirstAssignment
    case avgTimeToFirstResponseAllAssignments
    case avgWaitTime
    case avgWaitTimeFirstResponse
    case assignedConversations
    case activeConversations
    case onlineAgents
    case awayAgents
    case backSoonAgents
    case availableSlots
    case agentLoad
    case humanAgentLoad
    case humanOnlineLoad

    public enum Kind: Sendable { case byTime, currentValue }
    public enum ValueType: Sendable { case count, double }

    public var kind: Kind {
        switch self {
        case .closedConversations, .closedByAgent, .closedByConsumer, .autoClosed,
             .avgTimeToResponse, .avgTimeToFirstResponseFirstAssignment,
             .avgTimeToFirstResponseAllAssignments, .avgWaitTime, .avgWaitTimeFirstResponse:
            return .byTime
        default:
            return .currentValue
        }
    }

    public var valueType: ValueType {
        switch self {
        case .avgTimeToResponse, .avgTimeToFirstResponseFirstAssignment,
             .avgTimeToFirstResponseAllAssignments, .avgWaitTime, .avgWaitTimeFirstResponse,
             .agentLoad, .humanAgentLoad, .humanOnlineLoad:
            return .double
        default:
            return .count
        }
    }

    /// camelCase: JSON field name in responses, and the spelling sort keys use.
    public var responseName: String {
        switch self {
        case .closedConversations: "closedConversations"
        case .closedByAgent: "closedByAgent"
        case .closedByConsumer: "closedByConsumer"
        case .autoClosed: "autoClosed"
        case .avgTimeToResponse: "avgTimeToResponse"
        case .avgTimeToFirstResponseFirstAssignment: "avgTimeToFirstResponseFirstAssignment"
        case .avgTimeToFirstResponseAllAssignments: "avgTimeToFirstResponseAllAssignments"
        case .avgWaitTime: "avgWaitTime"
        case .avgWaitTimeFirstResponse: "avgWaitTimeFirstResponse"
        case .assignedConversations: "assignedConversations"
        case .activeConversations: "activeConversations"
        case .onlineAgents: "onlineAgents"
        case .awayAgents: "awayAgents"
        case .backSoonAgents: "backSoonAgents"
        case .availableSlots: "availableSlots"
        case .agentLoad: "agentLoad"
        case .humanAgentLoad: "humanAgentLoad"
        case .humanOnlineLoad: "humanOnlineLoad"
        }
    }

    /// snake_case: the spelling of `metricsToRetrieveByTime` / `metricsToRetrieveCurrentValue`.
    public var requestName: String {
        var out = ""
        for ch in responseName.unicodeScalars {
            if ch.properties.isUppercase {
                out += "_"
                out.unicodeScalars.append(Unicode.Scalar(UInt8(ch.value) + 32))
            } else {
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Name lookups run on every request (each listed metric, the sort key), so they do not
    /// hash: the names of each length are kept together, and a lookup compares the UTF-8 bytes
    /// of the few names of its length (1–3 for any length) until one matches.
    private struct NameTable: Sendable {
        /// Per byte length, the metrics whose name has it.
        let byLength: [[(name: [UInt8], metric: Metric)]]

        init(_ name: (Metric) -> String) {
            var table: [[(name: [UInt8], metric: Metric)]] = []
            for m in Metric.allCases {
                let bytes = Array(name(m).utf8)
                while table.count <= bytes.count { table.append([]) }
                table[bytes.count].append((bytes, m))
            }
            byLength = table
        }

        func find(_ text: String) -> Metric? {
            var text = text
            return text.withUTF8 { find($0) }
        }

        func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Metric? {
            guard bytes.count < byLength.count else { return nil }
            for entry in byLength[bytes.count] where entry.name.elementsEqual(bytes) { return entry.metric }
            return nil
        }
    }

    private static let byRequestName = NameTable { $0.requestName }
    private static let byResponseName = NameTable { $0.responseName }

    public init?(requestName: String) {
        guard let m = Metric.byRequestName.find(requestName) else { return nil }
        self = m
    }

    public init?(responseName: String) {
        guard let m = Metric.byResponseName.find(responseName) else { return nil }
        self = m
    }

    /// The metric whose camelCase name is the UTF-8 in `bytes` (a JSON key read in place, so
    /// the decoder needs no String for it).
    package init?(responseNameUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let m = Metric.byResponseName.find(bytes) else { return nil }
        self = m
    }
}
