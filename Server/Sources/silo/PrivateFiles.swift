import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The data folder holds password hashes, sealed secrets, the master key and every object: nobody but the
/// server's own user may read it.
enum PrivateFiles {
    /// Every file and folder the process creates from now on is private (0600 / 0700). Only the server commands
    /// call this; client commands such as `silo cp` keep the user's umask for the files they write.
    static func restrictNewFiles() {
        umask(0o077)
    }

    /// Makes `folder` 0700 (creating it if needed) and the files directly in it 0600, which fixes data folders
    /// made by earlier versions. Blob files deeper down are already unreachable through the folder.
    static func secure(folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        guard chmod(folder, 0o700) == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: folder])
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let path = folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG: _ = chmod(path, 0o600)
            case S_IFDIR: _ = chmod(path, 0o700)
            default: continue
            }
        }
    }

    /// Makes each existing file of `paths` 0600.
    static func secure(files paths: [String]) {
        for path in paths where FileManager.default.fileExists(atPath: path) { _ = chmod(path, 0o600) }
    }
}
