// swift-tools-version:6.1
// The client-side package: pure logic (SiloCore) that iOS/macOS apps and the server share, and the SDK.
import PackageDescription

let package = Package(
    name: "Silo",
    platforms: [.macOS(.v13), .iOS(.v16), .tvOS(.v16), .watchOS(.v9), .visionOS(.v1)],
    products: [
        .library(name: "SiloCore", targets: ["SiloCore"]),
        // Server side only: signing and verifying upload callbacks (RSA through BoringSSL, BigInt). Apps never
        // need it, so the SDK's products do not bring it in.
        .library(name: "SiloCallbackSigning", targets: ["SiloCallbackSigning"]),
        .library(name: "SiloClient", targets: ["SiloClient"]),
        .library(name: "SiloClientAHC", targets: ["SiloClientAHC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
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
        .target(
            name: "SiloCallbackSigning",
            dependencies: [
                "SiloCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "BigInt", package: "BigInt"),
            ]
        ),
        // The SDK: Foundation and SiloCore only, so iOS apps never build NIO.
        .target(
            name: "SiloClient",
            dependencies: ["SiloCore", .product(name: "HTTPTypes", package: "swift-http-types")]
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
        .testTarget(name: "SiloCoreTests", dependencies: ["SiloCore", "SiloCallbackSigning"]),
        .testTarget(name: "SiloClientTests", dependencies: ["SiloClient"]),
    ],
    swiftLanguageModes: [.v6]
)
