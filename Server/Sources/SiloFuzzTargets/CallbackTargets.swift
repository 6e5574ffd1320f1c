import Foundation
import SiloCallbackSigning
import SiloCore

enum CallbackTargets {
    /// A fixed public key (no key generation per run: swift-crypto's RSA keygen leaks a bignum, which
    /// LeakSanitizer would report as a finding of ours). Its private half was thrown away.
    static let publicKeyPEM = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs2iVRTd8NCjiA3wUprUP
        qN80l16aNa1+4Ej2gw6y6dr15Ys8zJ9sjdWzR6pCeXcs+FFSG9/JAZqIzFznKbhv
        SK+wS17KAPp3YaOTviKlxAyiE2qwY+rPqDd2IGOMQz5NbBKUsoEDsbAKAtoMgQzv
        UrHXSDtHGV2oyFLqTD+3eKjAoMYFBoC8TT59cSwbgCnK3SSFXBUPG18eQzociZfn
        5Vg4ZXewIkYjVA4fEvLsJKM5urWC6hZ55HIiGk8oyc+Ytj43lAbLfkNTOkrs+WUn
        y/eXPsrvG7a528TlCaPlkmzy2m6x9xEr0ekqWHuEUmvCuNIy/jfiAOH0pcc1qRsf
        TwIDAQAB
        -----END PUBLIC KEY-----
        """

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
                                            publicKeyPEM: publicKeyPEM)) != nil {
            preconditionFailure("fuzzed callback facts verified")
        }
    }
}
