import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SiloCore
import SiloIAM
import Testing

@testable import SiloHTTP

/// The OSS route table, walked in process: every route is recognized from a request of its own shape, names a
/// RAM action, and is authorized before its handler does anything. A route added without authorization fails.
@Suite struct RouteTableTests {
    /// A request that route's selector matches: the bucket `walk`, the key `k`, its sub-resources and headers.
    static func sample(_ route: OSSRoute) -> (uri: String, query: String, headers: HTTPFields, body: ByteBuffer) {
        var query: [String] = []
        var headers = HTTPFields()
        var body = ByteBuffer()
        func add(_ selector: OSSRoute.Selector) {
            switch selector {
            case .always, .not: break
            case .query(let name): query.append(name)
            case .anyQuery(let names): query.append(names[0] + "=1")
            case .queryValue(let name, let value): query.append(name + "=" + value)
            case .header(let name): headers[HTTPField.Name(name)!] = "/walk/source"
            case .formUpload:
                headers[.contentType] = "multipart/form-data; boundary=B"
                body = ByteBuffer(string: "--B\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n"
                    + "--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--B--\r\n")
            case .all(let selectors): selectors.forEach(add)
            }
        }
        add(route.selector)
        let path: String
        switch route.target {
        case .service: path = "/"
        case .bucket, .newBucket: path = "/walk/"
        case .object: path = "/walk/k"
        }
        let text = query.joined(separator: "&")
        return (text.isEmpty ? path : path + "?" + text, text, headers, body)
    }

    @Test func everyRouteNamesAnActionAndIsFoundByItsOwnShape() throws {
        #expect(OSSRoutes.table.count >= 40)
        for route in OSSRoutes.table {
            #expect(route.action.hasPrefix("oss:") && route.action.count > 4, "\(route.operation)")
            let (uri, query, headers, _) = Self.sample(route)
            let parts = uri.split(separator: "?", maxSplits: 1)
            let path = String(parts[0]).split(separator: "/").map(String.init)
            let request = OSSRequest(method: route.method, host: "127.0.0.1", bucket: path.first,
                                     key: path.count > 1 ? path[1] : nil, query: QueryParameters(parsing: Substring(query))!,
                                     headers: headers, requestId: "T")
            guard case .route(let found) = OSSRoutes.resolve(request) else {
                Issue.record("\(route.operation) \(uri) does not resolve to a route")
                continue
            }
            #expect(found.operation == route.operation && found.method == route.method && found.selector == route.selector,
                    "\(route.method) \(uri) resolves to \(found.operation), not \(route.operation)")
        }
    }

    /// Anonymous, and signed by a RAM user with no policies: every route answers AccessDenied naming its own
    /// action, on a private bucket whose object exists.
    @Test func everyRouteIsAuthorizedBeforeItsHandler() async throws {
        let fixture = try await Fixture()
        let iam = fixture.frontEnd.domain.iam
        _ = try await iam.createUser(name: "nobody", displayName: nil)
        let (key, secret) = try await iam.createAccessKey(user: "nobody")
        try await fixture.run { client in
            #expect(try await client.execute(uri: "/walk/", method: .put, headers: Fixture.signV1(.put, bucket: "walk", key: nil)).status == .ok)
            #expect(try await client.execute(uri: "/walk/k", method: .put, headers: Fixture.signV1(.put, bucket: "walk", key: "k"),
                                             body: ByteBuffer(string: "object")).status == .ok)
            for route in OSSRoutes.table {
                let (uri, query, headers, body) = Self.sample(route)
                let bucket: String? = route.target == .service ? nil : "walk"
                let objectKey: String? = route.target == .object ? "k" : nil
                let signed = Fixture.signV1(route.method, bucket: bucket, key: objectKey, query: query, headers: headers,
                                            accessKeyId: key.accessKeyId, secret: secret)
                for (who, fields) in [("anonymous", headers), ("a user without policies", signed)] {
                    let response = try await client.execute(uri: uri, method: route.method, headers: fields, body: body)
                    let document: String
                    if route.method == .head {
                        document = String(decoding: Data(base64Encoded: response.headers[HTTPField.Name("x-oss-err")!] ?? "") ?? Data(),
                                          as: UTF8.self)
                    } else {
                        document = String(buffer: response.body)
                    }
                    #expect(response.status == .forbidden && document.contains("<Code>AccessDenied</Code>")
                            && document.contains("<Action>\(route.action)</Action>"),
                            "\(route.operation) \(route.method) \(uri) as \(who): \(response.status) \(document)")
                }
            }
            // Nothing the walk sent changed the object.
            let get = try await client.execute(uri: "/walk/k", method: .get, headers: Fixture.signV1(.get, bucket: "walk", key: "k"))
            #expect(String(buffer: get.body) == "object")
        }
    }

    /// Writes that set an ACL need PutObjectAcl as well, from the table's header actions.
    @Test func settingAnACLWhileWritingNeedsPutObjectAcl() async throws {
        let routes = OSSRoutes.table.filter { $0.headerActions.contains(OSSRoute.setsObjectACL) }.map(\.operation)
        #expect(Set(routes) == ["PutObject", "CopyObject", "AppendObject", "PutSymlink", "InitiateMultipartUpload"])
        // PostObject carries its headers as form fields and checks the same action itself.
    }

    /// Writes that tag the object need PutObjectTagging as well, on the same routes.
    @Test func taggingWhileWritingNeedsPutObjectTagging() {
        let routes = OSSRoutes.table.filter { $0.headerActions.contains(OSSRoute.setsObjectTags) }.map(\.operation)
        #expect(Set(routes) == ["PutObject", "CopyObject", "AppendObject", "PutSymlink", "InitiateMultipartUpload"])
    }

    @Test func unsupportedFeaturesAndMethodsAreNamed() {
        func resolve(_ method: HTTPRequest.Method, key: String?, _ query: String) -> OSSRoutes.Resolution {
            OSSRoutes.resolve(OSSRequest(method: method, host: "h", bucket: "b", key: key,
                                         query: QueryParameters(parsing: Substring(query))!, headers: [:], requestId: "T"))
        }
        guard case .unsupported("logging") = resolve(.get, key: nil, "logging&list-type=2") else {
            Issue.record("an unsupported sub-resource must win over the fallback listing")
            return
        }
        guard case .unsupported("restore") = resolve(.post, key: "k", "restore") else {
            Issue.record("RestoreObject is not implemented")
            return
        }
        guard case .route(let tagging) = resolve(.put, key: "k", "tagging"), tagging.operation == "PutObjectTagging" else {
            Issue.record("object tagging must win over the PutObject fallback")
            return
        }
        guard case .route(let bucketTagging) = resolve(.put, key: nil, "tagging"), bucketTagging.operation == "PutBucketTags"
        else {
            Issue.record("bucket tagging must win over PutBucket")
            return
        }
        guard case .methodNotAllowed = resolve(.patch, key: "k", "") else {
            Issue.record("PATCH has no route")
            return
        }
    }
}
