import NIOConcurrencyHelpers

/// Tells whoever keeps state derived from objects (the derived-image cache) that an object was replaced or
/// deleted. Called after the change is committed.
public final class ObjectChangeFeed: Sendable {
    public typealias Observer = @Sendable (_ bucket: String, _ key: String) -> Void
    private let observers = NIOLockedValueBox<[Observer]>([])

    public init() {}

    public func observe(_ observer: @escaping Observer) {
        observers.withLockedValue { $0.append(observer) }
    }

    func changed(bucket: String, key: String) {
        for observer in observers.withLockedValue({ $0 }) { observer(bucket, key) }
    }
}
