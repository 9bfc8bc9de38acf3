/// Answers server reflection requests (v1 and v1alpha alike) from the embedded descriptor set.
struct ReflectionService: Sendable {
    let descriptors: DescriptorSet

    /// gRPC status code NOT_FOUND, as the reflection protocol reports misses.
    static let notFound: Int32 = 5
    static let unimplemented: Int32 = 12

    func answer(_ request: ReflectionRequest) -> ReflectionResponse {
        var response = ReflectionResponse(validHost: request.host, originalRequest: request, answer: .none)
        switch request.kind {
        case .listServices:
            response.answer = .services(descriptors.serviceNames)
        case .fileByFilename(let name):
            response.answer = descriptors.fileWithDependencies(named: name).map { .fileDescriptors($0) }
                ?? .error(code: Self.notFound, message: "file not found: \(name)")
        case .fileContainingSymbol(let symbol):
            response.answer = descriptors.fileWithDependencies(containingSymbol: symbol).map { .fileDescriptors($0) }
                ?? .error(code: Self.notFound, message: "symbol not found: \(symbol)")
        case .fileContainingExtension(let type, let number):
            response.answer = .error(code: Self.notFound, message: "extension \(number) of \(type) not found (no extensions are defined)")
        case .allExtensionNumbersOfType(let type):
            response.answer = descriptors.fileWithDependencies(containingSymbol: type) != nil
                ? .extensionNumbers(baseType: type, numbers: [])
                : .error(code: Self.notFound, message: "type not found: \(type)")
        case .none:
            response.answer = .error(code: Self.unimplemented, message: "empty reflection request: set one of the message_request fields")
        }
        return response
    }
}
