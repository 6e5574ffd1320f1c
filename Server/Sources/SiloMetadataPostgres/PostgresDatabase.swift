import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import SiloStorage

/// A pool of connections to the metadata database and the one way Silo runs a transaction on it: BEGIN, the
/// body, COMMIT; a serialization failure or deadlock (or a body asking for it) starts over on a fresh
/// transaction, and no call waits past its deadline for a database that does not answer.
final class PostgresDatabase: Sendable {
    let client: PostgresClient
    let logger: Logger
    let deadline: Duration
    private let runner: Task<Void, Never>

    init(location: PostgresLocation, deadline: Duration, logger: Logger) {
        var clientLogger = logger
        clientLogger.logLevel = max(logger.logLevel, .warning)
        client = PostgresClient(configuration: location.clientConfiguration, backgroundLogger: clientLogger)
        self.logger = logger
        self.deadline = deadline
        // The pool works only while `run()` does; the store owns it, so it is usable from construction on.
        runner = Task { [client] in await client.run() }
    }

    func shutdown() async {
        runner.cancel()
        await runner.value
    }

    /// The body again on a fresh transaction: it saw a state another transaction changed under it.
    struct Retry: Error {}

    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await bounded {
                    try await self.client.withConnection { connection in
                        try await connection.execute("BEGIN", logger: self.logger)
                        do {
                            let value = try await body(connection)
                            try await connection.execute("COMMIT", logger: self.logger)
                            return value
                        } catch {
                            _ = try? await connection.query("ROLLBACK", logger: self.logger)
                            throw error
                        }
                    }
                }
            } catch let error where Self.isTransient(error) && attempt < 20 {
                // Contention, not failure: back off a little, jittered, and run the body again.
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(4 * attempt))))
            }
        }
    }

    /// One statement outside a transaction (a read that needs no other).
    func query<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await bounded { try await self.client.withConnection(body) }
    }

    /// Runs `work`, failing with `BackendUnavailable` when the database errs at the connection level or does not
    /// answer within the deadline.
    private func bounded<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    try await Task.sleep(for: self.deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw BackendUnavailable(backend: "metadata", reason: "PostgreSQL did not answer within \(self.deadline)")
                }
                return value
            }
        } catch let error as PSQLError {
            if Self.isConnectionLevel(error) {
                throw BackendUnavailable(backend: "metadata", reason: "PostgreSQL: \(error.code)")
            }
            // PSQLError describes itself as nothing, to keep query values out of logs; the server's code and
            // message name the problem without them.
            throw PostgresStatementError(
                sqlState: error.serverInfo?[.sqlState], message: error.serverInfo?[.message] ?? "\(error.code)",
                detail: error.serverInfo?[.detail])
        }
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PostgresStatementError)?.sqlState ?? (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func isTransient(_ error: any Error) -> Bool {
        if error is Retry { return true }
        switch sqlState(error) {
        case "40001", "40P01": return true  // serialization_failure, deadlock_detected
        default: return false
        }
    }

    static func isConnectionLevel(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
            .sslUnsupported, .failedToAddSSLHandler:
            return true
        default:
            // 57P01-03: the server is shutting down or cannot connect; 08xxx: connection exceptions.
            guard let state = error.serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("08") || state.hasPrefix("57P")
        }
    }
}

/// How the stores read answers: every row gathered on the connection's event loop as it arrives. Iterating a
/// query's async row sequence instead costs a suspension and a hop back to the caller's task for each batch the
/// socket delivers and the iterator's bookkeeping for each row; on a 1,000-row listing page the gateway spent more
/// CPU on that than on decoding. Every statement here is bounded (a LIMIT, a key, or a table the service keeps
/// small), so reading without back-pressure costs nothing.
extension PostgresConnection {
    /// All rows of a query.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        let gathered: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger)
        return try await gathered.get().rows
    }

    /// All rows of a query, each decoded by `decode` on the event loop as it arrives: a page's decoding overlaps
    /// the database's walk instead of following its last row.
    func decodedRows<Value: Sendable>(_ query: PostgresQuery, logger: Logger,
                                      _ decode: @escaping @Sendable (PostgresRow) throws -> Value) async throws -> [Value] {
        let values = NIOLockedValueBox<[Value]>([])
        _ = try await self.query(query, logger: logger) { row in
            let value = try decode(row)
            values.withLockedValue { $0.append(value) }
        }.get()
        return values.withLockedValue { $0 }
    }

    /// Runs a statement whose rows (if any) nobody needs, reading the answer to its end.
    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await rows(query, logger: logger)
    }
}

/// A statement the database refused, by its SQLSTATE and message.
public struct PostgresStatementError: Error, Sendable, CustomStringConvertible {
    public let sqlState: String?
    public let message: String
    public let detail: String?

    public var description: String {
        "PostgreSQL \(sqlState ?? "error"): \(message)" + (detail.map { " (\($0))" } ?? "")
    }
}
