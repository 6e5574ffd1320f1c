import SiloAuditLog
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SiloConsole
import SiloCore
import SiloDomain
import SiloHTTP
import SiloOutbound
import SiloIAM
import SiloImaging
import SiloMedia
import SiloStorage

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the OSS and STS APIs: embedded (SQLite, local blobs) or as one of many gateways (PostgreSQL, S3).")

    @Option(help: "Folder for generated credentials and keys, and for embedded metadata and blobs.")
    var dataDir: String = "./data"

    @Option(help: "Metadata: 'sqlite' (embedded, in the data folder) or postgres://user[:password]@host:port/database[?sslmode=require]; every gateway of a cluster names the same database. Default: $SILO_METADATA (keeps the password out of the process list), else sqlite.")
    var metadata: String?

    @Option(help: "Blobs: 'local' (files in the data folder) or s3://[key:secret@]host:port/bucket[/prefix][?region=R&tls=1] (needs --metadata postgres://…). Default: $SILO_BLOBS, else local.")
    var blobs: String?

    @Option(help: "HOST:PORT for the OSS API.")
    var address: String = "127.0.0.1:9000"

    @Option(help: "HOST:PORT for the STS API.")
    var stsAddress: String = "127.0.0.1:9100"

    @OptionGroup var listener: ListenerOptions

    @Option(help: "HOST:PORT for the web console (sign in with the root's or a RAM user's access key; served over TLS with --tls-cert). Off when not given.")
    var consoleAddress: String?

    @Option(help: "The app server's SQLite file (its 'database' setting): the console shows its upload catalog, read-only.")
    var consoleAppCatalog: String?


    @Option(help: "Also run the application server in this process, from this configuration file (as 'silo app-server --config'): its tokens then come from this process's STS without an HTTP hop. Its sts.accessKeyId must be a key of this server.")
    var appServerConfig: String?

    @Option(help: "HOST:PORT for the app server run with --app-server-config.")
    var appAddress: String = "127.0.0.1:9200"

    @Option(help: "With --app-server-config: where the app server's audit log goes ('silo app-server --audit-log').")
    var appAuditLog: String?

    @Option(help: "/readyz fails when the data folder's file system has less free space than this, in MiB.")
    var minFreeDiskMb: Int64 = 1024


    @Option(help: "Region id for V4 signing and bucket locations.")
    var region: String = "cn-hangzhou"

    @Option(help: "HOST:PORT clients use to reach this server (reported as a bucket's endpoint). Defaults to --address.")
    var publicEndpoint: String?

    @Option(name: .customLong("domain"), help: "Domain for virtual-hosted addressing (<bucket>.<domain>). Repeatable.")
    var domains: [String] = []

    @Option(name: .customLong("bucket"), help: "Create this bucket at start if it does not exist. Repeatable.")
    var buckets: [String] = []

    @Option(help: "Shortest STS session AssumeRole grants, in seconds. Lower it only for tests that watch tokens expire.")
    var stsMinimumDurationSeconds: Int64 = 900

    @Option(help: "Seconds a released blob waits before its file is deleted.")
    var gcGraceSeconds: Int64 = 30

    @Option(help: "With --blobs s3://…: seconds without a heartbeat after which a write is taken to be a dead gateway's and its chunks are freed (writers beat every fifth of it).")
    var abandonedWriteSeconds: Int64 = 600

    @Option(help: "Seconds after which an unfinished multipart upload is aborted and its parts freed (default 7 days).")
    var multipartExpirySeconds: Int64 = 7 * 24 * 3600

    @Option(help: "Where the audit log goes, one JSON line per OSS request (who did what, and why it was allowed): a file path, '-' for stdout, or 'off'. Default: audit.log in the data folder.")
    var auditLog: String?

    @Option(help: "Size in MiB at which the audit log file rotates (audit.log.1, .2, ...).")
    var auditLogMaxMb: Int64 = 64

    @Option(help: "Rotated audit log files kept besides the current one.")
    var auditLogKeep: Int = 5

    @Option(help: "Delivery attempts of a bucket event (backing off from 1 s, doubling up to an hour) before it becomes a dead letter that 'silo events dead' lists and 'silo events replay' retries.")
    var eventMaxAttempts: Int = 10

    @Option(help: "Seconds between passes applying the buckets' lifecycle rules (expiration, transitions, aborting uploads). Rules count whole days, so hourly is plenty.")
    var lifecycleIntervalSeconds: Int64 = 3600

    @Option(help: "Where upload callbacks may go: 'loopback' (development: the app server runs on this machine) or 'public' (public addresses only; never loopback, private or link-local ranges).")
    var callbackPolicy: String = "public"

    @Option(name: .customLong("callback-allow"), help: "HOST or HOST:PORT upload callbacks may reach whatever the policy says. Repeatable.")
    var callbackAllowedHosts: [String] = []

    @Option(help: "Threads for image processing (x-oss-process). Defaults to the number of cores.")
    var imageWorkers: Int = System.coreCount

    @Option(help: "Image requests that may wait for a worker before new ones get 503.")
    var imageQueue: Int = 64

    @Option(help: "Memory for processed images (the derived-image cache), in MiB; 0 turns the cache off.")
    var imageCacheMb: Int = 256

    @Option(help: "Which x-oss-process values requests may use: 'any', or 'styles' (only the buckets' named styles).")
    var imageProcessing: String = "any"

    @Option(help: "ffmpeg processes video/snapshot and video/info may run at once. Defaults to the number of cores.")
    var mediaWorkers: Int = System.coreCount

    @Option(help: "Video requests that may wait for a media worker before new ones get 503.")
    var mediaQueue: Int = 32

    @Option(help: "Seconds one ffmpeg or ffprobe run may take before it is killed.")
    var mediaTimeoutSeconds: Int = 30

    @Option(help: "Asynchronous media jobs (x-oss-async-process) this gateway runs at once; 0 runs none here.")
    var mediaJobWorkers: Int = 1

    @Option(help: "Seconds a media job's lease lasts without renewal: how soon another gateway takes over a dead worker's job.")
    var mediaJobLeaseSeconds: Int64 = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["SILO_LOG_LEVEL"] ?? "info"

    @Flag(help: "Print the root credentials and a client snippet at start, even when they were not generated now.")
    var printCredentials = false

    func run() async throws {
        MemoryTuning.apply()
        LogSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "silo")
        let (host, port) = try Self.split(address, option: "--address")

        let dataDirectory = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        PrivateFiles.restrictNewFiles()
        try PrivateFiles.secure(folder: dataDirectory)
        let identity = try RootIdentity.load(dataDirectory: dataDirectory, environment: ProcessInfo.processInfo.environment)

        let pool = NIOThreadPool(numberOfThreads: 32)
        pool.start()
        guard abandonedWriteSeconds >= 5 else { throw ValidationFailure("--abandoned-write-seconds must be at least 5") }
        // Flags, else the environment (where URLs with passwords stay out of the process list), else embedded.
        let environment = ProcessInfo.processInfo.environment
        let backends = try await Backends.open(metadata: self.metadata ?? environment["SILO_METADATA"] ?? "sqlite",
                                               blobs: self.blobs ?? environment["SILO_BLOBS"] ?? "local",
                                               dataDirectory: dataDirectory,
                                               pool: pool, abandonedWriteSeconds: abandonedWriteSeconds, logger: logger)
        let metadata = backends.metadata
        let masterKey = try MasterKey.load(dataDirectory: dataDirectory, environment: ProcessInfo.processInfo.environment)
        // SSE-OSS: blobs of encrypted objects are sealed with data keys wrapped by a key derived from the master key.
        let blobs = SealingBlobStore(inner: backends.blobs, keys: DataKeys(masterKey: masterKey))
        var settings = ServerSettings(
            region: region, accountId: identity.accountId, publicEndpoint: publicEndpoint ?? address,
            virtualHostDomains: domains.map { $0.lowercased() })
        settings.maxClockSkew = 15 * 60
        let tls = try listener.certificate()
        settings.tls = tls != nil
        guard let callbackMode = OutboundPolicy.Mode(rawValue: callbackPolicy), callbackMode != .unrestricted else {
            throw ValidationFailure("--callback-policy must be loopback or public, not \(callbackPolicy)")
        }
        let callbacks = CallbackSettings(
            signer: try CallbackKey.load(dataDirectory: dataDirectory),
            targets: OutboundPolicy(mode: callbackMode, allowedHosts: Set(callbackAllowedHosts)))
        guard eventMaxAttempts >= 1 else { throw ValidationFailure("--event-max-attempts must be at least 1") }
        guard lifecycleIntervalSeconds >= 1 else { throw ValidationFailure("--lifecycle-interval-seconds must be at least 1") }
        guard imageWorkers >= 1, imageQueue >= 1, imageCacheMb >= 0 else {
            throw ValidationFailure("--image-workers and --image-queue must be at least 1, --image-cache-mb at least 0")
        }
        guard let processing = ImageProcessingPolicy(rawValue: imageProcessing) else {
            throw ValidationFailure("--image-processing must be any or styles, not \(imageProcessing)")
        }
        guard mediaWorkers >= 1, mediaQueue >= 1, mediaTimeoutSeconds >= 1 else {
            throw ValidationFailure("--media-workers, --media-queue and --media-timeout-seconds must be at least 1")
        }
        guard mediaJobWorkers >= 0, mediaJobLeaseSeconds >= 3 else {
            throw ValidationFailure("--media-job-workers must be at least 0 and --media-job-lease-seconds at least 3")
        }
        // Video needs Debian's ffmpeg; without it `video/...` answers NotImplemented and everything else runs.
        let mediaTools = MediaTools.locate()
        if mediaTools == nil { logger.notice("ffmpeg, ffprobe or prlimit not found: video processing is off") }
        // Media output is written in this gateway's own folder, emptied at each start: a transcode cut off by a crash
        // leaves nothing behind past the next start.
        if mediaTools != nil { try PrivateDirectory.useWorkFolder(dataDirectory + "/media-work") }
        let imaging = Domain.Imaging(
            workers: ImageWorkers(processor: try ImageProcessor(), threads: imageWorkers, maxQueued: imageQueue),
            media: mediaTools.map {
                MediaWorkers(tools: $0, limits: MediaLimits(wallSeconds: mediaTimeoutSeconds), maxRunning: mediaWorkers,
                             maxQueued: mediaQueue, logger: logger)
            },
            transcoder: mediaTools.map { MediaTranscoder(tools: $0) },
            cache: imageCacheMb > 0 ? DerivedImageCache(capacityBytes: imageCacheMb << 20) : nil, policy: processing)
        let clock = settings.clock
        let collector = GarbageCollector(
            metadata: metadata, blobs: blobs, grace: gcGraceSeconds, uploadExpiry: multipartExpirySeconds, clock: clock,
            logger: logger)
        try await collector.recover()

        for name in buckets {
            try Names.validateBucketName(name)
            _ = try await metadata.createBucket(BucketRecord(
                name: name, owner: identity.accountId, createdAt: clock(), acl: .private, storageClass: .standard))
        }

        var stsSettings = STSSettings()
        stsSettings.minimumDuration = stsMinimumDurationSeconds
        let iam = IAMService(
            store: metadata, accountId: identity.accountId, rootAccessKeyId: identity.accessKeyId,
            rootSecret: identity.accessKeySecret,
            masterKey: masterKey,
            settings: stsSettings, nonces: backends.nonces, clock: clock)
        try await iam.bootstrap()
        let callbackKeyURL: @Sendable () -> String = { [settings] in settings.callbackPublicKeyURL }
        let domain = Domain(metadata: metadata, blobs: blobs, iam: iam, accountId: identity.accountId, imaging: imaging,
                            callbacks: callbacks, publicKeyURL: callbackKeyURL, clock: clock)
        let audit = try makeAuditLog(logger: logger)
        guard minFreeDiskMb >= 0 else { throw ValidationFailure("--min-free-disk-mb must be at least 0") }
        let readiness = Readiness(metadata: metadata, blobs: blobs, dataDirectory: dataDirectory,
                                  minimumFreeBytes: minFreeDiskMb << 20)
        if listener.metricsAddress != nil { _ = MetricsListener.registry }
        let frontEnd = OSSFrontEnd(settings: settings, domain: domain, auditLog: audit, readiness: readiness,
                                   metrics: listener.metricsAddress != nil ? OSSMetrics() : nil)
        let banner = Banner(
            endpoint: publicEndpoint ?? address, stsAddress: stsAddress, scheme: tls == nil ? "http" : "https", region: region,
            dataDirectory: dataDirectory,
            identity: identity, showCredentials: identity.generated || printCredentials, buckets: buckets,
            metadata: backends.metadataDescription, blobs: backends.blobsDescription,
            audit: audit.map { log in
                if case .file(let path, _, _) = log.destination { return path }
                return "standard output"
            } ?? "off", metricsAddress: listener.metricsAddress, consoleAddress: consoleAddress)
        let startup = Startup(banner: banner, waitsForMetrics: listener.metricsAddress != nil,
                              waitsForConsole: consoleAddress != nil)
        let endpoint = settings.publicEndpoint
        let app = try SiloApplication.make(frontEnd: frontEnd, host: host, port: port, logger: logger, tls: tls) { channel in
            if let bound = channel.localAddress?.port { endpoint.bound(toPort: bound) }
            await startup.ossListening(port: channel.localAddress?.port)
        }
        let (stsHost, stsPort) = try Self.split(stsAddress, option: "--sts-address")
        let sts = try SiloApplication.makeSTS(iam: iam, clock: clock, host: stsHost, port: stsPort, logger: logger,
                                              tls: tls, readiness: readiness) { channel in
            await startup.stsListening(port: channel.localAddress?.port)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app), .init(service: sts), .init(service: collector),
            .init(service: LifecycleService(objects: domain.objects, interval: .seconds(lifecycleIntervalSeconds), clock: clock,
                                            logger: logger)),
            .init(service: EventDelivery(events: metadata, callbacks: domain.callbacks, maxAttempts: eventMaxAttempts,
                                         region: region, clock: clock, logger: logger)),
            .init(service: MediaJobNotifier(jobs: metadata, callbacks: domain.callbacks, notifications: domain.mediaNotifications,
                                            maxAttempts: eventMaxAttempts,
                                            clock: clock, logger: logger)),
        ]
        if let transcoder = imaging.transcoder, mediaJobWorkers > 0 {
            services.append(.init(service: MediaJobRunner(
                jobs: metadata, objects: domain.objects, buckets: domain.buckets, blobs: blobs, transcoder: transcoder,
                concurrency: mediaJobWorkers, lease: mediaJobLeaseSeconds, wakeup: domain.mediaJobs.wakeup, clock: clock,
                logger: logger)))
        }
        if let metricsAddress = listener.metricsAddress {
            services.append(.init(service: try MetricsListener.application(
                address: metricsAddress, readiness: readiness, logger: logger) { channel in
                    await startup.metricsListening(port: channel.localAddress?.port)
                }))
        }
        if let consoleAddress {
            let (consoleHost, consolePort) = try Self.split(consoleAddress, option: "--console-address")
            let console = try ConsoleFrontEnd(oss: frontEnd, version: SiloVersion.current, secureCookies: tls != nil,
                                              appCatalogPath: consoleAppCatalog)
            services.append(.init(service: try console.application(host: consoleHost, port: consolePort, logger: logger, tls: tls) { channel in
                await startup.consoleListening(port: channel.localAddress?.port)
            }))
        }
        if let appServerConfig {
            let (appHost, appPort) = try Self.split(appAddress, option: "--app-address")
            let (configuration, appServer, appAudit) = try await AppServerCommand.prepare(
                config: appServerConfig, auditLog: appAuditLog, logger: Logger(label: "silo.app-server")
            ) { configuration in
                // Checked now, so a key of another server (or a stale secret) is a startup error rather than every
                // token refused. Each token checks both again: the key may be disabled or rotated later.
                guard let key = try? await iam.resolve(accessKeyId: configuration.sts.accessKeyId, securityToken: nil) else {
                    throw ValidationFailure("--app-server-config: sts.accessKeyId \(configuration.sts.accessKeyId) is not an active key of this server")
                }
                guard key.secret == configuration.sts.accessKeySecret else {
                    throw ValidationFailure("--app-server-config: sts.accessKeySecret is not the secret of \(configuration.sts.accessKeyId)")
                }
                return EmbeddedRoleAssumer(sts: EmbeddedSTS(iam: iam, accessKeyId: configuration.sts.accessKeyId,
                                                            accessKeySecret: configuration.sts.accessKeySecret))
            }
            let scheme = tls == nil ? "http" : "https"
            services.append(.init(service: try appServer.application(
                host: appHost, port: appPort, logger: logger, tls: tls?.serverConfiguration()) { channel in
                    AppServerCommand.banner(host: appHost, port: channel.localAddress?.port ?? appPort, scheme: scheme,
                                            configuration: configuration, stsInProcess: true)
                }))
            if let appAudit { services.insert(.init(service: appAudit), at: 0) }
        }
        if backends.shared {
            services.append(.init(service: IAMFollower(iam: iam, interval: .milliseconds(200), logger: logger)))
        }
        // Stopped after the listeners, so its last checkpoint covers every write they acknowledged.
        if let journal = metadata.blobJournal {
            services.insert(.init(service: BlobJournalCheckpointer(journal: journal, blobs: blobs, logger: logger)), at: 0)
        }
        // First in the list, so stopped last: it writes the records of requests that finish while the others stop.
        if let audit { services.insert(.init(service: audit), at: 0) }
        let group = ServiceGroup(configuration: try listener.serviceGroup(services, logger: logger))
        let reload = tls.map { HangupReload(certificates: [$0], logger: logger) }
        try await group.run()
        reload?.cancel()
        await backends.close()
        try await pool.shutdownGracefully()
        try await imaging.workers?.shutdown()
        logger.info("silo stopped")
    }

    static func split(_ address: String, option: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw ValidationError("\(option) must be HOST:PORT, got \(address)") }
        return (String(address[..<colon]), port)
    }
}

/// Prints the banner once every listener is bound.
actor Startup {
    let banner: Banner
    let waitsForMetrics: Bool
    let waitsForConsole: Bool
    var ossPort: Int??
    var stsPort: Int??
    var metricsPort: Int??
    var consolePort: Int??

    init(banner: Banner, waitsForMetrics: Bool = false, waitsForConsole: Bool = false) {
        self.banner = banner
        self.waitsForMetrics = waitsForMetrics
        self.waitsForConsole = waitsForConsole
    }

    func consoleListening(port: Int?) {
        consolePort = .some(port)
        report()
    }

    func metricsListening(port: Int?) {
        metricsPort = .some(port)
        report()
    }

    func ossListening(port: Int?) {
        ossPort = .some(port)
        report()
    }

    func stsListening(port: Int?) {
        stsPort = .some(port)
        report()
    }

    private func report() {
        guard let oss = ossPort, let sts = stsPort, !waitsForMetrics || metricsPort != nil, !waitsForConsole || consolePort != nil
        else { return }
        banner.print(ossPort: oss, stsPort: sts, metricsPort: metricsPort ?? nil, consolePort: consolePort ?? nil)
    }
}

/// What a user needs to start: endpoints, credentials, and a snippet that works.
struct Banner: Sendable {
    var endpoint: String
    var stsAddress: String
    var scheme: String
    var region: String
    var dataDirectory: String
    var identity: RootIdentity.Resolved
    var showCredentials: Bool
    var buckets: [String]
    var metadata: String
    var blobs: String
    var audit: String
    var metricsAddress: String?
    var consoleAddress: String?

    func print(ossPort: Int?, stsPort: Int?, metricsPort: Int? = nil, consolePort: Int? = nil) {
        func resolved(_ address: String, _ port: Int?) -> String {
            guard let port, address.hasSuffix(":0") else { return address }
            return String(address.dropLast(2)) + ":\(port)"
        }
        let endpoint = resolved(self.endpoint, ossPort)
        var lines = [
            "Silo is running.",
            "  OSS endpoint : \(scheme)://\(endpoint)",
            "  STS endpoint : \(scheme)://\(resolved(stsAddress, stsPort))",
            "  region       : \(region)",
            "  data folder  : \(dataDirectory)",
            "  metadata     : \(metadata)",
            "  blobs        : \(blobs)",
            "  audit log    : \(audit)  (silo audit query --help)",
        ]
        if let metricsAddress {
            lines.append("  metrics      : http://\(resolved(metricsAddress, metricsPort))/metrics")
        }
        if let consoleAddress {
            lines.append("  console      : \(scheme)://\(resolved(consoleAddress, consolePort))/")
        }
        if showCredentials {
            lines += [
                "  AccessKeyId     : \(identity.accessKeyId)",
                "  AccessKeySecret : \(identity.accessKeySecret)",
            ]
            let bucket = buckets.first ?? "demo"
            lines += [
                "",
                "Try it with oss2 (pip install oss2):",
                "  import oss2",
                "  auth = oss2.Auth('\(identity.accessKeyId)', '\(identity.accessKeySecret)')",
                "  bucket = oss2.Bucket(auth, '\(scheme)://\(endpoint)', '\(bucket)', region='\(region)')",
                "  bucket.put_object('hello.txt', b'hello silo')",
                "  print(bucket.get_object('hello.txt').read())",
            ]
        } else {
            lines.append("  credentials  : from SILO_ROOT_ACCESS_KEY_ID / the data folder (--print-credentials shows them)")
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

extension ServerCommand {
    func makeAuditLog(logger: Logger) throws -> AuditLog? {
        let folder = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        let choice = auditLog ?? (folder as NSString).appendingPathComponent("audit.log")
        switch choice {
        case "off": return nil
        case "-": return AuditLog(destination: .standardOutput, logger: logger)
        default:
            guard auditLogMaxMb >= 1, auditLogKeep >= 1 else {
                throw ValidationFailure("--audit-log-max-mb and --audit-log-keep must be at least 1")
            }
            return AuditLog(destination: .file(path: choice, maxBytes: auditLogMaxMb << 20, keep: auditLogKeep), logger: logger)
        }
    }
}
