import HTTPTypes
import Hummingbird
import SiloCore
import SiloDomain
import SiloStorage

/// One OSS operation, as data: how a request is recognized, what authorizes it, and its handler. The table of
/// them (`OSSRoutes.table`) is the only place routing facts live; `OSSResponder` authorizes every route from
/// its entry before the handler runs, and a test walks the table to prove it.
struct OSSRoute: Sendable {
    /// What a request addresses.
    enum Target: Sendable, Hashable {
        case service
        case bucket
        /// A bucket that need not exist yet (PutBucket).
        case newBucket
        case object
    }

    /// How the route is authorized. Everything but the last two is decided centrally, before the handler.
    enum Authorization: Sendable, Hashable {
        /// The route's action on its target (bucket or service); the bucket's ACL and policy apply.
        case central
        /// The action on the object, against the object's own ACL too: read routes load the object for every
        /// caller (and hand it to the handler), write routes only for anonymous callers.
        case centralWithObject
        /// Keys come in the body (DeleteMultipleObjects): a caller nothing could allow on any key of the bucket
        /// is refused before the body is read; the handler authorizes each key.
        case perKeyInBody
        /// The credentials are form fields (PostObject): bounded fields are read, the form is authenticated by
        /// the same `Authenticator`, then the key is authorized before the file is read.
        case formCredentials
    }

    /// Query and header conditions, matched in table order within a method and target.
    indirect enum Selector: Sendable, Hashable {
        /// Matches anything.
        case always
        /// The query has this sub-resource (`?acl`).
        case query(String)
        /// The query has any of these.
        case anyQuery([String])
        /// A query parameter with this value (`list-type=2`).
        case queryValue(String, String)
        /// The request carries this header.
        case header(String)
        /// A `multipart/form-data` body with a boundary.
        case formUpload
        case not(Selector)
        case all([Selector])

        func matches(_ request: OSSRequest) -> Bool {
            switch self {
            case .always: return true
            case .query(let name): return request.query.contains(name)
            case .anyQuery(let names): return names.contains(where: request.query.contains)
            case .queryValue(let name, let value): return request.query[name] == value
            case .header(let name): return request.header(name) != nil
            case .formUpload: return FormDataReader.boundary(contentType: request.header(.contentType)) != nil
            case .not(let selector): return !selector.matches(request)
            case .all(let selectors): return selectors.allSatisfy { $0.matches(request) }
            }
        }
    }

    /// Matched before the sub-resources Silo does not implement are refused, or after (defaults and
    /// conditions that must yield to them, like `list-type=2`).
    enum Tier: Sendable, Hashable {
        case specific
        case fallback
    }

    typealias Handler = @Sendable (OSSFrontEnd, OSSCall) async throws -> Response

    /// OSS's name for the operation (`PutObject`).
    let operation: String
    let method: HTTPRequest.Method
    let target: Target
    let selector: Selector
    let tier: Tier
    /// The RAM action it is authorized as (spec §16.3).
    let action: String
    /// What bucket and object ACLs may grant it.
    let scope: ACLScope
    let authorization: Authorization
    /// Actions also needed when a header is present: setting an ACL while writing needs `oss:PutObjectAcl`.
    let headerActions: [HeaderAction]
    /// Condition keys the route sets from its query (`oss:Prefix` from `prefix`).
    let conditionKeys: [ConditionKey]
    let handler: Handler

    struct HeaderAction: Sendable, Hashable {
        let header: String
        let action: String
    }

    struct ConditionKey: Sendable, Hashable {
        let key: String
        let query: String
    }

    init(_ operation: String, _ method: HTTPRequest.Method, _ target: Target, when selector: Selector = .always,
         tier: Tier = .specific, action: String, scope: ACLScope = .none, authorization: Authorization = .central,
         headerActions: [HeaderAction] = [], conditionKeys: [ConditionKey] = [], handler: @escaping Handler) {
        self.operation = operation
        self.method = method
        self.target = target
        self.selector = selector
        self.tier = tier
        self.action = action
        self.scope = scope
        self.authorization = authorization
        self.headerActions = headerActions
        self.conditionKeys = conditionKeys
        self.handler = handler
    }

    /// The condition values this route's query sets.
    func conditionValues(_ request: OSSRequest) -> [String: [String]] {
        var values: [String: [String]] = [:]
        for condition in conditionKeys { values[condition.key] = [request.query[condition.query] ?? ""] }
        for tag in Self.requestTags(request) { values["oss:RequestObjectTag/" + tag.key] = [tag.value] }
        return values
    }

    /// The tags a write asks for, for `oss:RequestObjectTag/<key>` conditions. An invalid header gives none here
    /// and is refused by the handler.
    static func requestTags(_ request: OSSRequest) -> [ResourceTag] {
        guard let header = request.header("x-oss-tagging") else { return [] }
        return (try? ObjectTagSet.parseHeader(header).tags) ?? []
    }

    static let setsObjectACL = HeaderAction(header: "x-oss-object-acl", action: "oss:PutObjectAcl")
    /// A write that tags the object needs the right to tag it, as in OSS.
    static let setsObjectTags = HeaderAction(header: "x-oss-tagging", action: "oss:PutObjectTagging")
}

/// The request a handler serves: parsed, authenticated, authorized, with what authorization loaded.
struct OSSCall: Sendable {
    let request: OSSRequest
    let caller: Caller
    let route: OSSRoute
    /// The addressed bucket (nil for service routes; for PutBucket, the one proposed).
    let bucket: BucketRecord!
    /// The validated key of object routes.
    let key: String!
    /// The object (the version `versionId` names), when the route's authorization loaded it (reads); nil when it
    /// does not exist, and then `missing` says why.
    let object: ObjectRecord?
    /// The request's well-formed `versionId`.
    let versionId: String?
    let missing: StorageError?
    let body: RequestBody
    let context: SiloRequestContext
    /// For a handler to say its response's body is in memory (InMemoryBody.swift).
    let inMemoryBody: InMemoryBody

    var query: QueryParameters { request.query }

    /// `response`, noted as carrying its whole body in memory (InMemoryBody.swift).
    func inMemory(_ response: Response) -> Response {
        inMemoryBody.mark()
        return response
    }

    /// The object the call reads, or NoSuchKey.
    func requireObject() throws -> ObjectRecord {
        guard let object else { throw missing ?? StorageError.noSuchKey(key ?? "") }
        return object
    }
}
