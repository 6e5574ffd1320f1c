#if canImport(Observation)
import Foundation
import Observation
import SiloClient

/// The sign-in screen: a username and password, and what came of trying them.
@available(macOS 14, iOS 17, tvOS 17, watchOS 10, visionOS 1, *)
@MainActor @Observable
public final class SignInModel {
    public enum State: Equatable {
        case idle
        case signingIn
        case failed(String)
        case signedIn
    }

    public var username = ""
    public var password = ""
    public private(set) var state = State.idle
    public private(set) var library: PhotoLibrary?
    private let api: any AppServerAPI
    private let makeLibrary: @Sendable (AppSession, UploadConfig) throws -> PhotoLibrary

    public init(api: any AppServerAPI, makeLibrary: @escaping @Sendable (AppSession, UploadConfig) throws -> PhotoLibrary) {
        self.api = api
        self.makeLibrary = makeLibrary
    }

    public var canSignIn: Bool { !username.isEmpty && !password.isEmpty && state != .signingIn }

    public func signIn() async {
        guard canSignIn else { return }
        state = .signingIn
        do {
            let session = try await api.signIn(username: username, password: password)
            let config = try await api.uploadConfig(session: session)
            library = try makeLibrary(session, config)
            password = ""
            state = .signedIn
        } catch {
            state = .failed((error as? LocalizedError)?.errorDescription ?? String(describing: error))
        }
    }
}
#endif
