import Logging
import NIOPosix
import ServiceLifecycle
import SiloBlobS3
import SiloDomain
import SiloIAM
import SiloMetadataPostgres
import SiloMetadataSQLite
import SiloStorage

/// The metadata and blob backends `silo server` runs on: embedded (SQLite and files in the data folder), or shared
/// by many gateways (PostgreSQL and an S3 store such as Ceph RGW).
struct Backends {
    typealias Metadata = any StorageMetadata & ImageStyleStore & IAMStore & EventStore & MediaJobStore

    let metadata: Metadata
    let blobs: any BlobStore
    /// STS nonces: in memory for one process, in the database when gateways share it.
    let nonces: any NonceRegistry
    /// Whether other processes may change the metadata (so in-memory copies must follow the database).
    let shared: Bool
    let metadataDescription: String
    let blobsDescription: String
    private let closers: [@Sendable () async -> Void]

    static func open(metadata metadataOption: String, blobs blobsOption: String, dataDirectory: String,
                     pool: NIOThreadPool, abandonedWriteSeconds: Int64 = 600, logger: Logger) async throws -> Backends {
        var closers: [@Sendable () async -> Void] = []
        let metadata: Metadata
        let nonces: any NonceRegistry
        var postgres: PostgresMetadataStore?
        var metadataDescription: String
        switch metadataOption {
        case "sqlite":
            metadata = try SQLiteMetadataStore(path: dataDirectory + "/metadata.sqlite")
            nonces = InMemoryNonceRegistry()
            metadataDescription = "SQLite (\(dataDirectory)/metadata.sqlite)"
        case let url where url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"):
            let location = try PostgresLocation(url: url)
            do {
                let store = try await PostgresMetadataStore(location: location, logger: logger)
                postgres = store
                closers.append { await store.shutdown() }
            } catch let error as BackendUnavailable {
                throw ValidationFailure("cannot reach the metadata database \(location): \(error.reason)")
            }
            metadata = postgres!
            nonces = PostgresNonceRegistry(store: postgres!)
            metadataDescription = "PostgreSQL (\(location))"
        default:
            throw ValidationFailure("--metadata must be sqlite or a postgres:// URL, not \(metadataOption)")
        }
        let blobs: any BlobStore
        let blobsDescription: String
        switch blobsOption {
        case "local":
            // Writes take staging files made and synced ahead, so a PUT syncs its data but not the directory. With
            // SQLite, a PUT of up to 16 KiB syncs neither: its bytes ride in the metadata commit (BlobJournal.swift).
            let store = try LocalBlobStore(root: dataDirectory, pool: pool, reservedFiles: 32,
                                           journalUpTo: metadataOption == "sqlite" ? 16 << 10 : 0)
            closers.append { store.releaseReserve() }
            blobs = store
            blobsDescription = "local files (\(dataDirectory)/blobs)"
        case let url where url.hasPrefix("s3://"):
            guard let postgres else {
                throw ValidationFailure("--blobs s3://… needs --metadata postgres://… (the shared intent log lives there)")
            }
            let location = try S3Location(url: url)
            let store = S3BlobStore(location: location, intents: postgres,
                                    heartbeat: .seconds(max(1, abandonedWriteSeconds / 5)),
                                    abandonedAfter: abandonedWriteSeconds, logger: logger)
            closers.append { try? await store.shutdown() }
            do {
                try await store.prepare()
            } catch {
                for close in closers.reversed() { await close() }
                throw ValidationFailure("cannot use the blob store \(location): \(error)")
            }
            blobs = store
            blobsDescription = "S3 (\(location), \(store.chunkSize >> 20) MiB chunks)"
        default:
            for close in closers.reversed() { await close() }
            throw ValidationFailure("--blobs must be local or an s3:// URL, not \(blobsOption)")
        }
        return Backends(metadata: metadata, blobs: blobs, nonces: nonces, shared: postgres != nil,
                        metadataDescription: metadataDescription, blobsDescription: blobsDescription, closers: closers)
    }

    func close() async {
        for close in closers.reversed() { await close() }
    }
}

/// Reloads IAM's in-memory state when another gateway changed it: polls the store's IAM generation, so a policy
/// detached or a key disabled anywhere takes effect here within `interval`.
struct IAMFollower: Service {
    let iam: IAMService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await iam.reloadIfChanged()
            } catch {
                logger.warning("cannot check for IAM changes", metadata: ["error": "\(error)"])
            }
        }
    }
}
