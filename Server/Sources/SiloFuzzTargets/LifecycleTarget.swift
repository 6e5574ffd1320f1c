import SiloCore

/// The `<LifecycleConfiguration>` body. What is accepted renders to a document that parses back to the same rules,
/// as the stored configuration is read back from its rendering.
enum LifecycleTarget {
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let allowOverlap = input.byte() & 1 == 1
        guard let configuration = try? LifecycleConfiguration.parse(input.rest(), allowOverlap: allowOverlap) else { return }
        precondition(!configuration.rules.isEmpty && configuration.rules.count <= LifecycleConfiguration.maxRules,
                     "\(configuration.rules.count) rules accepted")
        guard let again = try? LifecycleConfiguration.parse(configuration.xmlBytes(), allowOverlap: true),
              again == configuration
        else { preconditionFailure("an accepted lifecycle configuration does not survive its own rendering") }
    }
}
