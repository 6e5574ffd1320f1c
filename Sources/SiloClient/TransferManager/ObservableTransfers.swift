#if canImport(Observation)
import Observation

/// A transfer manager's transfers for SwiftUI: an `@Observable` list on the main actor, oldest first, kept current
/// by the manager's updates. `List(model.transfers) { TransferRow($0) }` redraws as they move.
@available(macOS 14, iOS 17, tvOS 17, watchOS 10, visionOS 1, *)
@MainActor @Observable
public final class ObservableTransfers {
    public private(set) var transfers: [TransferSnapshot] = []

    /// The feed holds the model weakly: it stops at the first update after the model is gone.
    public init(_ manager: TransferManager) {
        let updates = manager.updates()  // subscribed before the first list, so no change falls between
        Task { [weak self] in
            let current = await manager.list()
            self?.merge(current)
            for await update in updates {
                guard let self else { return }
                self.apply(update)
            }
        }
    }

    public func transfer(_ id: String) -> TransferSnapshot? { transfers.first { $0.id == id } }

    private func merge(_ snapshots: [TransferSnapshot]) {
        for snapshot in snapshots where transfer(snapshot.id) == nil { transfers.append(snapshot) }
        transfers.sort { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    private func apply(_ update: TransferSnapshot) {
        if update.state == .cancelled {
            transfers.removeAll { $0.id == update.id }
        } else if let index = transfers.firstIndex(where: { $0.id == update.id }) {
            transfers[index] = update
        } else {
            merge([update])
        }
    }
}
#endif
