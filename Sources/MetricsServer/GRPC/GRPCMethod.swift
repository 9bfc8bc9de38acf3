/// The rpcs this server answers, by `:path`.
enum GRPCMethod: Sendable {
    case getMetrics, publishEvents, healthCheck, healthWatch, reflectionV1, reflectionV1Alpha

    init?(path: Substring) {
        switch path {
        case "/manager_workspace.v1.MetricsService/GetMetrics": self = .getMetrics
        case "/manager_workspace.v1.MetricsService/PublishEvents": self = .publishEvents
        case "/grpc.health.v1.Health/Check": self = .healthCheck
        case "/grpc.health.v1.Health/Watch": self = .healthWatch
        case "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": self = .reflectionV1
        case "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": self = .reflectionV1Alpha
        default: return nil
        }
    }

    /// Unary rpcs take exactly one request message; the others stream.
    var isUnaryRequest: Bool {
        switch self {
        case .getMetrics, .publishEvents, .healthCheck, .healthWatch: true
        case .reflectionV1, .reflectionV1Alpha: false
        }
    }

    var stat: ServerStats.Method {
        switch self {
        case .getMetrics: .getMetrics
        case .publishEvents: .publishEvents
        case .healthCheck: .healthCheck
        case .healthWatch: .healthWatch
        case .reflectionV1, .reflectionV1Alpha: .reflection
        }
    }
}
