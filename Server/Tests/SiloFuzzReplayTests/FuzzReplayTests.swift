import Foundation
import SiloFuzzTargets
import Testing

/// Every checked-in seed and every input that once failed, through its fuzz target: a crash fails `make test`.
@Suite struct FuzzReplayTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        ["corpus", "regressions"].flatMap { kind -> [URL] in
            let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { folder.appendingPathComponent($0) }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func replays(_ target: FuzzTarget) async throws {
        let inputs = Self.inputs(target)
        #expect(inputs.count >= 5, "the seed corpus of \(target.rawValue) has \(inputs.count) inputs")
        for input in inputs {
            await target.run(Array(try Data(contentsOf: input)))
        }
    }
}
