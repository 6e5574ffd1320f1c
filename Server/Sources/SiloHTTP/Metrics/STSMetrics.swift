import Metrics

/// What STS counts, whichever way the AssumeRole arrived (the HTTP API or `EmbeddedSTS`), so a dashboard's token
/// rate does not depend on where the app server runs.
enum STSMetrics {
    static func tokenIssued() {
        Counter(label: "silo_sts_tokens_issued_total").increment()
    }
}
