import Foundation
import Testing

@testable import SiloClient

/// The privacy manifest ships in the SDK's bundle, parses as a property list, and declares the file-timestamp
/// API that resumable transfers use (a required-reason API).
@Suite struct PrivacyManifestTests {
    @Test func theManifestShipsAndDeclaresTheFileTimestampReason() throws {
        let url = try #require(Bundle.module.url(forResource: "PrivacyInfo", withExtension: "xcprivacy"))
        let plist = try PropertyListSerialization.propertyList(from: Data(contentsOf: url), format: nil) as? [String: Any]
        #expect(plist?["NSPrivacyTracking"] as? Bool == false)
        let types = try #require(plist?["NSPrivacyAccessedAPITypes"] as? [[String: Any]])
        let timestamps = types.first { $0["NSPrivacyAccessedAPIType"] as? String == "NSPrivacyAccessedAPICategoryFileTimestamp" }
        #expect(timestamps?["NSPrivacyAccessedAPITypeReasons"] as? [String] == ["C617.1"])
    }
}
