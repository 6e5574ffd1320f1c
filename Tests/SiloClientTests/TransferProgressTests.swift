import Foundation
import Testing

@testable import SiloClient

/// Progress reaches every watcher: several independent streams, the latest snapshot, Foundation's `Progress` and
/// the `@Observable` model, all ending at the final snapshot.
@Suite struct TransferProgressTests {
    @Test func everyWatcherSeesTheTransferEnd() async throws {
        let reporter = TransferProgress.Reporter(minimumInterval: .zero)
        reporter.begin(total: 300)
        let first = reporter.observe()
        let second = reporter.observe()
        let collect: @Sendable (AsyncStream<TransferProgress>) async -> [Int64] = { stream in
            var seen: [Int64] = []
            for await update in stream { seen.append(update.bytesTransferred) }
            return seen
        }
        async let a = collect(first)
        async let b = collect(second)
        for _ in 0..<3 { reporter.advance(100) }
        reporter.finish()
        let (seenA, seenB) = await (a, b)
        #expect(seenA.last == 300 && seenB.last == 300)
        #expect(seenA == seenA.sorted() && seenB == seenB.sorted(), "in order, never backwards")
        #expect(reporter.latest.isFinished && reporter.latest.bytesTransferred == 300)
        #expect(reporter.progress.totalUnitCount == 300 && reporter.progress.completedUnitCount == 300)
        #expect(reporter.progress.fractionCompleted == 1)
        // A watcher that comes late gets the final snapshot and an ended stream.
        let late = await collect(reporter.observe())
        #expect(late == [300])
    }

    /// Updates held back by the interval still come when the bytes stop moving: a stalled transfer shows every
    /// byte it sent, not the count at the last update the interval let through.
    @Test func anUpdateHeldBackComesWhenTheBytesStop() async throws {
        let reporter = TransferProgress.Reporter(minimumInterval: .milliseconds(50))
        reporter.begin(total: 1000)
        let updates = reporter.observe()
        let watcher = Task {
            var seen: [Int64] = []
            for await update in updates { seen.append(update.bytesTransferred) }
            return seen
        }
        reporter.advance(100)  // goes out at once
        reporter.advance(200)  // inside the interval: held back, and nothing moves after it
        for _ in 0..<1000 where reporter.latest.bytesTransferred != 300 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(reporter.latest.bytesTransferred == 300)
        #expect(reporter.progress.completedUnitCount == 300)
        #expect(!reporter.latest.isFinished)
        reporter.finish()
        let seen = await watcher.value
        #expect(seen.contains(300) && seen.last == 1000, "every watcher heard it: \(seen)")
    }

    #if canImport(Observation)
    @available(macOS 14, iOS 17, tvOS 17, watchOS 10, visionOS 1, *)
    @MainActor @Test func theObservableModelFollowsTheReporter() async throws {
        let reporter = TransferProgress.Reporter(minimumInterval: .zero)
        reporter.begin(total: 10)
        let model = ObservableTransferProgress(reporter)
        reporter.advance(4)
        reporter.advance(6)
        reporter.finish()
        for _ in 0..<200 where !model.current.isFinished { try await Task.sleep(for: .milliseconds(5)) }
        #expect(model.current.isFinished && model.current.fractionCompleted == 1)
    }
    #endif
}
