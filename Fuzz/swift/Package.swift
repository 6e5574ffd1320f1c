// swift-tools-version:6.1
// libFuzzer driver for Silo's Swift fuzz targets (Server/Sources/SiloFuzzTargets). Built by Fuzz/run.sh with
// `-sanitize=fuzzer,address -parse-as-library`, which provides `main`; never part of the normal build.
import PackageDescription

let package = Package(
    name: "SiloFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "SiloServer", path: "../../Server")],
    targets: [
        .executableTarget(
            name: "silo-fuzz",
            dependencies: [.product(name: "SiloFuzzTargets", package: "SiloServer")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
