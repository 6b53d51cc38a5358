import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
@testable import Training
import _TestSupport

/// Every model file records the MetaMLIP version and the git commit of the build that wrote
/// it (or why the commit is unknown); files written before that still read.
@Suite struct ModelProvenanceTests {
    @Test func modelFilesRecordVersionAndCommit() throws {
        let dir = try SharedData.temporaryDirectory("provenance")
        defer { try? FileManager.default.removeItem(at: dir) }
        let potential = ThreeBPA.smallPotential()
        let parameters = potential.initialParameters(seed: 0)
        let path = dir.appendingPathComponent("m.model.json").path
        try ModelFile(potential: potential, parameters: parameters, provenance: .init(task: "t", seed: 1)).save(to: path)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        let provenance = try #require(json?["provenance"] as? [String: Any])
        #expect(provenance["metamlipVersion"] as? String == MetaMLIPRelease.version)
        if let commit = MetaMLIPRelease.gitCommit {
            #expect(provenance["gitCommit"] as? String == commit && provenance["gitCommitUnknown"] == nil)
            #expect(MetaMLIPRelease.versionDescription.hasPrefix("\(MetaMLIPRelease.version) (git \(commit.prefix(7))"))
        } else {
            #expect(provenance["gitCommit"] == nil && provenance["gitCommitUnknown"] as? String == MetaMLIPRelease.gitCommitUnknownReason)
            #expect(MetaMLIPRelease.versionDescription.contains("git commit unknown: "))
        }
        #expect(try ModelFile.read(path: path).provenance?.gitCommit == MetaMLIPRelease.gitCommit)

        // A provenance of an older file, without these keys, decodes with them absent.
        let old = #"{"steps": 3, "epochs": 1, "date": "2025-01-01T00:00:00Z", "task": "t"}"#
        let decoded = try JSONDecoder().decode(ModelFile.Provenance.self, from: Data(old.utf8))
        #expect(decoded.metamlipVersion == nil && decoded.gitCommit == nil && decoded.gitCommitUnknown == nil && decoded.task == "t")
    }
}
