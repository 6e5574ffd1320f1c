#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with the path it concerned.
public struct StorageIOError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    public var errno: Int32

    public var description: String {
        "\(operation)(\(path)) failed: \(String(cString: strerror(errno)))"
    }

    public var isNotFound: Bool { errno == ENOENT }
}

/// Thin wrappers over the blocking calls the blob store makes on its I/O threads.
enum POSIX {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        while true {
            let fd = path.withCString { cPath in
                #if canImport(Darwin)
                Darwin.open(cPath, flags | O_CLOEXEC, mode)
                #else
                Glibc.open(cPath, flags | O_CLOEXEC, mode)
                #endif
            }
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw StorageIOError(operation: "open", path: path, errno: errno)
        }
    }

    static func close(_ fd: Int32) {
        _ = systemClose(fd)
    }

    private static func systemClose(_ fd: Int32) -> Int32 {
        #if canImport(Darwin)
        Darwin.close(fd)
        #else
        Glibc.close(fd)
        #endif
    }

    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, offset: Int64, path: String) throws {
        var done = 0
        while done < buffer.count {
            let base = buffer.baseAddress!.advanced(by: done)
            let written = pwrite(fd, base, buffer.count - done, off_t(offset + Int64(done)))
            if written < 0 {
                if errno == EINTR { continue }
                throw StorageIOError(operation: "pwrite", path: path, errno: errno)
            }
            done += written
        }
    }

    /// Reads up to `buffer.count` bytes; fewer only at end of file.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, offset: Int64, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let count = pread(fd, buffer.baseAddress!.advanced(by: done), buffer.count - done, off_t(offset + Int64(done)))
            if count < 0 {
                if errno == EINTR { continue }
                throw StorageIOError(operation: "pread", path: path, errno: errno)
            }
            if count == 0 { break }
            done += count
        }
        return done
    }

    static func syncData(_ fd: Int32, path: String) throws {
        #if canImport(Darwin)
        let result = fsync(fd)
        #else
        let result = fdatasync(fd)
        #endif
        if result != 0 { throw StorageIOError(operation: "fdatasync", path: path, errno: errno) }
    }

    #if os(Linux)
    private typealias SyncFS = @convention(c) (Int32) -> Int32
    // Swift's Glibc module does not import syncfs; glibc exports it.
    private static let syncFS: SyncFS? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs")
        .map { unsafeBitCast($0, to: SyncFS.self) }
    #endif

    static func sync(_ fd: Int32, path: String) throws {
        if fsync(fd) != 0 { throw StorageIOError(operation: "fsync", path: path, errno: errno) }
    }

    /// Flushes the whole file system holding `path` (Linux `syncfs`; elsewhere, every file system).
    static func syncFileSystem(containing path: String) throws {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        #if os(Linux)
        if let syncFS {
            if syncFS(fd) != 0 { throw StorageIOError(operation: "syncfs", path: path, errno: errno) }
            return
        }
        #endif
        #if canImport(Glibc)
        Glibc.sync()
        #elseif canImport(Darwin)
        Darwin.sync()
        #endif
    }

    static func rename(_ from: String, _ to: String) throws {
        if systemRename(from, to) != 0 { throw StorageIOError(operation: "rename", path: from, errno: errno) }
    }

    private static func systemRename(_ from: String, _ to: String) -> Int32 {
        #if canImport(Darwin)
        Darwin.rename(from, to)
        #else
        Glibc.rename(from, to)
        #endif
    }

    /// Removes a file; a missing file is not an error (deletes are retried after crashes).
    static func unlinkIfPresent(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw StorageIOError(operation: "unlink", path: path, errno: errno)
        }
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw StorageIOError(operation: "mkdir", path: path, errno: errno)
        }
    }

    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            try makeDirectory(current)
        }
    }

    static func fileSize(_ fd: Int32, path: String) throws -> Int64 {
        var info = stat()
        if fstat(fd, &info) != 0 { throw StorageIOError(operation: "fstat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Names in a directory, without `.` and `..`.
    static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw StorageIOError(operation: "opendir", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
