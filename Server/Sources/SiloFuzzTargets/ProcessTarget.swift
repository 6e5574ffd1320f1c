import SiloCore

enum ProcessTarget {
    /// Parse; a parsed pipeline's or video action's canonical form parses to the same thing (the cache key is stable).
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
        if case .video(let video)? = try? ProcessRequest.parse(text) {
            guard case .video(let again)? = try? ProcessRequest.parse(video.canonical), again == video else {
                preconditionFailure("the canonical form \(video.canonical) of \(text) does not parse to the same action")
            }
        }
        _ = try? SaveAsRequest.parse(form: text)
        if let request = try? AsyncProcessRequest.parse(form: text) {
            _ = request.targetKeys
        }
    }
}
