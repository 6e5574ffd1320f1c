// swift-tools-version:6.1
// The server package: storage, metadata, HTTP front end and the `silo` executable.
import PackageDescription

let package = Package(
    name: "SiloServer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "silo", targets: ["silo"]),
        .library(name: "SiloPolicy", targets: ["SiloPolicy"]),
        .library(name: "SiloStorage", targets: ["SiloStorage"]),
        .library(name: "SiloIAM", targets: ["SiloIAM"]),
        .library(name: "SiloDomain", targets: ["SiloDomain"]),
        .library(name: "SiloMetadataSQLite", targets: ["SiloMetadataSQLite"]),
        .library(name: "SiloMetadataPostgres", targets: ["SiloMetadataPostgres"]),
        .library(name: "SiloBlobS3", targets: ["SiloBlobS3"]),
        .library(name: "SiloHTTP", targets: ["SiloHTTP"]),
        .library(name: "SiloAuditLog", targets: ["SiloAuditLog"]),
        .library(name: "SiloAppServer", targets: ["SiloAppServer"]),
        .library(name: "SiloImaging", targets: ["SiloImaging"]),
        .library(name: "SiloMedia", targets: ["SiloMedia"]),
        .library(name: "SiloOutbound", targets: ["SiloOutbound"]),
        .library(name: "SiloFuzzTargets", targets: ["SiloFuzzTargets"]),
    ],
    dependencies: [
        .package(name: "Silo", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
    ],
    targets: [
        // Signing and verifying upload callbacks (RSA through BoringSSL's CryptoExtras, BigInt): the gateway signs,
        // the app server verifies. Kept out of the SDK's package so an app never builds it.
        .target(
            name: "SiloCallbackSigning",
            dependencies: [
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "BigInt", package: "BigInt"),
            ]
        ),
        .testTarget(name: "SiloCallbackSigningTests", dependencies: ["SiloCallbackSigning"]),
        .target(
            name: "SiloPolicy",
            dependencies: [.product(name: "SiloCore", package: "Silo")]
        ),
        .target(
            name: "SiloStorage",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // getrandom(2), which Swift's Glibc module does not export: secrets drawn in one call, not eight bytes a call.
        .target(name: "CSiloRandom"),
        .target(
            name: "SiloIAM",
            dependencies: [
                "SiloPolicy",
                "CSiloRandom",
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The application layer: workflows over storage, identity, images and callbacks, one service each.
        .target(
            name: "SiloDomain",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "SiloStorage", "SiloIAM", "SiloPolicy", "SiloImaging", "SiloMedia", "SiloOutbound",
                .product(name: "SiloCore", package: "Silo"),
                "SiloCallbackSigning",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "SiloStorageConformance",
            dependencies: [
                "SiloStorage", "SiloIAM", "SiloDomain", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SiloMetadataSQLite",
            dependencies: [
                "SiloStorage", "SiloIAM", "SiloDomain",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The same stores on PostgreSQL, for many stateless gateways over one database.
        .target(
            name: "SiloMetadataPostgres",
            dependencies: [
                "SiloStorage", "SiloIAM", "SiloDomain",
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Blobs as fixed-size chunks in an S3 bucket (Ceph RGW), signed with SiloCore's AWS SigV4.
        .target(
            name: "SiloBlobS3",
            dependencies: [
                "SiloStorage",
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Server-side HTTP requests to destinations others choose: address policy, no redirects, pinned connects.
        .target(
            name: "SiloOutbound",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The audit log's writer (batched, rotated, off the request path) and its JSON text, for every front end.
        .target(
            name: "SiloAuditLog",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "SiloHTTP",
            dependencies: [
                "SiloAuditLog",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                "SiloStorage", "SiloIAM", "SiloPolicy", "SiloImaging", "SiloMedia", "SiloOutbound", "SiloDomain",
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                // zlib, for OSS's on-the-fly gzip of text-like objects.
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // libvips 8.14 (Debian libvips-dev), and a C shim because its API is varargs.
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .target(name: "CVipsShim", dependencies: ["CVips"], linkerSettings: [.linkedLibrary("jpeg")]),
        // x-oss-process on libvips: shrink-on-load thumbnails, the operations of spec §14, encoders.
        .target(
            name: "SiloImaging",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "CVipsShim", "CVips",
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // x-oss-process=video/... on Debian's ffmpeg and ffprobe, run as bounded child processes (never linked).
        .target(
            name: "SiloMedia",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The token-vending application server: app-user auth, policy templates, callback receiver, catalog.
        .target(
            name: "SiloAppServer",
            dependencies: [
                "SiloAuditLog",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                "SiloOutbound",
                .product(name: "SiloCore", package: "Silo"),
                "SiloCallbackSigning",
                .product(name: "SiloClient", package: "Silo"),
                .product(name: "SiloClientAHC", package: "Silo"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The web console: a front end over the domain and the admin operations, rendered with Mustache.
        .target(
            name: "SiloConsole",
            dependencies: [
                "SiloHTTP", "SiloDomain", "SiloIAM", "SiloStorage", "SiloAppServer", "SiloPolicy",
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Every parser of untrusted bytes as a fuzz target: run by libFuzzer in Fuzz/swift, replayed in the tests.
        .target(
            name: "SiloFuzzTargets",
            dependencies: [
                "SiloHTTP", "SiloIAM", "SiloPolicy", "SiloMedia", "SiloAppServer", "SiloConsole",
                .product(name: "SiloCore", package: "Silo"),
                "SiloCallbackSigning",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "silo",
            dependencies: [
                "SiloAuditLog",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "SiloHTTP", "SiloOutbound", "SiloDomain", "SiloIAM", "SiloAppServer", "SiloImaging", "SiloMedia", "SiloConsole",
                "SiloMetadataSQLite", "SiloMetadataPostgres", "SiloBlobS3",
                "SiloStorage",
                .product(name: "SiloClient", package: "Silo"),
                "SiloCallbackSigning",
                .product(name: "SiloClientAHC", package: "Silo"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // `silo cert dev`: a development CA and server certificates.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "SiloPolicyTests", dependencies: ["SiloPolicy"]),
        .testTarget(
            name: "SiloMediaTests",
            dependencies: ["SiloMedia", .product(name: "SiloCore", package: "Silo"),
                           .product(name: "Subprocess", package: "swift-subprocess"),
                           .product(name: "SystemPackage", package: "swift-system")]
        ),
        // Replays Fuzz/corpus and Fuzz/regressions through every fuzz target.
        .testTarget(name: "SiloFuzzReplayTests", dependencies: ["SiloFuzzTargets"]),
        .testTarget(
            name: "SiloOutboundTests",
            dependencies: ["SiloOutbound", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")]
        ),
        .testTarget(name: "SiloIAMTests", dependencies: ["SiloIAM", "SiloMetadataSQLite", "SiloStorage"]),
        .testTarget(
            name: "SiloConsoleTests",
            dependencies: ["SiloConsole", "SiloHTTP", "SiloDomain", "SiloIAM", "SiloMetadataSQLite", "SiloStorage",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "SiloStorageTests", dependencies: ["SiloStorage", "SiloStorageConformance"]),
        .testTarget(
            name: "SiloMetadataSQLiteTests",
            dependencies: ["SiloMetadataSQLite", "SiloStorageConformance", "SiloDomain", "SiloIAM",
                           .product(name: "NIOPosix", package: "swift-nio")]
        ),
        // Against a PostgreSQL cluster that `scripts/with-postgres` starts (SILO_TEST_POSTGRES_URL).
        .testTarget(
            name: "SiloMetadataPostgresTests",
            dependencies: ["SiloMetadataPostgres", "SiloMetadataSQLite", "SiloStorageConformance", "SiloDomain", "SiloIAM",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Against the RGW and PostgreSQL that `scripts/with-rgw.sh` and `scripts/with-postgres.sh` start.
        .testTarget(
            name: "SiloBlobS3Tests",
            dependencies: ["SiloBlobS3", "SiloMetadataPostgres", "SiloStorage",
                           .product(name: "SiloCore", package: "Silo"), .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SiloHTTPTests",
            dependencies: [
                "SiloHTTP", "SiloMetadataSQLite", "SiloIAM", "SiloDomain", "SiloStorage",
                .product(name: "SiloClient", package: "Silo"),
                .product(name: "SiloClientAHC", package: "Silo"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SiloImagingTests",
            dependencies: ["SiloImaging", "CVips", .product(name: "NIOFoundationCompat", package: "swift-nio")]
        ),
        .testTarget(
            name: "SiloAppServerTests",
            dependencies: [
                "SiloAppServer",
                "SiloCallbackSigning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // The SDK against a real `silo server` process (and the CLI built on it), both signature versions.
        .testTarget(
            name: "SiloClientIntegrationTests",
            dependencies: [
                "SiloAppServer",
                .product(name: "SiloClient", package: "Silo"),
                .product(name: "SiloClientAHC", package: "Silo"),
                .product(name: "SiloCore", package: "Silo"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
