import Foundation

/// The admin API's OpenAPI 3 document, generated from `AdminAPI` and the documents' own encodings, served at
/// `GET /-/admin/v1/openapi.json`. Nothing in it is written by hand, so it cannot drift from the API.
public enum AdminOpenAPI {
    /// The document as pretty-printed JSON with sorted keys (stable, so a snapshot test can hold it).
    public static func json() -> String {
        let data = (try? JSONSerialization.data(withJSONObject: document(),
                                                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public static func document() -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        var schemas: [String: Any] = ["AdminFailure": JSONSchema.of(AdminFailure.example).json]
        for operation in AdminAPI.all {
            var entry: [String: Any] = [
                "operationId": operation.id,
                "summary": operation.summary,
                "x-ram-action": operation.action,
                "x-ram-resource": (operation.service == "oss" ? "acs:oss:*:<account>:" : "acs:\(operation.service)::<account>:")
                    + operation.resource,
            ]
            let parameters = operation.parameters.map { name -> [String: Any] in
                ["name": name, "in": "path", "required": true, "schema": ["type": "string"]]
            }
            if !parameters.isEmpty { entry["parameters"] = parameters }
            if operation.body != AdminEmpty.self {
                entry["requestBody"] = ["required": true, "content": ["application/json": ["schema": reference(operation.body, &schemas)]]]
            }
            var success: [String: Any] = ["description": operation.status == 201 ? "Created" : (operation.status == 204 ? "Done" : "OK")]
            if operation.output != AdminEmpty.self {
                success["content"] = ["application/json": ["schema": reference(operation.output, &schemas)]]
            }
            entry["responses"] = [
                String(operation.status): success,
                "default": ["description": "Error: the code, message and request id",
                            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/AdminFailure"]]]],
            ]
            paths["/" + operation.path, default: [:]][operation.method.rawValue.lowercased()] = entry
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "Silo admin API",
                "version": "1",
                "description": "RAM users, access keys, roles, policies, policy simulation, STS token keys and server "
                    + "statistics. Requests are signed like OSS requests (V1 or V4) with bucket '-' and key "
                    + "'admin/v1/<path>', and authorized by RAM policy: x-ram-action names the action and x-ram-resource "
                    + "the resource it is needed on; the account root may do anything.",
            ],
            "servers": [["url": AdminAPI.basePath.hasSuffix("/") ? String(AdminAPI.basePath.dropLast()) : AdminAPI.basePath]],
            "paths": paths,
            "components": ["schemas": schemas],
        ]
    }

    /// A `$ref` to the document type's schema (an array of it for list answers), adding the schema once.
    private static func reference(_ type: any AdminDocument.Type, _ schemas: inout [String: Any]) -> [String: Any] {
        let schema = JSONSchema.of(type.example)
        if case .array(let items) = schema, let element = elementName(type) {
            schemas[element] = items.json
            return ["type": "array", "items": ["$ref": "#/components/schemas/" + element]]
        }
        let name = String(describing: type)
        schemas[name] = schema.json
        return ["$ref": "#/components/schemas/" + name]
    }

    /// `Array<AdminUser>` → `AdminUser`.
    private static func elementName(_ type: any AdminDocument.Type) -> String? {
        let name = String(describing: type)
        guard name.hasPrefix("Array<"), name.hasSuffix(">") else { return nil }
        return String(name.dropFirst("Array<".count).dropLast())
    }
}
