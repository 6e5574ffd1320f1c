// The iOS app's entry point and its wiring. Add the files of this folder to an iOS 17 app target in Xcode that
// depends on this package's PhotoUploaderKit; they are Apple-only (SwiftUI) and kept thin: everything they call is
// in PhotoUploaderKit, which builds and is tested on Linux.
import SiloClient
import SwiftUI
import UIKit
import PhotoUploaderKit

/// Where the app server runs; `make run` prints it.
let appServerURL = URL(string: "http://127.0.0.1:9200")!
let backgroundIdentifier = "com.example.photouploader.transfers"

final class AppDelegate: NSObject, UIApplicationDelegate {
    /// iOS relaunches the app when background transfers end; the system hears the events, then says it is done.
    func application(_ application: UIApplication, handleEventsForBackgroundURLSession identifier: String,
                     completionHandler: @escaping () -> Void) {
        let done = UncheckedHandler(completionHandler)
        BackgroundTaskSystem.handleEvents(forBackgroundURLSession: identifier) { done.call() }
    }
}

/// UIKit's completion handler is not marked Sendable; UIKit calls it on the main queue, where it is called.
struct UncheckedHandler: @unchecked Sendable {
    let handler: () -> Void
    init(_ handler: @escaping () -> Void) { self.handler = handler }
    func call() { handler() }
}

@main
struct PhotoUploaderApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) var delegate
    @State private var signIn: SignInModel

    init() {
        let store = TransferStore()
        let system = BackgroundTaskSystem.shared(identifier: backgroundIdentifier)
        let transport = BackgroundTransport(system: system, directory: store.directory.appendingPathComponent("background"))
        let plain = URLSessionTransport()
        let api = HTTPAppServer(baseURL: appServerURL, transport: plain)
        _signIn = State(initialValue: SignInModel(api: api) { session, config in
            try PhotoLibrary(api: api, session: session, config: config, transport: transport, tokenTransport: plain, store: store)
        })
    }

    var body: some Scene {
        WindowGroup {
            if let library = signIn.library {
                LibraryView(library: library)
            } else {
                SignInView(model: signIn)
            }
        }
    }
}
