import Foundation

/// Reads a range of a file slice by slice into one buffer, reused, so a read-back or a copy allocates once.
///
/// Slices are 64 KiB, below glibc's initial mmap threshold (128 KiB): freeing a larger buffer raises that
/// threshold for the rest of the process, after which the transport's buffers of a few hundred KiB are carved
/// from the allocator's arenas and stay resident. With 1 MiB slices a 1 GiB download over URLSession peaked
/// 20 MiB higher (measured with the memory test; a fixed threshold, `MALLOC_MMAP_THRESHOLD_`, removed it).
enum FileSlices {
    /// Calls `body` with each slice of up to `sliceSize` bytes of `file` from `offset`, in order, until `length`
    /// bytes or the end of the file; answers the bytes read.
    @discardableResult
    static func forEach(_ file: URL, offset: Int64, length: Int64, sliceSize: Int = 64 << 10,
                        _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: sliceSize, alignment: 64)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < length {
            let wanted = Int(Swift.min(Int64(sliceSize), length - done))
            let count = pread(handle.fileDescriptor, buffer.baseAddress, wanted, off_t(offset + done))
            if count < 0 {
                if errno == EINTR { continue }
                throw OSSClientError.invalidArgument("cannot read \(file.path): errno \(errno)")
            }
            if count == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            done += Int64(count)
        }
        return done
    }
}
