/// The three time formats on the OSS wire, without DateFormatter (slow and locale-prone on Linux).
///
/// Times are whole seconds or milliseconds since the Unix epoch, in UTC.
public enum Timestamps {
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    struct Civil {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    }

    static func civil(fromUnix seconds: Int64) -> Civil {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        return Civil(
            year: year, month: month, day: day,
            hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }

    static func unix(from c: Civil) -> Int64 {
        let y = Int64(c.month <= 2 ? c.year - 1 : c.year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(c.month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(c.day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + Int64(c.hour * 3600 + c.minute * 60 + c.second)
    }

    /// Written in place: a listing formats 1,000 dates a page, six fields each.
    private static func append(_ value: Int, width: Int, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
        var v = value
        var i = start + width - 1
        while i >= start {
            out[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            i -= 1
        }
    }

    /// `Wed, 01 Jan 2025 00:00:00 GMT`
    public static func rfc1123(unixSeconds: Int64) -> String {
        let c = civil(fromUnix: unixSeconds)
        let dayIndex = Int(((unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400) % 7 + 7) % 7)
        var out = [UInt8]()
        out.reserveCapacity(29)
        out.append(contentsOf: weekdays[dayIndex].utf8)
        out.append(contentsOf: ", ".utf8)
        append(c.day, width: 2, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: months[c.month - 1].utf8)
        out.append(UInt8(ascii: " "))
        append(c.year, width: 4, to: &out)
        out.append(UInt8(ascii: " "))
        appendClock(c, to: &out, separator: UInt8(ascii: ":"))
        out.append(contentsOf: " GMT".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendClock(_ c: Civil, to out: inout [UInt8], separator: UInt8?) {
        append(c.hour, width: 2, to: &out)
        if let separator { out.append(separator) }
        append(c.minute, width: 2, to: &out)
        if let separator { out.append(separator) }
        append(c.second, width: 2, to: &out)
    }

    /// `2025-01-01T00:00:00.000Z`: oss2 only parses exactly `.000` milliseconds.
    public static func iso8601(unixSeconds: Int64) -> String {
        var out = [UInt8]()
        out.reserveCapacity(24)
        appendISO8601(unixSeconds: unixSeconds, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `iso8601` appended to bytes being written, without a string of its own.
    public static func appendISO8601(unixSeconds: Int64, to out: inout [UInt8]) {
        let c = civil(fromUnix: unixSeconds)
        append(c.year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        append(c.month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        append(c.day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendClock(c, to: &out, separator: UInt8(ascii: ":"))
        out.append(contentsOf: ".000Z".utf8)
    }

    /// `2025-01-01T00:00:00Z`, the STS Expiration format.
    public static func iso8601NoFraction(unixSeconds: Int64) -> String {
        var s = iso8601(unixSeconds: unixSeconds)
        s.removeLast(5)
        return s + "Z"
    }

    /// `20250101T000000Z`, the V4 timestamp.
    public static func isoBasic(unixSeconds: Int64) -> String {
        let c = civil(fromUnix: unixSeconds)
        var out = [UInt8]()
        append(c.year, width: 4, to: &out)
        append(c.month, width: 2, to: &out)
        append(c.day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendClock(c, to: &out, separator: nil)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `20250101T000000Z`.
    public static func parseISOBasic(_ string: some StringProtocol) -> Int64? {
        let b = Array(string.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z"),
            let year = number(b[0..<4]), let month = number(b[4..<6]), let day = number(b[6..<8]),
            let hour = number(b[9..<11]), let minute = number(b[11..<13]), let second = number(b[13..<15])
        else { return nil }
        return validated(Civil(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }

    /// Parses `2025-01-01T00:00:00Z` or with `.sss` fraction.
    public static func parseISO8601(_ string: some StringProtocol) -> Int64? {
        let b = Array(string.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b.last == UInt8(ascii: "Z"),
            let year = number(b[0..<4]), let month = number(b[5..<7]), let day = number(b[8..<10]),
            let hour = number(b[11..<13]), let minute = number(b[14..<16]), let second = number(b[17..<19])
        else { return nil }
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), number(b[20..<(b.count - 1)]) != nil else { return nil }
        }
        return validated(Civil(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }

    /// Parses RFC 1123 (`Wed, 01 Jan 2025 00:00:00 GMT`); the weekday is optional and not checked.
    public static func parseRFC1123(_ string: some StringProtocol) -> Int64? {
        var text = Substring(string).drop { $0 == " " }
        if let comma = text.firstIndex(of: ",") {
            text = text[text.index(after: comma)...]
        }
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 5, parts[4] == "GMT" || parts[4] == "UTC" || parts[4] == "+0000",
            let day = number(Array(parts[0].utf8)[...]),
            let monthIndex = months.firstIndex(where: { $0.caseInsensitiveEquals(parts[1]) }),
            let year = number(Array(parts[2].utf8)[...]), parts[2].count == 4
        else { return nil }
        let clock = parts[3].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let hour = number(Array(clock[0].utf8)[...]),
            let minute = number(Array(clock[1].utf8)[...]), let second = number(Array(clock[2].utf8)[...])
        else { return nil }
        return validated(Civil(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second))
    }

    private static func validated(_ c: Civil) -> Int64? {
        guard (1...12).contains(c.month), (1...31).contains(c.day), (0...23).contains(c.hour),
            (0...59).contains(c.minute), (0...60).contains(c.second)
        else { return nil }
        return unix(from: c)
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

extension String {
    func caseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        self.utf8.count == other.utf8.count && self.lowercased() == other.lowercased()
    }
}
