// swift-tools-version:6.1
// An app's view of the SDK beside Alibaba Cloud's own Swift SDK v2, which pins swift-crypto below 4: SiloClient
// must resolve and work with swift-crypto 3. `make test` builds and runs this (`test-sdk-crypto3`).
import PackageDescription

let package = Package(
    name: "SwiftCrypto3Check",
    platforms: [.macOS(.v13), .iOS(.v16)],
    dependencies: [
        .package(name: "Silo", path: "../.."),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
    ],
    targets: [
        .executableTarget(name: "SwiftCrypto3Check", dependencies: [
            .product(name: "SiloClient", package: "Silo"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
