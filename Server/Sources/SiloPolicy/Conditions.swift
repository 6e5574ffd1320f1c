import Foundation
import SiloCore

/// Condition operators (spec §16.4).
public enum ConditionOperator: String, Sendable, Hashable, CaseIterable {
    case stringEquals = "StringEquals"
    case stringNotEquals = "StringNotEquals"
    case stringEqualsIgnoreCase = "StringEqualsIgnoreCase"
    case stringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
    case stringLike = "StringLike"
    case stringNotLike = "StringNotLike"
    case numericEquals = "NumericEquals"
    case numericNotEquals = "NumericNotEquals"
    case numericLessThan = "NumericLessThan"
    case numericLessThanEquals = "NumericLessThanEquals"
    case numericGreaterThan = "NumericGreaterThan"
    case numericGreaterThanEquals = "NumericGreaterThanEquals"
    case dateEquals = "DateEquals"
    case dateNotEquals = "DateNotEquals"
    case dateLessThan = "DateLessThan"
    case dateLessThanEquals = "DateLessThanEquals"
    case dateGreaterThan = "DateGreaterThan"
    case dateGreaterThanEquals = "DateGreaterThanEquals"
    case bool = "Bool"
    case ipAddress = "IpAddress"
    case notIpAddress = "NotIpAddress"

    /// Negated operators hold when the key is absent; all others then fail (AWS semantics, spec §16.4).
    var isNegated: Bool {
        switch self {
        case .stringNotEquals, .stringNotEqualsIgnoreCase, .stringNotLike, .numericNotEquals, .dateNotEquals, .notIpAddress:
            return true
        default:
            return false
        }
    }

    /// Values the operator cannot compare are grammar errors, not silent non-matches.
    func validate(_ values: [String], statement: Int) throws(PolicyError) {
        for value in values {
            switch self {
            case .numericEquals, .numericNotEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan,
                .numericGreaterThanEquals:
                guard Double(value) != nil else { throw PolicyError("Statement \(statement): \(rawValue) needs numbers, got \(value).") }
            case .dateEquals, .dateNotEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
                guard ConditionDates.parse(value) != nil else {
                    throw PolicyError("Statement \(statement): \(rawValue) needs ISO 8601 dates, got \(value).")
                }
            case .bool:
                guard ["true", "false"].contains(value.lowercased()) else {
                    throw PolicyError("Statement \(statement): Bool needs true or false, got \(value).")
                }
            case .ipAddress, .notIpAddress:
                guard IPRange(value) != nil else { throw PolicyError("Statement \(statement): \(value) is not an IP or CIDR.") }
            default:
                break
            }
        }
    }

    /// Whether the request's values for the key satisfy the condition's values. Several condition values are ORed.
    func holds(request: [String]?, condition: [String]) -> Bool {
        guard let request, !request.isEmpty else { return isNegated }
        switch self {
        case .stringEquals: return request.contains { condition.contains($0) }
        case .stringNotEquals: return !request.contains { condition.contains($0) }
        case .stringEqualsIgnoreCase:
            return request.contains { value in condition.contains { $0.lowercased() == value.lowercased() } }
        case .stringNotEqualsIgnoreCase:
            return !request.contains { value in condition.contains { $0.lowercased() == value.lowercased() } }
        case .stringLike: return request.contains { value in condition.contains { Wildcard.matches($0, value) } }
        case .stringNotLike: return !request.contains { value in condition.contains { Wildcard.matches($0, value) } }
        case .numericNotEquals:
            return !request.contains { value in condition.contains { Double($0) != nil && Double($0) == Double(value) } }
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals:
            return request.contains { value in
                guard let lhs = Double(value) else { return false }
                return condition.contains { text in Double(text).map { compare(lhs, $0) } ?? false }
            }
        case .dateNotEquals:
            return !request.contains { value in
                condition.contains { ConditionDates.parse($0) != nil && ConditionDates.parse($0) == ConditionDates.parse(value) }
            }
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            return request.contains { value in
                guard let lhs = ConditionDates.parse(value) else { return false }
                return condition.contains { text in ConditionDates.parse(text).map { compare(lhs, $0) } ?? false }
            }
        case .bool:
            return request.contains { value in condition.contains { $0.lowercased() == value.lowercased() } }
        case .ipAddress:
            return request.contains { value in condition.contains { IPRange($0)?.contains(value) ?? false } }
        case .notIpAddress:
            return !request.contains { value in condition.contains { IPRange($0)?.contains(value) ?? false } }
        }
    }

    private func compare<T: Comparable>(_ lhs: T, _ rhs: T) -> Bool {
        switch self {
        case .numericEquals, .dateEquals: return lhs == rhs
        case .numericLessThan, .dateLessThan: return lhs < rhs
        case .numericLessThanEquals, .dateLessThanEquals: return lhs <= rhs
        case .numericGreaterThan, .dateGreaterThan: return lhs > rhs
        case .numericGreaterThanEquals, .dateGreaterThanEquals: return lhs >= rhs
        default: return false
        }
    }
}

/// ISO 8601 instants with `Z` or a `±hh:mm` offset, optionally with fractional seconds; also Unix seconds.
enum ConditionDates {
    static func parse(_ text: String) -> Double? {
        if let seconds = Double(text), !text.contains("-") { return seconds }
        var body = Substring(text)
        var offset = 0
        if body.hasSuffix("Z") {
            body = body.dropLast()
        } else if body.count > 6 {
            let tail = body.suffix(6)
            let sign = tail.first
            let parts = tail.dropFirst().split(separator: ":")
            guard sign == "+" || sign == "-", parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]) else {
                return nil
            }
            offset = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
            body = body.dropLast(6)
        } else {
            return nil
        }
        var fraction = 0.0
        if let dot = body.firstIndex(of: ".") {
            guard let value = Double("0" + body[dot...]) else { return nil }
            fraction = value
            body = body[..<dot]
        }
        guard let seconds = Timestamps.parseISO8601(body + "Z") else { return nil }
        return Double(seconds - Int64(offset)) + fraction
    }
}

/// An IPv4 or IPv6 address or CIDR block.
struct IPRange: Hashable {
    let network: [UInt8]
    let prefixLength: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPRange.bytes(String(first)) else { return nil }
        let maximum = address.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...maximum).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = maximum
        }
        network = address
    }

    func contains(_ text: String) -> Bool {
        guard var address = IPRange.bytes(text) else { return false }
        // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as IPv4.
        if address.count == 16 && network.count == 4 && address[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
            address = Array(address[12...])
        }
        guard address.count == network.count else { return false }
        var remaining = prefixLength
        for index in 0..<address.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != network[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    static func bytes(_ text: String) -> [UInt8]? {
        if text.contains(":") { return ipv6(text) }
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var result: [UInt8] = []
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isNumber), let value = UInt8(octet) else { return nil }
            result.append(value)
        }
        return result
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        var groups: [UInt16] = []
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func parse(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = bytes(String(piece)) {
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = parse(halves[0]) else { return nil }
        if halves.count == 2 {
            guard let tail = parse(halves[1]), head.count + tail.count < 8 else { return nil }
            groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            groups = head
        }
        guard groups.count == 8 else { return nil }
        return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
