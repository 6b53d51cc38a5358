import Foundation
import Testing
import Chemistry
import Datasets

/// YAML errors say where and what in a user's words: the line and column of a syntax error,
/// and the value found where another type was expected.
@Suite struct YAMLMessageTests {
    struct Section: Codable { var test: Int; var name: String?; var rate: Double? }
    struct Document: Codable { var target: Section }

    @Test(arguments: [
        ("target: {test: 3\n  name: [\n", "malformed YAML: 2:", nil),
        ("target: {test: abc}\n", "expected a whole number, found 'abc'", "target.test"),
        ("target: {test: 1.5}\n", "expected a whole number, found '1.5'", "target.test"),
        ("target: {test: 2, rate: fast}\n", "expected a number, found 'fast'", "target.rate"),
        ("target: {test: [2]}\n", "expected a single value (a number or a word), found a list", "target.test"),
        ("target: [1, 2]\n", "expected a mapping {...}, found a list", "target"),
    ] as [(String, String, String?)])
    func errorsSayWhereAndWhat(text: String, message: String, item: String?) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try YAMLDocument.load(Document.self, path: path)
            Issue.record("accepted \(text)")
        } catch let e as DataError {
            #expect(e.file == path && e.item == item && e.reason.contains(message), "\(e)")
            #expect(!e.reason.contains("Scalar instead") && !e.reason.contains("not valid YAML"), "\(e)")
        }
    }
}
