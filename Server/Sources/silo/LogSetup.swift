import Logging

/// The one place the executable bootstraps logging: stderr at the level the user asked for.
enum LogSetup {
    static func bootstrap(level text: String) {
        let level = Logger.Level(rawValue: text.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
