// swift-tools-version:6.1
// Micro-benchmarks (ordo-one/benchmark) of per-request costs: policy evaluation, token verification, checksums.
// A package of its own so `make test` never builds the benchmark harness.
import PackageDescription

let package = Package(
    name: "SiloMicroBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "SiloServer", path: "../../Server"),
        .package(name: "Silo", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "SiloMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SiloPolicy", package: "SiloServer"),
                .product(name: "SiloIAM", package: "SiloServer"),
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/SiloMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
