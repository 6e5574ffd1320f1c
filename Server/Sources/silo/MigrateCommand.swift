import ArgumentParser
import Foundation
import Logging
import NIOPosix
import SiloDomain

/// `silo migrate`: an embedded data folder (SQLite and local blobs) into PostgreSQL and an S3 blob store.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy an embedded data folder (SQLite metadata, local blobs) into PostgreSQL and an S3 blob store, verifying every object.",
        discussion: """
            Stop the embedded server first. Gateways on the destination must use the same master key as the source \
            (SILO_MASTER_KEY, or the data folder's master.key): access-key secrets are copied sealed. Keep the \
            data folder's root-identity.json, master.key and callback key for the gateways (--data-dir). Running \
            it again is safe.
            """)

    @Option(help: "The embedded server's data folder.")
    var dataDir: String = "./data"

    @Option(help: "Destination metadata: postgres://user[:password]@host:port/database")
    var metadata: String

    @Option(help: "Destination blobs: s3://[key:secret@]host:port/bucket[/prefix][?region=R&tls=1]")
    var blobs: String

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "silo.migrate")
        let dataDirectory = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: dataDirectory + "/metadata.sqlite") else {
            throw ValidationFailure("\(dataDirectory) holds no metadata.sqlite: not an embedded data folder")
        }
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        let source = try await Backends.open(metadata: "sqlite", blobs: "local", dataDirectory: dataDirectory, pool: pool,
                                             logger: logger)
        let destination = try await Backends.open(metadata: metadata, blobs: blobs, dataDirectory: dataDirectory,
                                                  pool: pool, logger: logger)
        do {
            let migration = DataMigration(
                source: source.metadata, sourceBlobs: source.blobs, destination: destination.metadata,
                destinationBlobs: destination.blobs,
                progress: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })
            let report = try await migration.run()
            print("Migrated \(report) from \(dataDirectory) to \(destination.metadataDescription) and \(destination.blobsDescription).")
        } catch {
            await destination.close()
            await source.close()
            try await pool.shutdownGracefully()
            throw error
        }
        await destination.close()
        await source.close()
        try await pool.shutdownGracefully()
    }
}
