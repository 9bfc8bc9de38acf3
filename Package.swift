// swift-tools-version:6.1
import PackageDescription

// The arrows point inward: MetricsCore (but for the header-only CPrefetch) and ProtoWire
// import nothing of ours; the fronts (MetricsServer) import the core, never the reverse.
// See docs/design.md.
let package = Package(
    name: "metricsd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "metricsd", targets: ["metricsd"]),
        .library(name: "ProtoWire", targets: ["ProtoWire"]),
        .library(name: "MetricsCore", targets: ["MetricsCore"]),
        .library(name: "MetricsAPI", targets: ["MetricsAPI"]),
        .library(name: "RateLimiting", targets: ["RateLimiting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CNghttp2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .target(name: "ProtoWire"),
        // Prefetch hints (header-only C): the only thing MetricsCore imports.
        .target(name: "CPrefetch"),
        .target(name: "MetricsCore", dependencies: ["CPrefetch"]),
        .target(name: "MetricsAPI", dependencies: ["ProtoWire", "MetricsCore"]),
        .target(name: "RateLimiting"),
        .target(name: "Storage"),
        .target(
            name: "MetricsServer",
            dependencies: [
                "HTTP2Server", "MetricsAPI", "MetricsCore", "ProtoWire", "RateLimiting", "Storage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "metricsd",
            dependencies: [
                "MetricsServer",
                "MetricsAPI",
                "MetricsCore",
                "RateLimiting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "HTTP2Server",
            dependencies: [
                "CNghttp2",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The restart benchmark (docs/benchmarks.md "Durability"): scripts/bench-restart.
        .executableTarget(name: "restartbench", dependencies: ["MetricsServer", "MetricsAPI", "MetricsCore"]),
        // A pipelining HTTP/1.1 load client for scripts/bench (h2load does not pipeline bodies).
        .executableTarget(name: "h1load"),
        .executableTarget(
            name: "h2bench",
            dependencies: [
                "HTTP2Server",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The libnghttp2 test client, one copy for the transport's tests and the gRPC front's
        // frame-level tests (a plain target: test targets cannot depend on each other).
        .target(
            name: "HTTP2TestSupport",
            dependencies: ["CNghttp2"],
            path: "Tests/HTTP2TestSupport"
        ),
        .testTarget(
            name: "HTTP2ServerTests",
            dependencies: [
                "HTTP2Server",
                "HTTP2TestSupport",
                "CNghttp2",
                "MetricsCore",  // SplitMix64 for the parser's property test
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CNghttp2Tests",
            dependencies: ["CNghttp2"]
        ),
        .testTarget(
            name: "ProtoWireTests",
            dependencies: [
                "ProtoWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "MetricsAPITests",
            dependencies: [
                "MetricsAPI",
                "ProtoWire",
                "MetricsCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Golden")]
        ),
        .testTarget(
            name: "MetricsServerTests",
            dependencies: [
                "MetricsServer",
                "HTTP2TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "RateLimitingTests",
            dependencies: [
                "RateLimiting",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage"]
        ),
        .testTarget(
            name: "MetricsCoreTests",
            dependencies: [
                "MetricsCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
