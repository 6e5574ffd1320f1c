import Crypto
import Foundation
import NIOCore

/// Data keys for SSE-OSS: each sealed blob gets its own random AES-256 key, stored only wrapped (AES-GCM) by a key
/// derived from the master key, so the master key never touches object bytes and rotating it rewraps keys, not data.
public struct DataKeys: Sendable {
    let wrappingKey: SymmetricKey

    public init(masterKey: SymmetricKey) {
        wrappingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, info: Data("silo sse-oss data keys v1".utf8),
                                             outputByteCount: 32)
    }

    /// A fresh data key and its wrapped form.
    public func generate() throws -> (key: SymmetricKey, wrapped: String) {
        let key = SymmetricKey(size: .bits256)
        let box = try AES.GCM.seal(key.withUnsafeBytes { Data($0) }, using: wrappingKey)
        guard let combined = box.combined else { throw SealedBlobError.wrapping }
        return (key, combined.base64EncodedString())
    }

    public func unwrap(_ wrapped: String) throws -> SymmetricKey {
        guard let data = Data(base64Encoded: wrapped) else { throw SealedBlobError.wrapping }
        do {
            return SymmetricKey(data: try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: wrappingKey))
        } catch {
            throw SealedBlobError.wrapping
        }
    }
}

public enum SealedBlobError: Error, Sendable {
    /// A wrapped key that this master key did not wrap (or that was altered).
    case wrapping
    /// A chunk that fails authentication: altered or truncated at rest.
    case corruptChunk(BlobID, Int64)
    /// The store was asked for sealed bytes but has no data keys configured.
    case unavailable
}

/// The layout of a sealed blob: the plaintext in 64 KiB chunks, each sealed alone with AES-256-GCM (so a range
/// read opens only the chunks it covers), the nonce the chunk's index (unique, as each blob has its own key), the
/// 16-byte tag after each chunk. The last chunk may be shorter; an empty blob has no chunk.
public enum SealedChunks {
    public static let plainSize = 64 * 1024
    public static let tagSize = 16
    public static let sealedSize = plainSize + tagSize

    /// The bytes at rest of `plain` bytes of plaintext.
    public static func sealedLength(plain: Int64) -> Int64 {
        let full = plain / Int64(plainSize)
        let rest = plain % Int64(plainSize)
        return full * Int64(sealedSize) + (rest > 0 ? rest + Int64(tagSize) : 0)
    }

    static func nonce(_ index: Int64) throws -> AES.GCM.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for shift in 0..<8 { bytes[11 - shift] = UInt8(truncatingIfNeeded: UInt64(index) >> UInt64(shift * 8)) }
        return try AES.GCM.Nonce(data: bytes)
    }

    static func seal(_ plain: UnsafeRawBufferPointer, index: Int64, key: SymmetricKey) throws -> ByteBuffer {
        let box = try AES.GCM.seal(plain, using: key, nonce: try nonce(index))
        var buffer = ByteBuffer()
        buffer.reserveCapacity(plain.count + tagSize)
        buffer.writeBytes(box.ciphertext)
        buffer.writeBytes(box.tag)
        return buffer
    }

    static func open(_ sealed: ByteBuffer, index: Int64, key: SymmetricKey, blob: BlobID) throws -> ByteBuffer {
        guard sealed.readableBytes > tagSize else { throw SealedBlobError.corruptChunk(blob, index) }
        let bytes = Array(sealed.readableBytesView)
        let cut = bytes.count - tagSize
        do {
            let box = try AES.GCM.SealedBox(nonce: try nonce(index), ciphertext: bytes[..<cut], tag: bytes[cut...])
            return ByteBuffer(bytes: try AES.GCM.open(box, using: key))
        } catch {
            throw SealedBlobError.corruptChunk(blob, index)
        }
    }
}
