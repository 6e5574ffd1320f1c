import Foundation
import SiloCore

enum CallbackTargets {
    static let signer = try! CallbackSigner.generate().signer

    /// The callback configuration and variables (base64 JSON from the uploader), the body template, and storage
    /// facts as a receiver verifies them.
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let configuration = input.field()
        let variables = input.field()
        let template = input.string()
        let facts = input.string()
        if let parsed = try? CallbackConfiguration(base64: Data(configuration).base64EncodedString()) {
            precondition(!parsed.urls.isEmpty && parsed.urls.count <= 5)
            _ = parsed.base64
        }
        _ = try? CallbackConfiguration(base64: String(decoding: configuration, as: UTF8.self))
        let values = (try? CallbackConfiguration.variables(base64: Data(variables).base64EncodedString())) ?? [:]
        if let compiled = try? CallbackTemplate(template) {
            var all: [String: CallbackValue] = ["bucket": .text("b"), "object": .text(#"a"b\c"#), "size": .number(5)]
            for (name, value) in values { all[name] = .text(value) }
            let json = compiled.render(all, as: .json)
            _ = compiled.render(all, as: .form)
            _ = json
        }
        // Forged facts never verify.
        if (try? CallbackAttestation.verify(facts: facts, signature: template, stringToSign: "/\n",
                                            publicKeyPEM: signer.publicKeyPEM)) != nil {
            preconditionFailure("fuzzed callback facts verified")
        }
    }
}
