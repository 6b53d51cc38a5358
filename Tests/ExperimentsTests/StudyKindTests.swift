import Foundation
import Testing
import Chemistry
@testable import Experiments
import _TestSupport

@Suite struct StudyKindTests {
    func manifest(_ text: String) throws -> String {
        let dir = try SharedData.temporaryDirectory("study-kind")
        let path = dir.appendingPathComponent("m.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsTheStudyKeyAndDefaultsToRefit() throws {
        #expect(try StudyKind.of(manifestPath: manifest("experiment: x\n")) == .refit)
        #expect(try StudyKind.of(manifestPath: manifest("study: lifelong\nexperiment: x\n")) == .lifelong)
        #expect(try StudyKind.of(manifestPath: manifest("study: transferability\n")) == .transferability)
    }

    @Test func namesTheFileForBadInput() throws {
        for text in ["study: lifelon\n", "- a\n- b\n", "study: [1\n"] {
            let path = try manifest(text)
            do {
                _ = try StudyKind.of(manifestPath: path)
                Issue.record("accepted \(text)")
            } catch let e as DataError {
                #expect(e.file == path)
            }
        }
        #expect(throws: DataError.self) { try StudyKind.of(manifestPath: "/nonexistent/m.yaml") }
    }
}
