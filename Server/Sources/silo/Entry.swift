import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

@main
enum Entry {
    static func main() async {
        // Swift concurrency's jobs run on NIO's event loops instead of on a second pool of threads: a request's
        // handler then runs, and its response is written, on the thread that read it, without two cross-thread
        // wake-ups per request (GET 4 KiB at 16 connections: 8.9k -> 13.2k req/s, docs/PERFORMANCE.md). Blocking
        // work stays off the loops as before (blob I/O and fsync on the blob pool, scrypt on NIO's thread pool,
        // SQLite writes on GRDB's writer queue). Must run on the main thread before any task is enqueued.
        // One event loop per core by default. Where Silo shares few cores with other busy processes (an app
        // server and a load generator on 2 cores in `make bench`), fewer loops trade peak throughput for tail
        // latency: loops beyond the cores left to Silo only queue behind the others' threads.
        if let text = ProcessInfo.processInfo.environment["SILO_EVENT_LOOPS"] {
            guard let count = Int(text), (1...1024).contains(count) else {
                FileHandle.standardError.write(Data("Error: SILO_EVENT_LOOPS must be a whole number from 1 to 1024, not '\(text)'.\n".utf8))
                exit(64)
            }
            NIOSingletons.groupLoopCountSuggestion = count
        }
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await Silo.main()
    }
}
