/// What the app server's accounts, vending and callback receiver refuse, in their own terms. The HTTP front end
/// (`AppErrors`) maps each case once to the §17 JSON document's status and code; nothing here knows HTTP.
public enum AppFailure: Error, Sendable, Hashable {
    case invalidUsername
    case invalidPassword
    case usernameTaken(String)
    case wrongCredentials
    case signInRequired
    case invalidBearerToken
    case throttled(retryAfterSeconds: Int)
    case registrationDisabled
    case accountsDisabled
    case noUserPrefix
    /// A callback this server will not believe; `message` says which check failed and about what.
    case callbackRejected(CallbackRejection, message: String)
    case incompleteCallback
    /// A media job webhook this server will not believe.
    case webhookRejected(WebhookRejection, message: String)
    /// No `media_notify.secret` is configured, so no webhook can be verified.
    case mediaNotifyDisabled
    case noSuchObject(String)
    /// STS answered AssumeRole with an error of its own.
    case stsRefused(code: String, message: String)
    /// A service this one depends on could not be used.
    case unavailable(Dependency, message: String)

    public enum CallbackRejection: String, Sendable, Hashable {
        case missingSignature = "MissingCallbackSignature"
        case invalidPublicKeyURL = "InvalidPublicKeyURL"
        case publicKeyURLNotAllowed = "PublicKeyURLNotAllowed"
        case invalidSignature = "InvalidCallbackSignature"
        case invalidFacts = "InvalidCallbackFacts"
        case unattested = "UnattestedCallback"
        case stale = "StaleCallback"
        case foreignBucket = "ForeignBucket"
        case foreignUploader = "ForeignUploader"
        case unbound = "UnboundCallback"
        case foreignKey = "ForeignKey"
        case notAUserKey = "NotAUserKey"
    }

    public enum WebhookRejection: String, Sendable, Hashable {
        case missingSignature = "MissingWebhookSignature"
        case stale = "StaleWebhook"
        case invalidSignature = "InvalidWebhookSignature"
        case invalidBody = "InvalidWebhookBody"
    }

    public enum Dependency: String, Sendable, Hashable {
        case sts = "STSUnavailable"
        case storage = "StorageUnavailable"
        case publicKey = "PublicKeyUnavailable"
        case catalog = "CatalogUnavailable"
    }
}
