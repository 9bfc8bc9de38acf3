import MetricsAPI
import SwiftProtobuf

// Our messages converted field by field into swift-protobuf's generated types, so the setup
// checks can compare what each library decoded from the other's bytes with an independently
// built value, rather than trusting byte equality alone.

extension ManagerWorkspace_V1_GetMetricsResponse {
    init(_ r: GetMetricsResponse) {
        self.init()
        if let m = r.metadata {
            metadata.count = m.count
            if let l = m.first { metadata.first = .init(l) }
            if let l = m.prev { metadata.prev = .init(l) }
            if let l = m.`self` { metadata.self_p = .init(l) }
            if let l = m.next { metadata.next = .init(l) }
            if let l = m.last { metadata.last = .init(l) }
        }
        if let g = r.groupBy {
            groupBy.groupByField = g.groupByField
            groupBy.groups = g.groups.map { group in
                var out = ManagerWorkspace_V1_Group()
                out.key = group.key
                out.keyDescription = group.keyDescription
                if let m = group.metrics { out.metrics = .init(m) }
                return out
            }
        }
        if let a = r.all {
            all = .init()
            if let m = a.metrics { all.metrics = .init(m) }
        }
    }
}

extension ManagerWorkspace_V1_Link {
    init(_ l: Link) {
        self.init()
        rel = l.rel
        href = l.href
    }
}

extension ManagerWorkspace_V1_Metrics {
    init(_ m: Metrics) {
        self.init()
        if let v = m.closedConversations { closedConversations = v }
        if let v = m.closedByAgent { closedByAgent = v }
        if let v = m.closedByConsumer { closedByConsumer = v }
        if let v = m.autoClosed { autoClosed = v }
        if let v = m.avgTimeToResponse { avgTimeToResponse = v }
        if let v = m.avgTimeToFirstResponseFirstAssignment { avgTimeToFirstResponseFirstAssignment = v }
        if let v = m.avgTimeToFirstResponseAllAssignments { avgTimeToFirstResponseAllAssignments = v }
        if let v = m.avgWaitTime { avgWaitTime = v }
        if let v = m.avgWaitTimeFirstResponse { avgWaitTimeFirstResponse = v }
        if let v = m.assignedConversations { assignedConversations = v }
        if let v = m.activeConversations { activeConversations = v }
        if let v = m.onlineAgents { onlineAgents = v }
        if let v = m.awayAgents { awayAgents = v }
        if let v = m.backSoonAgents { backSoonAgents = v }
        if let v = m.availableSlots { availableSlots = v }
        if let v = m.agentLoad { agentLoad = v }
        if let v = m.humanAgentLoad { humanAgentLoad = v }
        if let v = m.humanOnlineLoad { humanOnlineLoad = v }
    }
}

extension ManagerWorkspace_V1_PublishEventsRequest {
    init(_ r: PublishEventsRequest) {
        self.init()
        accountID = r.accountId
        producerID = r.producerId
        sequence = r.sequence
        events = r.events.map { e in
            var out = ManagerWorkspace_V1_Event()
            out.type = e.type
            out.time = e.time
            out.skillID = e.skillId
            out.name = e.name
            out.agentGroupID = e.agentGroupId
            if let v = e.parentGroupId { out.parentGroupID = v }
            out.agentID = e.agentId
            out.userType = e.userType
            out.skillIds = e.skillIds
            if let v = e.maxSlots { out.maxSlots = v }
            out.state = e.state
            out.conversationID = e.conversationId
            if let v = e.weight { out.weight = v }
            out.closedBy = e.closedBy
            return out
        }
    }
}
