/// `Range: bytes=a-b` as OSS interprets it (spec §7.3).
public enum ByteRangeRequest: Sendable, Hashable {
    case fromTo(Int64, Int64)
    case from(Int64)
    case suffix(Int64)

    /// Parses one range; multiple ranges and other units are not supported (nil).
    public init?(header: String) {
        let trimmed = header.trimmingASCIIWhitespace()
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = trimmed.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingASCIIWhitespace()
        let last = spec[spec.index(after: dash)...].trimmingASCIIWhitespace()
        switch (Int64(first), Int64(last)) {
        case (let a?, let b?) where first.allSatisfy(\.isASCIIDigit) && last.allSatisfy(\.isASCIIDigit):
            self = .fromTo(a, b)
        case (let a?, nil) where last.isEmpty && first.allSatisfy(\.isASCIIDigit):
            self = .from(a)
        case (nil, let n?) where first.isEmpty && last.allSatisfy(\.isASCIIDigit):
            self = .suffix(n)
        default:
            return nil
        }
    }

    /// The satisfiable byte interval for an object of `size`, or nil.
    ///
    /// Legacy OSS semantics reject an end past the size (the whole object is served instead); the standard
    /// behaviour (`x-oss-range-behavior: standard`) clamps it.
    public func resolve(size: Int64, standard: Bool) -> ClosedRange<Int64>? {
        switch self {
        case .fromTo(let a, let b):
            guard a <= b, a < size else { return nil }
            if b >= size { return standard ? a...(size - 1) : nil }
            return a...b
        case .from(let a):
            guard a < size else { return nil }
            return a...(size - 1)
        case .suffix(let n):
            guard n > 0, size > 0 else { return nil }
            return max(0, size - n)...(size - 1)
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
