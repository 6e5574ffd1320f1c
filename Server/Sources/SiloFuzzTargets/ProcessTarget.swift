import SiloCore

enum ProcessTarget {
    /// Parse; a parsed pipeline's canonical form parses to the same canonical form (the cache key is stable).
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if case .image(let pipeline)? = try? ProcessRequest.parse(text) {
            let canonical = pipeline.canonical
            guard case .image(let again)? = try? ProcessRequest.parse(canonical) else {
                preconditionFailure("the canonical form \(canonical) of \(text) does not parse")
            }
            precondition(again.canonical == canonical, "canonical form unstable: \(canonical) -> \(again.canonical)")
            _ = pipeline.outputFormat
            _ = pipeline.watermarkImageKeys
        }
        _ = try? SaveAsRequest.parse(form: text)
    }
}
