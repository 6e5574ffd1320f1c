import SiloCore

enum RangeTargets {
    /// A resolved range always lies inside the object.
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let size = Int64(input.byte()) << 8 | Int64(input.byte())
        let header = input.string()
        guard let range = ByteRangeRequest(header: header) else { return }
        for standard in [true, false] {
            if let resolved = range.resolve(size: size, standard: standard) {
                precondition(resolved.lowerBound >= 0 && resolved.upperBound < size, "\(header) resolved to \(resolved) of \(size)")
            }
        }
    }

    static func imageHeader(_ bytes: [UInt8]) {
        if let header = ImageHeader.sniff(bytes) {
            precondition(header.width > 0 && header.height > 0, "\(header)")
        }
    }
}
