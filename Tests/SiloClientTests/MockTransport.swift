import Foundation
import HTTPTypes
@testable import SiloClient
import SiloCore

/// A transport answered by a closure, recording what was sent.
final class MockTransport: Transport, @unchecked Sendable {
    typealias Responder = @Sendable (TransportRequest, Int) async throws -> TransportResponse
    private let sent = Locked<[TransportRequest]>([])
    private let responder: Responder

    init(_ responder: @escaping Responder) { self.responder = responder }

    var requests: [TransportRequest] { sent.current }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let index = sent.withLock { sent -> Int in
            sent.append(request)
            return sent.count - 1
        }
        return try await responder(request, index)
    }

    static func response(_ status: Int, headers: [String: String] = [:], body: Data = Data()) -> TransportResponse {
        var fields = HTTPFields()
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        return TransportResponse(head: HTTPResponse(status: .init(code: status), headerFields: fields),
                                 body: .data(body))
    }

    static func error(_ status: Int, code: String, headers: [String: String] = [:]) -> TransportResponse {
        let document = ErrorDocument(error: OSSError(status: status, code: code, message: code + " message"),
                                     requestId: "RID-" + code, hostId: "h")
        return response(status, headers: headers, body: Data(document.xmlBytes()))
    }
}

func makeClient(_ transport: MockTransport, credentials: any CredentialsProvider = StaticCredentialsProvider(
    accessKeyId: "AK", accessKeySecret: "SK"), configure: (inout ClientConfiguration) -> Void = { _ in }) -> OSSClient {
    var configuration = ClientConfiguration()
    configuration.retryBaseDelay = .milliseconds(1)
    configure(&configuration)
    return OSSClient(endpoint: URL(string: "http://127.0.0.1:9000")!, region: "cn-hangzhou", credentials: credentials,
                     configuration: configuration, transport: transport)
}
