// swift-tools-version:6.1
// The client-side package: pure logic (SiloCore) that iOS/macOS apps and the server share, and the SDK.
import PackageDescription

let package = Package(
    name: "Silo",
    platforms: [.macOS(.v13), .iOS(.v16), .tvOS(.v16), .watchOS(.v9), .visionOS(.v1)],
    products: [
        .library(name: "SiloCore", targets: ["SiloCore"]),
        .library(name: "SiloClient", targets: ["SiloClient"]),
        .library(name: "SiloClientAHC", targets: ["SiloClientAHC"]),
    ],
    dependencies: [
        // 3.x too: Alibaba Cloud's own Swift SDK v2 pins swift-crypto below 4, and an app may use both.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        // `make docs`: DocC for SiloClient (a plugin: apps never build it).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // CRC-64 folded with carry-less multiplication where the CPU has it (x86-64 PCLMULQDQ).
        .target(name: "CSiloChecksum"),
        .target(
            name: "SiloCore",
            dependencies: [
                "CSiloChecksum",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),

        // The SDK: Foundation and SiloCore only, so iOS apps never build NIO.
        .target(
            name: "SiloClient",
            dependencies: ["SiloCore", .product(name: "HTTPTypes", package: "swift-http-types")],
            // The privacy manifest App Store review requires of SDKs that read file timestamps.
            resources: [.copy("PrivacyInfo.xcprivacy")]
        ),
        .target(
            name: "SiloClientAHC",
            dependencies: [
                "SiloClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The example iOS app's everything-but-the-views (Examples/PhotoUploader): built and tested here, on Linux.
        .target(
            name: "PhotoUploaderKit",
            dependencies: ["SiloClient", "SiloCore", .product(name: "HTTPTypes", package: "swift-http-types")],
            path: "Examples/PhotoUploader/PhotoUploaderKit"
        ),
        .testTarget(
            name: "PhotoUploaderKitTests",
            dependencies: ["PhotoUploaderKit", "SiloClient", "SiloCore", .product(name: "HTTPTypes", package: "swift-http-types")],
            path: "Examples/PhotoUploader/Tests"
        ),
        .testTarget(name: "SiloCoreTests", dependencies: ["SiloCore"]),
        .testTarget(name: "SiloClientTests", dependencies: ["SiloClient"]),
    ],
    swiftLanguageModes: [.v6]
)
