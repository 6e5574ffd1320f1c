import Crypto
import Foundation
import SiloClient
import SiloCore

// Signing and checksums are what the SDK needs swift-crypto for: check both give the spec's answers here.
let check = CRC64.checksum(Array("123456789".utf8))
guard check == 11_051_210_869_376_104_954 else { fatalError("CRC-64 check value \(check)") }
let md5 = Data(Insecure.MD5.hash(data: Data("hello world".utf8))).base64EncodedString()
guard md5 == "XrY7u+Ae7tCTyyK7j1rNww==" else { fatalError("MD5 \(md5)") }
let signature = SignatureV1.signature(stringToSign: "GET\n\n\n1700000000\n/b/k", secret: "secret")
guard !signature.isEmpty else { fatalError("no V1 signature") }
print("SiloClient works with swift-crypto 3")
