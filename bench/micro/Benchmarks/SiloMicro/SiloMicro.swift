import Benchmark
import Crypto
import Foundation
import SiloCore
import SiloIAM
import SiloPolicy

/// What authorizing one request costs: a role session with a session policy and a bucket policy, and opening the
/// session's SecurityToken (the uncached path, which every node takes for a token it has not seen yet).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           maxDuration: .seconds(3), maxIterations: 1_000_000)

    let rolePolicy = try! Policy(json: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:*"],"Resource":["acs:oss:*:*:photos","acs:oss:*:*:photos/*"]},{"Effect":"Deny","Action":["oss:DeleteBucket"],"Resource":"*"}]}"#)
    let sessionPolicy = try! Policy(json: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject","oss:ListParts","oss:AbortMultipartUpload"],"Resource":["acs:oss:*:*:photos/users/1234/*"]}]}"#)
    let bucketPolicy = try! Policy(json: #"{"Version":"1","Statement":[{"Effect":"Deny","Action":["oss:*"],"Principal":["*"],"Resource":["acs:oss:*:*:photos/*"],"Condition":{"NotIpAddress":{"acs:SourceIp":["10.0.0.0/8","127.0.0.0/8"]}}}]}"#)
    let input = AuthorizationInput(identityPolicies: [NamedPolicy("role", rolePolicy)],
                                   sessionPolicy: NamedPolicy("session", sessionPolicy),
                                   resourcePolicy: NamedPolicy("bucket", bucketPolicy))
    let identity = PrincipalIdentity(accountId: "1234567890123456", ids: ["1234567890123456"], ramArns: [])
    let request = RequestContext(
        action: "oss:PutObject", resource: "acs:oss:*:1234567890123456:photos/users/1234/IMG_0001.jpg",
        principal: identity, values: ["acs:SourceIp": ["127.0.0.1"], "acs:CurrentTime": ["2026-11-29T00:00:00Z"]])

    Benchmark("Policy evaluation (role ∩ session + bucket policy)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Authorizer.decide(input, request))
        }
    }

    let keyring = TokenKeyring(keys: ["k1": SymmetricKey(size: .bits256)], currentKeyId: "k1")
    let token = try! keyring.seal(SessionClaims(
        accessKeyId: "STS.abcdefghijklmnopqrstuvwx", secret: String(repeating: "s", count: 44), issuedAt: 1_800_000_000,
        expiration: 1_800_003_600, accountId: "1234567890123456", roleName: "app-role", roleId: "123456789012345678",
        sessionName: "user-1234", sessionPolicy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject","oss:ListParts","oss:AbortMultipartUpload"],"Resource":["acs:oss:*:*:photos/users/1234/*"]}]}"#,
        callerArn: "acs:ram::1234567890123456:user/app-server"))

    Benchmark("Token verification (open + parse session policy)") { benchmark in
        for _ in benchmark.scaledIterations {
            let claims = try! keyring.open(token)
            blackHole(try! Policy(json: claims.sessionPolicy!))
        }
    }

    Benchmark("Token verification (open only)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! keyring.open(token))
        }
    }

    let signing = SigningRequest(method: "GET", bucket: "photos", key: "users/1234/IMG_0001.jpg",
                                 query: QueryParameters(), headers: [.init("x-oss-date")!: "20261129T000000Z",
                                                                     .init("x-oss-content-sha256")!: "UNSIGNED-PAYLOAD"])
    let scope = SignatureV4.Scope(date: "20261129", region: "cn-hangzhou")
    Benchmark("V4 signature verification") { benchmark in
        for _ in benchmark.scaledIterations {
            let canonical = SignatureV4.canonicalRequest(signing, additionalHeaders: [])
            let stringToSign = SignatureV4.stringToSign(canonicalRequest: canonical, timestamp: "20261129T000000Z", scope: scope)
            blackHole(SignatureV4.signature(stringToSign: stringToSign, secret: "secret", scope: scope))
        }
    }

    // Every uploaded byte pays for MD5 (the ETag) and CRC-64 (x-oss-hash-crc64ecma); MD5 in BoringSSL's
    // assembly is the baseline the CRC should stay well under.
    let mebibyte = [UInt8]((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
    Benchmark("CRC-64 of 1 MiB", configuration: .init(metrics: [.wallClock, .throughput])) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(CRC64.checksum(mebibyte)) }
    }
    Benchmark("MD5 of 1 MiB (baseline)", configuration: .init(metrics: [.wallClock, .throughput])) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Insecure.MD5.hash(data: mebibyte)) }
    }
    Benchmark("CRC-64 combine (512 KiB batch)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(CRC64.combine(0x1234_5678_9ABC_DEF0, 42, length2: 512 << 10)) }
    }
}
