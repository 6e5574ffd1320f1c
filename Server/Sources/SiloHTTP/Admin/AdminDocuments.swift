import Foundation
import SiloCore
import SiloIAM
import SiloPolicy
import SiloStorage

/// JSON bodies of the admin API (`/-/admin/v1`), described in `AdminOpenAPI`.
enum AdminDocuments {
    struct User: Codable, Sendable {
        var name: String
        var id: String
        var displayName: String
        var createdAt: String

        init(_ record: UserRecord) {
            name = record.name
            id = record.id
            displayName = record.displayName
            createdAt = iso(record.createdAt)
        }
    }

    struct AccessKey: Codable, Sendable {
        var accessKeyId: String
        var userName: String
        var status: String
        var createdAt: String
        /// Present only in the response that created the key.
        var accessKeySecret: String?

        init(_ record: AccessKeyRecord, secret: String? = nil) {
            accessKeyId = record.accessKeyId
            userName = record.userName
            status = record.status.rawValue
            createdAt = iso(record.createdAt)
            accessKeySecret = secret
        }
    }

    struct Role: Codable, Sendable {
        var name: String
        var id: String
        var arn: String
        var trustPolicy: String
        var maxSessionDuration: Int64
        var description: String
        var createdAt: String
    }

    struct PolicyDocument: Codable, Sendable {
        var name: String
        var document: String
        var description: String
        var createdAt: String

        init(_ record: PolicyRecord) {
            name = record.name
            document = record.document
            description = record.description
            createdAt = iso(record.createdAt)
        }
    }

    struct CreateUser: Decodable { var name: String; var displayName: String? }
    struct UpdateKey: Decodable { var status: String }
    struct CreateRole: Decodable {
        var name: String
        /// Absent: every principal of the account may assume the role.
        var trustPolicy: String?
        var maxSessionDuration: Int64?
        var description: String?
    }
    struct CreatePolicy: Decodable { var name: String; var document: String; var description: String? }
    struct Names: Codable { var names: [String] }

    /// `principal`: `root`, `anonymous`, `user/<name>` or `role/<name>[/<session>]`.
    struct Simulate: Decodable {
        var principal: String
        var action: String
        var resource: String
        var context: [String: [String]]?
        var sessionPolicy: String?
        var bucketPolicy: String?
    }

    struct SimulationResult: Encodable {
        var allowed: Bool
        var decision: String
        var decidedBy: DecidedBy?

        struct DecidedBy: Encodable {
            var policy: String
            var statement: Int
            var sid: String?
            var effect: String
        }

        init(_ decision: Decision) {
            allowed = decision.allowed
            self.decision = decision.description
            switch decision.reason {
            case .allowedBy(let reference), .deniedBy(let reference):
                decidedBy = DecidedBy(policy: reference.policy, statement: reference.index, sid: reference.sid,
                                      effect: reference.effect.rawValue)
            default:
                decidedBy = nil
            }
        }
    }

    struct TokenKey: Encodable { var keyId: String }

    struct Failure: Encodable {
        var code: String
        var message: String
        var requestId: String
    }

    static func iso(_ seconds: Int64) -> String { Timestamps.iso8601NoFraction(unixSeconds: seconds) }
}
