import Foundation
import Testing
import Chemistry
@testable import Experiments
import Training
import _TestSupport

/// What a run directory records about the build (the git commit, never compared) and the
/// `[progress]` lines `metamlip run` reads back.
@Suite struct BuildRecordTests {
    @Test func theFingerprintRecordsTheCommitButDoesNotCompareIt() throws {
        let current = RunFingerprint(settings: ["refit.epochs": "40"], dataFiles: ["data a.xyz": "size:1 fnv1a64:1"])
        #expect(current.gitCommit == MetaMLIPRelease.gitCommit)
        #expect((current.gitCommit == nil) == (current.gitCommitUnknown != nil), "a commit, or the reason there is none")
        // Another build (another commit, or none known) of the same version resumes the directory.
        var other = current
        other.gitCommit = "0000000000000000000000000000000000000000+dirty"
        #expect(current.incompatibilities(with: other, allowing: .init()).isEmpty)
        other.gitCommit = nil
        other.gitCommitUnknown = "not built from a git checkout"
        #expect(current.incompatibilities(with: other, allowing: .init()).isEmpty)
        // Settings still count.
        var changed = current
        changed.settings["refit.epochs"] = "41"
        #expect(current.incompatibilities(with: changed, allowing: .init()) == ["refit.epochs: 41 → 40"])
        // A fingerprint written before commits were recorded still reads.
        let old = #"{"version": "0.10.0", "settings": {"refit.epochs": "40"}, "dataFiles": {"data a.xyz": "size:1 fnv1a64:1"}}"#
        let decoded = try JSONDecoder().decode(RunFingerprint.self, from: Data(old.utf8))
        #expect(decoded.gitCommit == nil && current.incompatibilities(with: decoded, allowing: .init()).isEmpty)
    }

    @Test func aRunDirectoryWritesTheCommitIntoFingerprintJSON() throws {
        let dir = try SharedData.temporaryDirectory("build-record")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = dir.appendingPathComponent("m.yaml")
        try "experiment: x\n".write(to: manifest, atomically: true, encoding: .utf8)
        let url = dir.appendingPathComponent("run")
        _ = try RunDirectory(url: url, manifestPath: manifest.path, fingerprint: RunFingerprint(settings: [:], dataFiles: [:]),
                             compatibility: .init())
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("fingerprint.json"))) as? [String: Any]
        #expect(json?["version"] as? String == MetaMLIPRelease.version)
        if let commit = MetaMLIPRelease.gitCommit {
            #expect(json?["gitCommit"] as? String == commit)
        } else {
            #expect(json?["gitCommitUnknown"] as? String == MetaMLIPRelease.gitCommitUnknownReason)
        }
    }

    @Test func progressLinesReadBack() {
        let p = UnitProgress(stage: "pretraining and refits", done: 3, total: 8, unit: "refit/scratch/n10-seed0 (N=10)",
                             elapsed: 41.4, remaining: 68.2)
        #expect(p.line == "[progress] pretraining and refits: 3 of 8 units (refit/scratch/n10-seed0 (N=10)), 41 s, about 68 s left")
        let back = UnitProgress(line: p.line)
        #expect(back == UnitProgress(stage: p.stage, done: 3, total: 8, unit: p.unit, elapsed: 41, remaining: 68))
        let last = UnitProgress(stage: "analysis", done: 2, total: 2, unit: "md", elapsed: 5, remaining: nil)
        #expect(UnitProgress(line: last.line) == last)
        #expect(UnitProgress(line: "[scratch] epoch 1") == nil && UnitProgress(line: "[progress] nonsense") == nil)
    }
}
