import HTTPTypes
import Hummingbird
import NIOCore
import SiloCore

@testable import SiloHTTP

enum STSTarget {
    /// Fields: method, request target, content type, then the body.
    static func run(_ bytes: [UInt8]) async {
        var input = FuzzInput(bytes)
        let method: HTTPRequest.Method = input.byte() % 2 == 0 ? .get : .post
        let target = input.string()
        let contentType = input.string()
        let body = input.rest()
        var fields = HTTPFields()
        if HTTPField.isValidValue(contentType) { fields[.contentType] = contentType }
        let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: target,
                                                headerFields: fields),
                              body: RequestBody(buffer: ByteBuffer(bytes: body)))
        do {
            let parsed = try await STSRequest.parse(request)
            precondition(parsed.body.count <= STSRequest.maximumBodyBytes)
        } catch {
        }
    }
}
