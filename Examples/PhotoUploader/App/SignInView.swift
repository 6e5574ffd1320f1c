import PhotoUploaderKit
import SwiftUI

struct SignInView: View {
    @Bindable var model: SignInModel

    var body: some View {
        Form {
            TextField("Username", text: $model.username).textInputAutocapitalization(.never)
            SecureField("Password", text: $model.password)
            Button("Sign in") { Task { await model.signIn() } }.disabled(!model.canSignIn)
            if case .failed(let message) = model.state { Text(message).foregroundStyle(.red) }
        }
    }
}
