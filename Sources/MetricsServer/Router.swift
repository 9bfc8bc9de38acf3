import HTTP2Server

/// Sends gRPC calls to the gRPC front and everything else to the REST gateway. A request is
/// gRPC when it says so in its content-type or targets a gRPC service path (so a gRPC path with
/// a wrong content-type gets gRPC's 415, not REST's 404).
struct Router: HTTPHandler {
    let grpc: GRPCFront
    let rest: RESTGateway

    func handle(_ request: HTTPRequestHead, body: HTTPRequestBody, responder: HTTPResponder) {
        if request.headers["content-type"]?.hasPrefix("application/grpc") == true
            || request.path.hasPrefix("/manager_workspace.v1.") || request.path.hasPrefix("/grpc.")
        {
            grpc.handle(request, body: body, responder: responder)
        } else {
            rest.handle(request, body: body, responder: responder)
        }
    }
}
