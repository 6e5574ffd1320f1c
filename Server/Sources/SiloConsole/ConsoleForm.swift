import Foundation
import Hummingbird
import NIOCore

/// A form the console posted to itself, read bounded and checked against the session's CSRF token before any
/// field is believed.
struct ConsoleForm: Sendable {
    static let maxBytes = 256 * 1024
    static let maxFields = 200

    let fields: [String: String]

    subscript(_ name: String) -> String? { fields[name] }

    func required(_ name: String, label: String) throws -> String {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw ConsoleFailure.invalidInput("\(label) is required.")
        }
        return value
    }

    var isConfirmed: Bool { fields["confirm"] == "yes" }

    /// `application/x-www-form-urlencoded`, at most `maxFields` fields.
    static func parse(_ text: String) throws -> ConsoleForm {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard fields.count < maxFields else { throw ConsoleFailure.invalidInput("The form has too many fields.") }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else {
                throw ConsoleFailure.invalidInput("The form is not URL-encoded.")
            }
            fields[name] = value
        }
        return ConsoleForm(fields: fields)
    }

    /// Reads the body and checks its `csrf` field against `expected` (the session's token, or the sign-in cookie's).
    static func read(_ request: Request, csrf expected: String) async throws -> ConsoleForm {
        let body = try await request.body.collect(upTo: maxBytes)
        let form = try parse(String(buffer: body))
        guard let given = form["csrf"], constantTimeEquals(given, expected) else { throw ConsoleFailure.csrf }
        return form
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

/// What the console refuses in its own terms; `ConsoleErrors` renders them.
enum ConsoleFailure: Error, Sendable {
    /// Not signed in (or the session ended): go to the sign-in page.
    case signInRequired
    case csrf
    case wrongCredentials
    case invalidInput(String)
    case notFound(String)
}

/// A redirect after a successful form post (post/redirect/get), with an optional notice for the next page.
struct ConsoleRedirect: Error, Sendable {
    let location: String
}
