// swift-tools-version:6.1
import PackageDescription

// The grpc-swift-2 baseline of scripts/bench: a minimal server answering GetMetrics with a
// fixed ~300-byte message. Built only by scripts/bench, never by CI or scripts/test.
let package = Package(
    name: "GRPCSwiftPeer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    ],
    targets: [
        .executableTarget(
            name: "GRPCSwiftPeer",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
