// swift-tools-version:6.1
import PackageDescription

// A separate package so `swift build` of the service never builds it; it depends on the
// service package by path. Run: swift run -c release --package-path Benchmarks/JSONBenchmark
let package = Package(
    name: "JSONBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "metricsd", path: "../..")],
    targets: [
        .executableTarget(
            name: "JSONBenchmark",
            dependencies: [
                .product(name: "MetricsAPI", package: "metricsd"),
                .product(name: "MetricsCore", package: "metricsd"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
