// swift-tools-version:6.1
import PackageDescription

// Benchmarks of metricsd, kept out of the root package so that building or testing the
// service never builds the benchmark harness. Run from this directory:
//   swift package benchmark --target CoreBenchmarks
let package = Package(
    name: "metricsd-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "metricsd", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CoreProfile",
            dependencies: [.product(name: "MetricsCore", package: "metricsd")],
            path: "Sources/CoreProfile"
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MetricsCore", package: "metricsd"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        .executableTarget(
            name: "LimiterBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RateLimiting", package: "metricsd"),
            ],
            path: "Benchmarks/LimiterBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
