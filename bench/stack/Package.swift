// swift-tools-version:6.1
// The HTTP stack's own floor for `make bench`: the same fixed 4 KiB answer served by a bare SwiftNIO HTTP/1 handler,
// by that handler from a Swift task per request, and by a bare Hummingbird application, beside nginx and Silo's
// `/healthz`, so the cost of each layer is measured.
// A package of its own so `make test` never builds it.
import PackageDescription

let package = Package(
    name: "StackCeiling",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
    ],
    targets: [
        .executableTarget(
            name: "StackCeiling",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
