import ArgumentParser
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
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await Silo.main()
    }
}
