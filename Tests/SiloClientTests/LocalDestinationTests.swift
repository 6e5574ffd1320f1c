import Foundation
import SiloClient
import Testing

@Suite struct LocalDestinationTests {
    static let folder = URL(fileURLWithPath: "/tmp/backup")

    @Test(arguments: [
        "users/alice/../../../.bashrc", "dl/../../escaped.txt", "dl/../../../../tmp/x", "..", "a/..", "./x/../..",
        "users/alice/\u{0}evil", "a/./b", "",
    ])
    func keysThatWouldLeaveAreRefused(_ key: String) {
        #expect(throws: LocalDestination.UnsafeKey.self) {
            _ = try LocalDestination.file(forKey: key, under: Self.folder)
        }
    }

    @Test func safeKeysStayInside() throws {
        #expect(try LocalDestination.file(forKey: "users/alice/a.jpg", removingPrefix: "users/", under: Self.folder).path
                == "/tmp/backup/alice/a.jpg")
        #expect(try LocalDestination.file(forKey: "/etc/passwd", under: Self.folder).path == "/tmp/backup/etc/passwd")
        #expect(try LocalDestination.file(forKey: "a//b/..c", under: Self.folder).path == "/tmp/backup/a/b/..c")
        #expect(try LocalDestination.file(namedAfterKey: "users/alice/photo.jpg", in: Self.folder).path == "/tmp/backup/photo.jpg")
        #expect(throws: LocalDestination.UnsafeKey.self) {
            _ = try LocalDestination.file(namedAfterKey: "users/alice/..", in: Self.folder)
        }
        #expect(throws: LocalDestination.UnsafeKey.self) {
            _ = try LocalDestination.file(forKey: "other/x", removingPrefix: "users/", under: Self.folder)
        }
    }

    @Test func hostileKeysArePrintedEscaped() {
        let error = LocalDestination.UnsafeKey(key: "a/\u{1b}[2J/..", reason: "x")
        #expect(error.description == #"key "a/\u{1b}[2J/.." x"#)
    }
}
