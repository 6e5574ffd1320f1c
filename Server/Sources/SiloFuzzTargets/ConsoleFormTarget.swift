import SiloCore

@testable import SiloConsole

/// The console's form bodies and cookies, as any browser (or attacker) may send them.
enum ConsoleFormTarget {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let form = try? ConsoleForm.parse(text) {
            precondition(form.fields.count <= ConsoleForm.maxFields, "a form kept more fields than the bound")
            // A parsed form re-encoded parses to the same fields.
            let encoded = form.fields.map { name, value in
                SiloCore.PercentEncoding.encode(name) + "=" + SiloCore.PercentEncoding.encode(value)
            }.joined(separator: "&")
            precondition((try? ConsoleForm.parse(encoded))?.fields == form.fields, "a form does not survive its own encoding")
        }
        _ = ConsoleFrontEnd.cookie("silo_console", inHeaders: text.split(separator: "\n").map(String.init))
        _ = ConsoleForm.constantTimeEquals(text, "silo")
    }
}
