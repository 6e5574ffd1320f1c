import HTTPTypes
import Hummingbird
import SiloCore

/// An STS call: parameters from the query and a form body, and the headers ACS3 signs.
struct STSRequest: Sendable {
    let method: HTTPRequest.Method
    let host: String
    let path: String
    let query: [QueryItem]
    let form: [QueryItem]
    let headers: HTTPFields
    let body: [UInt8]
    /// Every parameter, query first; RPC signs them all. Joined once: a call looks up a dozen of them.
    let parameters: [QueryItem]

    init(method: HTTPRequest.Method, host: String, path: String, query: [QueryItem], form: [QueryItem], headers: HTTPFields,
         body: [UInt8]) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.form = form
        self.headers = headers
        self.body = body
        parameters = form.isEmpty ? query : query + form
    }

    static let maximumBodyBytes = 64 * 1024

    static func parse(_ request: Request) async throws -> STSRequest {
        let target = request.head.path ?? "/"
        let question = target.firstIndex(of: "?")
        let path = String(question.map { target[..<$0] } ?? Substring(target))
        let rawQuery = question.map { target[target.index(after: $0)...] } ?? ""
        guard let query = QueryParameters(parsing: rawQuery) else {
            throw STSError.invalidParameter("The query string is not properly encoded.")
        }
        var body: [UInt8] = []
        for try await chunk in request.body {
            guard body.count + chunk.readableBytes <= maximumBodyBytes else {
                throw STSError(status: 400, code: "InvalidParameter", message: "The request body is too large.")
            }
            body.append(contentsOf: chunk.readableBytesView)
        }
        var form: [QueryItem] = []
        if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true, !body.isEmpty {
            guard let parsed = QueryParameters(parsing: Substring(decoding: body, as: UTF8.self)) else {
                throw STSError.invalidParameter("The form body is not properly encoded.")
            }
            form = parsed.items
        }
        return STSRequest(method: request.method, host: request.head.authority ?? "", path: path, query: query.items,
                          form: form, headers: request.headers, body: body)
    }

    func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }
}

/// An STS error, rendered in STS's JSON (or XML) error shape (spec §15.6).
struct STSError: Error, Sendable {
    var status: Int
    var code: String
    var message: String

    static func invalidParameter(_ message: String) -> STSError {
        STSError(status: 400, code: "InvalidParameter", message: message)
    }
    static func missingParameter(_ name: String) -> STSError {
        STSError(status: 400, code: "MissingParameter",
                 message: "The input parameter \"\(name)\" that is mandatory for processing this request is not supplied.")
    }
    /// aliyunsdkcore splits this message at `:` and reads the string to sign after it.
    static func signatureDoesNotMatch(_ stringToSign: String) -> STSError {
        STSError(status: 400, code: "SignatureDoesNotMatch",
                 message: "Specified signature is not matched with our calculation. server string to sign is:" + stringToSign)
    }
    static let timestampExpired = STSError(
        status: 400, code: "InvalidTimeStamp.Expired", message: "Specified time stamp or date value is expired.")
    static let nonceUsed = STSError(
        status: 400, code: "SignatureNonceUsed", message: "Specified signature nonce was used already.")
    static let incompleteSignature = STSError(
        status: 400, code: "IncompleteSignature", message: "The request signature does not conform to Aliyun standards.")
    static let accessKeyNotFound = STSError(
        status: 404, code: "InvalidAccessKeyId.NotFound", message: "Specified access key is not found.")
}
