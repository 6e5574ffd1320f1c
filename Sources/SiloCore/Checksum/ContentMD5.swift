import Crypto
import Foundation

/// The `Content-MD5` header value: base64 of the body's MD5.
public enum ContentMD5 {
    public static func base64(of data: Data) -> String {
        Data(Insecure.MD5.hash(data: data)).base64EncodedString()
    }

    /// Upper-case hex MD5, the form of a simple object's ETag.
    public static func hex(of data: Data) -> String {
        Hex.upper(Insecure.MD5.hash(data: data))
    }
}
