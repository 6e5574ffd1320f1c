import Metrics

/// The app server's failures as the §17 document, mapped once, by case.
enum AppErrors {
    static func document(_ failure: AppFailure) -> AppServerError {
        // Rate-limit hits are counted where every refusal passes: here.
        if case .throttled = failure { Counter(label: "silo_app_rate_limited_total").increment() }
        return switch failure {
        case .invalidUsername:
            .badRequest("InvalidUsername", "A username is 3 to 32 characters of a-z, 0-9, '.', '_' and '-'.")
        case .invalidPassword: .badRequest("InvalidPassword", "A password is 8 to 1024 bytes long.")
        case .usernameTaken(let name): .conflict("UserAlreadyExists", "The username \(name) is taken.")
        case .wrongCredentials: .unauthorized("The username or password is wrong.")
        case .signInRequired: .unauthorized("Sign in first: send Authorization: Bearer <session token or JWT>.")
        case .invalidBearerToken: .unauthorized("The bearer token is invalid or expired.")
        case .throttled(let seconds): .throttled(retryAfter: seconds)
        case .registrationDisabled: .forbidden("RegistrationDisabled", "This server does not take registrations.")
        case .accountsDisabled: .forbidden("AccountsDisabled", "Sign in with your identity provider's JWT.")
        case .noUserPrefix: .forbidden("NoUserPrefix", "No policy template gives this user a key prefix.")
        case .callbackRejected(let rejection, let message): .forbidden(rejection.rawValue, message)
        case .webhookRejected(.invalidBody, let message): .badRequest(AppFailure.WebhookRejection.invalidBody.rawValue, message)
        case .webhookRejected(let rejection, let message): .forbidden(rejection.rawValue, message)
        case .mediaNotifyDisabled: .forbidden("MediaNotifyDisabled", "This server has no media_notify.secret and takes no media job webhooks.")
        case .incompleteCallback: .badRequest("IncompleteCallback", "The callback body must carry bucket and object.")
        case .noSuchObject(let key): AppServerError(status: 404, code: "NoSuchObject", message: "Storage has no object \(key).")
        case .stsRefused(let code, let message): .upstream(code, "STS refused AssumeRole: \(message)")
        case .unavailable(.catalog, let message): AppServerError(status: 500, code: AppFailure.Dependency.catalog.rawValue, message: message)
        case .unavailable(let dependency, let message): .upstream(dependency.rawValue, message)
        }
    }
}
