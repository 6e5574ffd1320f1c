import ArgumentParser
import Crypto
import Foundation
import SwiftASN1
import X509

/// `silo cert dev`: a local certificate authority and a server certificate it signs, for trying TLS on a laptop
/// and a phone (docs/DEPLOY.md says how to make a phone trust the authority). A second run reuses the authority, so
/// a device that trusts it keeps trusting the new server certificate.
struct CertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Certificates for TLS listeners.", subcommands: [DevCertificate.self])
}

struct DevCertificate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Make (or reuse) a development CA and issue a server certificate for the given hosts.",
        discussion: """
            Writes ca.pem (install on devices), ca-key.pem, cert.pem (the server chain) and key.pem into --dir; keys \
            are mode 0600. Serve with: silo server --tls-cert DIR/cert.pem --tls-key DIR/key.pem
            """)

    @Option(help: "Folder for the files.")
    var dir: String

    @Option(name: .customLong("host"), help: "A DNS name or IP address the certificate is for (repeatable).")
    var hosts: [String] = ["localhost", "127.0.0.1"]

    @Option(help: "Days the server certificate is valid (iOS accepts at most 825).")
    var days: Int = 397

    func run() async throws {
        guard (1...825).contains(days) else { throw ValidationError("--days must be between 1 and 825") }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (ca, caKey) = try loadOrMakeAuthority()
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let names = try hosts.map(Self.generalName)
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 300, notValidAfter: now + Double(days) * 86_400, issuer: ca.subject,
            subject: try DistinguishedName { CommonName(hosts.first ?? "localhost"); OrganizationName("Silo development") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: .init(key.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: ca.publicKey).keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))
        // The chain a server presents: its certificate, then the authority's.
        try write("cert.pem", try leaf.serializeAsPEM().pemString + "\n" + ca.serializeAsPEM().pemString + "\n", private: false)
        try write("key.pem", key.pemRepresentation + "\n", private: true)
        print("""
            Server certificate for \(hosts.joined(separator: ", ")), valid \(days) days, signed by \(dir)/ca.pem.
              silo server --tls-cert \(dir)/cert.pem --tls-key \(dir)/key.pem
              Trust \(dir)/ca.pem on clients (docs/DEPLOY.md: phones, curl, Python).
            """)
    }

    func loadOrMakeAuthority() throws -> (Certificate, P256.Signing.PrivateKey) {
        let certPath = dir + "/ca.pem"
        let keyPath = dir + "/ca-key.pem"
        if let certText = try? String(contentsOfFile: certPath, encoding: .utf8),
           let keyText = try? String(contentsOfFile: keyPath, encoding: .utf8)
        {
            return (try Certificate(pemEncoded: certText), try P256.Signing.PrivateKey(pemRepresentation: keyText))
        }
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("Silo development CA"); OrganizationName("Silo development") }
        let now = Date()
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 300, notValidAfter: now + 10 * 365 * 86_400, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        try write("ca-key.pem", key.pemRepresentation + "\n", private: true)
        try write("ca.pem", try ca.serializeAsPEM().pemString + "\n", private: false)
        return (ca, key)
    }

    /// An IP address literal becomes an IP SAN (which clients match against IP hosts), anything else a DNS name.
    static func generalName(_ host: String) throws -> GeneralName {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v4) { ArraySlice($0) }))
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v6) { ArraySlice($0) }))
        }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
        return .dnsName(host)
    }

    /// Written to a temporary file first and renamed, so a server reloading on SIGHUP never reads half a file.
    func write(_ name: String, _ text: String, private isPrivate: Bool) throws {
        let path = dir + "/" + name
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: isPrivate ? 0o600 : 0o644]),
              rename(temporary, path) == 0
        else { throw ValidationError("cannot write \(path)") }
    }
}
