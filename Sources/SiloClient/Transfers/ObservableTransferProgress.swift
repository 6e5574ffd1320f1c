#if canImport(Observation)
import Observation

/// A transfer's progress for SwiftUI: an `@Observable` model on the main actor, fed by a reporter until its
/// transfer ends. `ProgressView(value: model.current.fractionCompleted ?? 0)` redraws as bytes move.
@available(macOS 14, iOS 17, tvOS 17, watchOS 10, visionOS 1, *)
@MainActor @Observable
public final class ObservableTransferProgress {
    public private(set) var current: TransferProgress

    /// The feed holds the model weakly: it ends with the transfer, or at the first update after the model is gone.
    public init(_ reporter: TransferProgress.Reporter) {
        current = reporter.latest
        let updates = reporter.observe()
        Task { [weak self] in
            for await update in updates {
                guard let self else { return }
                self.current = update
            }
        }
    }
}
#endif
