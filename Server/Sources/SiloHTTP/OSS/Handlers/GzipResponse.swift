import CompressNIO
import HTTPTypes
import Hummingbird
import NIOCore
import SiloStorage

/// OSS's on-the-fly compression: a whole-object GET of a text-like object of at least 1 KiB, from a client that
/// accepts gzip, is sent gzip-compressed in chunks (no Content-Length). The CRC-64 and ETag headers still describe
/// the stored bytes, which is what the client has once it decompresses. The stream is compressed as it is read,
/// at zlib's fastest level, so memory stays one chunk and the CPU cost stays small beside the transfer.
enum GzipResponse {
    static let minimumSize: Int64 = 1024
    static let compressiblePrefixes = [
        "text/", "application/json", "application/xml", "application/javascript", "application/x-javascript",
        "application/xhtml+xml", "application/ecmascript", "image/svg+xml",
    ]

    static func applies(to request: OSSRequest, object: ObjectRecord) -> Bool {
        guard object.size >= minimumSize, object.headers.contentEncoding == nil,
              let accept = request.header(.acceptEncoding), acceptsGzip(accept)
        else { return false }
        let type = object.contentType.lowercased()
        return compressiblePrefixes.contains { type.hasPrefix($0) }
    }

    /// `gzip` listed without `q=0`.
    static func acceptsGzip(_ header: String) -> Bool {
        header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
            guard parts.first == "gzip" || parts.first == "x-gzip" else { return false }
            return !parts.dropFirst().contains { $0.hasPrefix("q=") && (Double($0.dropFirst(2)) ?? 1) == 0 }
        }
    }

    static func body(_ reader: any BlobReader, size: Int64, chunkSize: Int) -> ResponseBody {
        ResponseBody { writer in
            let compressor = CompressionAlgorithm.gzip(configuration: .init(compressionLevel: .fastestCompression))
                .compressor
            try compressor.startStream()
            defer { try? compressor.finishStream() }
            do {
                try await reader.read(0..<size, chunkSize: chunkSize) { chunk in
                    var input = chunk
                    while input.readableBytes > 0 {
                        var output = ByteBuffer()
                        output.reserveCapacity(compressor.maxSize(from: input))
                        try input.compressStream(to: &output, with: compressor, flush: .no)
                        if output.readableBytes > 0 { try await writer.write(output) }
                    }
                }
                await reader.close()
            } catch {
                await reader.close()
                throw error
            }
            // What zlib still holds, and the gzip trailer, in as many pieces as it takes.
            while true {
                var output = ByteBuffer()
                output.reserveCapacity(64 * 1024)
                do {
                    try compressor.finishDeflate(to: &output)
                    if output.readableBytes > 0 { try await writer.write(output) }
                    break
                } catch let error as CompressNIOError where error == .bufferOverflow {
                    try await writer.write(output)
                }
            }
            try await writer.finish(nil)
        }
    }
}
