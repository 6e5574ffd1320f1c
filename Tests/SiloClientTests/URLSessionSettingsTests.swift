import Foundation
import Testing

@testable import SiloClient

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The app's own URLSession settings survive, and the client's configuration is set in one place.
@Suite struct URLSessionSettingsTests {
    @Test func theAppsSessionSettingsAreKeptAndTheClientsAreApplied() {
        let appSettings = URLSessionConfiguration.ephemeral
        appSettings.allowsCellularAccess = false
        appSettings.httpAdditionalHeaders = ["X-App-Build": "42"]
        appSettings.timeoutIntervalForRequest = 99
        var configuration = ClientConfiguration()
        configuration.socketTimeout = .seconds(7)
        configuration.maxConcurrentRequests = 9
        let transport = URLSessionTransport(configuration: configuration, sessionConfiguration: appSettings)
        let used = transport.session.configuration
        #expect(used.allowsCellularAccess == false)
        #expect(used.httpAdditionalHeaders?["X-App-Build"] as? String == "42")
        #expect(used.timeoutIntervalForRequest == 7 && used.httpMaximumConnectionsPerHost == 9)
        #expect(appSettings.timeoutIntervalForRequest == 99, "the app's instance is not changed")
    }

    @Test func oneConfigurationSetsTheClientAndItsTransport() throws {
        var configuration = ClientConfiguration()
        configuration.maxConcurrentRequests = 11
        let client = OSSClient(endpoint: URL(string: "http://127.0.0.1:9000")!, region: "cn-hangzhou",
                               credentials: StaticCredentialsProvider(accessKeyId: "k", accessKeySecret: "s"),
                               configuration: configuration)
        let transport = try #require(client.transport as? URLSessionTransport)
        #expect(transport.session.configuration.httpMaximumConnectionsPerHost == 11)
    }
}
