public import MetricsCore

/// Access to the `Metrics` message by `Metric`, so the JSON mapping and the response builder
/// walk the metrics as a table instead of repeating eighteen field names.
extension Metrics {
    /// The value of one metric, typed by `Metric.valueType`. Setting a value of the other type
    /// converts it (a double count is rounded; one that does not fit an Int64 is dropped).
    public subscript(metric: Metric) -> MetricValue? {
        get {
            switch metric {
            case .closedConversations: closedConversations.map(MetricValue.count)
            case .closedByAgent: closedByAgent.map(MetricValue.count)
            case .closedByConsumer: closedByConsumer.map(MetricValue.count)
            case .autoClosed: autoClosed.map(MetricValue.count)
            case .avgTimeToResponse: avgTimeToResponse.map(MetricValue.double)
            case .avgTimeToFirstResponseFirstAssignment: avgTimeToFirstResponseFirstAssignment.map(MetricValue.double)
            case .avgTimeToFirstResponseAllAssignments: avgTimeToFirstResponseAllAssignments.map(MetricValue.double)
            case .avgWaitTime: avgWaitTime.map(MetricValue.double)
            case .avgWaitTimeFirstResponse: avgWaitTimeFirstResponse.map(MetricValue.double)
            case .assignedConversations: assignedConversations.map(MetricValue.count)
            case .activeConversations: activeConversations.map(MetricValue.count)
            case .onlineAgents: onlineAgents.map(MetricValue.count)
            case .awayAgents: awayAgents.map(MetricValue.count)
            case .backSoonAgents: backSoonAgents.map(MetricValue.count)
            case .availableSlots: availableSlots.map(MetricValue.count)
            case .agentLoad: agentLoad.map(MetricValue.double)
            case .humanAgentLoad: humanAgentLoad.map(MetricValue.double)
            case .humanOnlineLoad: humanOnlineLoad.map(MetricValue.double)
            }
        }
        set {
            let c: Int64?
            let d: Double?
            switch newValue {
            case .none:
                c = nil
                d = nil
            case .count(let v):
                c = v
                d = Double(v)
            case .double(let v):
                c = Rounding.int64(Rounding.halfAwayFromZero(v))
                d = v
            }
            switch metric {
            case .closedConversations: closedConversations = c
            case .closedByAgent: closedByAgent = c
            case .closedByConsumer: closedByConsumer = c
            case .autoClosed: autoClosed = c
            case .avgTimeToResponse: avgTimeToResponse = d
            case .avgTimeToFirstResponseFirstAssignment: avgTimeToFirstResponseFirstAssignment = d
            case .avgTimeToFirstResponseAllAssignments: avgTimeToFirstResponseAllAssignments = d
            case .avgWaitTime: avgWaitTime = d
            case .avgWaitTimeFirstResponse: avgWaitTimeFirstResponse = d
            case .assignedConversations: assignedConversations = c
            case .activeConversations: activeConversations = c
            case .onlineAgents: onlineAgents = c
            case .awayAgents: awayAgents = c
            case .backSoonAgents: backSoonAgents = c
            case .availableSlots: availableSlots = c
            case .agentLoad: agentLoad = d
            case .humanAgentLoad: humanAgentLoad = d
            case .humanOnlineLoad: humanOnlineLoad = d
            }
        }
    }
}
