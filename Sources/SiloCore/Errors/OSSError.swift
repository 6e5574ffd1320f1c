/// An error as OSS reports it: an HTTP status, a `Code`, a message, and optional context elements.
///
/// Clients map the exact (status, code) pair to exception classes, so each factory pins both.
public struct OSSError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    /// Error condition id (`dddd-dddddddd`), sent as `<EC>` and `x-oss-ec`, where the real service's is known.
    public var ec: String?
    /// Extra child elements of `<Error>`, in order (`BucketName`, `Key`, `StringToSign`...).
    public var details: [Detail]
    /// Extra response headers the client needs even on error (`x-oss-next-append-position`).
    public var headers: [Detail]

    public struct Detail: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        status: Int, code: String, message: String, ec: String? = nil, details: [Detail] = [], headers: [Detail] = []
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.ec = ec
        self.details = details
        self.headers = headers
    }

    public var description: String { "\(status) \(code): \(message)" }

    public func with(_ name: String, _ value: String) -> OSSError {
        var copy = self
        copy.details.append(Detail(name, value))
        return copy
    }

    public func withHeader(_ name: String, _ value: String) -> OSSError {
        var copy = self
        copy.headers.append(Detail(name, value))
        return copy
    }
}

extension OSSError {
    // MARK: 400
    public static func invalidArgument(_ message: String = "Invalid Argument. Parameter is invalid.",
                                       name: String? = nil, value: String? = nil, ec: String? = nil) -> OSSError {
        var error = OSSError(status: 400, code: "InvalidArgument", message: message, ec: ec)
        if let name { error.details.append(Detail("ArgumentName", name)) }
        if let value { error.details.append(Detail("ArgumentValue", value)) }
        return error
    }
    public static let invalidDigest = OSSError(
        status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified was invalid.")
    public static func invalidBucketName(_ name: String) -> OSSError {
        OSSError(status: 400, code: "InvalidBucketName", message: "The specified bucket is not valid.")
            .with("BucketName", name)
    }
    public static func invalidObjectName(_ message: String = "The specified object is not valid.") -> OSSError {
        OSSError(status: 400, code: "InvalidObjectName", message: message)
    }
    public static let malformedXML = OSSError(
        status: 400, code: "MalformedXML",
        message: "The XML you provided was not well-formed or did not validate against our published schema.")
    public static let entityTooLarge = OSSError(
        status: 400, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size.")
    public static let entityTooSmall = OSSError(
        status: 400, code: "EntityTooSmall", message: "Your proposed upload smaller than the minimum allowed size.")
    public static let invalidPart = OSSError(
        status: 400, code: "InvalidPart",
        message: "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.")
    public static func invalidPartOrder(_ message: String = "The list of parts was not in ascending order.") -> OSSError {
        OSSError(status: 400, code: "InvalidPartOrder", message: message)
    }
    public static let invalidEncryptionAlgorithm = OSSError(
        status: 400, code: "InvalidEncryptionAlgorithmError", message: "The encryption algorithm specified is not valid.")
    public static func notImplemented(_ message: String = "A header you provided implies functionality that is not implemented.") -> OSSError {
        OSSError(status: 400, code: "NotImplemented", message: message)
    }
    public static let requestTimeout = OSSError(
        status: 400, code: "RequestTimeout",
        message: "Your socket connection to the server was not read from or written to within the timeout period.")
    public static func badRequest(_ message: String) -> OSSError {
        OSSError(status: 400, code: "BadRequest", message: message)
    }
    public static func incompleteBody(expected: Int64, received: Int64) -> OSSError {
        OSSError(status: 400, code: "IncompleteBody",
                 message: "You did not provide the number of bytes specified by the Content-Length HTTP header.")
            .with("ExpectedLength", String(expected)).with("ReceivedLength", String(received))
    }
    public static let invalidAuthorizationHeader = OSSError.invalidArgument("Authorization header is invalid.")
    public static let invalidSigningRegion = OSSError.invalidArgument(
        "Invalid signing region in Authorization header.", ec: "0002-00000226")
    public static let invalidSigningDate = OSSError.invalidArgument("Invalid signing date in Authorization header.")

    // MARK: 403
    public static func accessDenied(_ message: String = "AccessDenied") -> OSSError {
        OSSError(status: 403, code: "AccessDenied", message: message)
    }
    public static let invalidAccessKeyId = OSSError(
        status: 403, code: "InvalidAccessKeyId", message: "The OSS Access Key Id you provided does not exist in our records.")
    public static func signatureDoesNotMatch(stringToSign: String, provided: String, accessKeyId: String) -> OSSError {
        let bytes = stringToSign.utf8.map { byte -> String in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
        return OSSError(
            status: 403, code: "SignatureDoesNotMatch",
            message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
            .with("StringToSign", stringToSign).with("StringToSignBytes", bytes)
            .with("SignatureProvided", provided).with("OSSAccessKeyId", accessKeyId)
    }
    public static let requestTimeTooSkewed = OSSError(
        status: 403, code: "RequestTimeTooSkewed",
        message: "The difference between the request time and the current time is too large.")
    public static let invalidSecurityToken = OSSError(
        status: 403, code: "InvalidSecurityToken", message: "The security token you provided is invalid.")
    public static let securityTokenExpired = OSSError(
        status: 403, code: "SecurityTokenExpired", message: "The security token you provided has expired.")
    public static let accessKeyIdAndSecurityTokenNotMatch = OSSError(
        status: 403, code: "AccessKeyIdAndSecurityTokenNotMatch",
        message: "The OSS access key id and security token you provided does not match.")
    public static let corsForbidden = OSSError(
        status: 403, code: "AccessForbidden",
        message: "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec.")
    public static let requestExpired = OSSError.accessDenied("Request has expired.")

    // MARK: 404
    public static func noSuchBucket(_ bucket: String) -> OSSError {
        OSSError(status: 404, code: "NoSuchBucket", message: "The specified bucket does not exist.", ec: "0015-00000101")
            .with("BucketName", bucket)
    }
    public static func noSuchKey(_ key: String) -> OSSError {
        OSSError(status: 404, code: "NoSuchKey", message: "The specified key does not exist.", ec: "0026-00000001")
            .with("Key", key)
    }
    public static func noSuchUpload(_ uploadId: String) -> OSSError {
        OSSError(status: 404, code: "NoSuchUpload",
                 message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
            .with("UploadId", uploadId)
    }
    public static let noSuchCORSConfiguration = OSSError(
        status: 404, code: "NoSuchCORSConfiguration", message: "The CORS Configuration does not exist.")
    public static let noSuchBucketPolicy = OSSError(
        status: 404, code: "NoSuchBucketPolicy", message: "The bucket policy does not exist.")
    public static func notConfigured(_ code: String, _ message: String) -> OSSError {
        OSSError(status: 404, code: code, message: message)
    }
    public static let symlinkTargetNotExist = OSSError(
        status: 404, code: "SymlinkTargetNotExist", message: "The symlink target object does not exist.")

    // MARK: 405..416
    /// A feature OSS has and Silo does not implement.
    public static func unsupported(_ feature: String) -> OSSError {
        OSSError(status: 501, code: "NotImplemented", message: "Silo does not implement this operation: \(feature).")
    }
    public static let methodNotAllowed = OSSError(
        status: 405, code: "MethodNotAllowed", message: "The specified method is not allowed against this resource.")
    public static func bucketAlreadyExists(_ bucket: String) -> OSSError {
        OSSError(status: 409, code: "BucketAlreadyExists", message: "The requested bucket name is not available.")
            .with("BucketName", bucket)
    }
    public static func bucketNotEmpty(_ bucket: String) -> OSSError {
        OSSError(status: 409, code: "BucketNotEmpty", message: "The bucket you tried to delete is not empty.")
            .with("BucketName", bucket)
    }
    public static let fileAlreadyExists = OSSError(
        status: 409, code: "FileAlreadyExists", message: "The object you specified already exists and can not be overwritten.")
    public static let objectNotAppendable = OSSError(
        status: 409, code: "ObjectNotAppendable", message: "The object is not appendable.")
    public static func positionNotEqualToLength(_ length: Int64) -> OSSError {
        OSSError(status: 409, code: "PositionNotEqualToLength", message: "Position is not equal to file length.")
            .withHeader("x-oss-next-append-position", String(length))
    }
    public static let missingContentLength = OSSError(
        status: 411, code: "MissingContentLength", message: "You must provide the Content-Length HTTP header.")
    public static let preconditionFailed = OSSError(
        status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold.")
    public static let invalidRange = OSSError(
        status: 416, code: "InvalidRange", message: "The requested range cannot be satisfied.")

    // MARK: 5xx
    public static let internalError = OSSError(
        status: 500, code: "InternalError", message: "We encountered an internal error. Please try again.")
    public static let serviceUnavailable = OSSError(
        status: 503, code: "ServiceUnavailable", message: "Please reduce your request rate.")
}
