import Foundation
import SiloCore

/// End-to-end CRC-64: computed over the bytes as they stream out or in, compared with the server's
/// `x-oss-hash-crc64ecma`. A missing header passes (the mobile SDKs do the same).
struct ChecksumMiddleware: ClientMiddleware {
    /// True when the transport reads a file body itself: the file is then summed beside the upload.
    var sumsFilesBeside = false

    func handle(_ request: ClientRequest, next: Handler) async throws -> TransportResponse {
        switch request.checksum {
        case .none:
            return try await next(request)
        case .upload(let initial):
            let length = request.body.length
            let response: TransportResponse
            let sent: UInt64
            if let stream = try Self.streamSummedAsItGoes(request.body, filesToo: !sumsFilesBeside) {
                // Summed as it goes out: a one-shot stream, or a file the transport reads as chunks anyway. A
                // retry comes back through here with the file and sums it afresh.
                let summed = Locked((crc: CRC64(), bytes: Int64(0)))
                var sending = request
                sending.body = .stream(stream.observing { chunk in
                    summed.withLock {
                        $0.crc.update(chunk)
                        $0.bytes += Int64(chunk.count)
                    }
                }, length: length)
                response = try await next(sending)
                let (crc, bytes) = summed.current
                if case .file = request.body, bytes != length {
                    // The answer came without the whole file through the stream: the server's sum is compared
                    // with the file's.
                    sent = try await Self.checksum(of: request.body).value
                } else {
                    sent = crc.value
                }
            } else {
                // A replayable body goes to the transport as it is (URLSession uploads files natively) and is
                // summed beside the upload, not before it: the file is read twice at once instead of one read
                // after the other. A failed send cancels the sum.
                async let summed = Self.checksum(of: request.body)
                response = try await next(request)
                sent = try await summed.value
            }
            if let header = response.header("x-oss-hash-crc64ecma"), let reported = UInt64(header) {
                let expected = initial == 0 ? sent : CRC64.combine(initial, sent, length2: UInt64(length ?? 0))
                if expected != reported {
                    throw OSSClientError.crcMismatch(expected: expected, actual: reported, requestId: response.requestId)
                }
            }
            return response
        case .download:
            var response = try await next(request)
            guard let header = response.header("x-oss-hash-crc64ecma"), let reported = UInt64(header) else {
                return response
            }
            let crc = Locked(CRC64())
            let requestId = response.requestId
            response.body = response.body.observing({ chunk in crc.withLock { $0.update(chunk) } }, atEnd: {
                let received = crc.current.value
                if received != reported {
                    throw OSSClientError.crcMismatch(expected: reported, actual: received, requestId: requestId)
                }
            })
            return response
        }
    }

    /// The body's chunks when they can be summed on their way out.
    static func streamSummedAsItGoes(_ body: RequestBody, filesToo: Bool) throws -> ByteStream? {
        switch body {
        case .stream(let stream, _): return stream
        case .file where filesToo: return try body.makeStream()
        default: return nil
        }
    }

    static func checksum(of body: RequestBody) async throws -> CRC64 {
        var crc = CRC64()
        if case .data(let data) = body {
            crc.update(data)
            return crc
        }
        for try await chunk in try body.makeStream() { crc.update(chunk) }
        return crc
    }
}
