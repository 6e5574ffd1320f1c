// swift-tools-version:6.1
// The client-side package: pure logic (SiloCore) that iOS/macOS apps and the server share.
import PackageDescription

let package = Package(
    name: "Silo",
    platforms: [.macOS(.v13), .iOS(.v16), .tvOS(.v16), .watchOS(.v9), .visionOS(.v1)],
    products: [
        .library(name: "SiloCore", targets: ["SiloCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/CoreOffice/XMLCoder.git", from: "0.18.0"),
    ],
    targets: [
        .target(
            name: "SiloCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "XMLCoder", package: "XMLCoder"),
            ]
        ),
        .testTarget(name: "SiloCoreTests", dependencies: ["SiloCore"]),
    ],
    swiftLanguageModes: [.v6]
)
