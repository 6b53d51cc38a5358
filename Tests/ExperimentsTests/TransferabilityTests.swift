import Foundation
import Testing
import Chemistry
@testable import Experiments
@testable import Training
import _TestSupport

/// The selection rule on its own, with hand-made committee predictions.
@Suite struct TransferabilityPoolSelectionTests {
    func prediction(energySpread: Double, forceSpread: Double) -> CommitteePrediction {
        CommitteePrediction(atomCount: 10, energy: 0, referenceEnergy: 0, energySpreadPerAtom: energySpread,
                            maxForceSpread: forceSpread, maxForceError: 0, forceComponentErrors: [], forceComponentSpreads: [])
    }

    @Test func scoreIsTheLargerSpreadRelativeToItsThreshold() {
        // Thresholds: 3 × 2 meV/atom = 6 meV/atom, 6 × 50 meV/Å = 0.3 eV/Å.
        let t = UncertaintyThresholds(energyRMSEPerAtom: 0.002, forceRMSE: 0.05)
        #expect(abs(PoolSelection.score(prediction(energySpread: 0.003, forceSpread: 0.06), thresholds: t) - 0.5) < 1e-12)
        #expect(abs(PoolSelection.score(prediction(energySpread: 0.0006, forceSpread: 0.6), thresholds: t) - 2) < 1e-12)
        // Score > 1 exactly when the committee flags the structure.
        for (e, f) in [(0.005, 0.2), (0.007, 0.2), (0.001, 0.31), (0.0, 0.0)] {
            let p = prediction(energySpread: e, forceSpread: f)
            #expect((PoolSelection.score(p, thresholds: t) > 1) == t.flags(p))
        }
    }

    @Test func picksTheHighestScoresSkipsMembersAndBreaksTiesByIndex() {
        let candidates = [3, 7, 9, 12, 20, 21]
        let scores = [0.5, 4.0, 1.5, 4.0, Double.nan, 2.0]
        #expect(PoolSelection.pick(count: 3, candidates: candidates, scores: scores, excluding: []) == [7, 12, 21])
        #expect(PoolSelection.pick(count: 3, candidates: candidates, scores: scores, excluding: [7]) == [12, 21, 9])
        // NaN ranks last; asking for more than remain returns what remains.
        #expect(PoolSelection.pick(count: 10, candidates: candidates, scores: scores, excluding: [3, 7]) == [12, 21, 9, 20])
        #expect(PoolSelection.pick(count: 0, candidates: candidates, scores: scores, excluding: []).isEmpty)
    }

    @Test func growNeverPicksTwiceNorOutsideThePool() throws {
        // A fake committee whose spread is largest for high indices: every round must take the
        // highest remaining pool indices, never a held-out one, never one already in the set.
        let pool = Array(0..<30).filter { $0 % 3 != 0 }       // multiples of 3 are "test"
        let initial = [1, 2]
        var calls = 0
        let (set, rounds) = try PoolSelection.grow(initial: initial, perRound: 4, finalSize: 12) { current, count in
            calls += 1
            let candidates = pool.filter { !current.contains($0) }
            let picked = PoolSelection.pick(count: count, candidates: candidates, scores: candidates.map(Double.init),
                                            excluding: Set(current))
            return PoolSelection.Round(size: current.count, picked: picked, scores: picked.map(Double.init), flagged: 0,
                                       validationEnergyRMSE: 1, validationForceRMSE: 1, seconds: 0)
        }
        #expect(calls == 3 && rounds.map(\.picked.count) == [4, 4, 2])
        #expect(set.count == 12 && Set(set).count == 12)
        #expect(set.allSatisfy { $0 % 3 != 0 })
        #expect(Array(set.prefix(2)) == initial && Array(set[2..<6]) == [29, 28, 26, 25])
        // Resuming from the first two rounds calls the committee once more only.
        var again = 0
        let (resumedSet, _) = try PoolSelection.grow(initial: initial, perRound: 4, finalSize: 12,
                                                     resumed: Array(rounds.prefix(2))) { current, count in
            again += 1
            let candidates = pool.filter { !current.contains($0) }
            let picked = PoolSelection.pick(count: count, candidates: candidates, scores: candidates.map(Double.init), excluding: [])
            return PoolSelection.Round(size: current.count, picked: picked, scores: [], flagged: 0,
                                       validationEnergyRMSE: 1, validationForceRMSE: 1, seconds: 0)
        }
        #expect(again == 1 && resumedSet == set)
        // A round that repeats a member is refused.
        #expect(throws: DataError.self) {
            _ = try PoolSelection.grow(initial: [1, 2], perRound: 2, finalSize: 4) { _, _ in
                PoolSelection.Round(size: 2, picked: [2, 4], scores: [], flagged: 0, validationEnergyRMSE: 1,
                                    validationForceRMSE: 1, seconds: 0)
            }
        }
    }
}

/// The manifest and a whole study at the smallest scale on the solvent data.
@Suite(.serialized) struct TransferabilityStudyTests {
    static let valid = """
        study: transferability
        experiment: tiny-transfer
        data_root: \(SharedData.root.path)
        data: {train: solvents/solvent_xtb_train_200.xyz, md_reference: solvents/mace02_md_100_xtb.xyz, energy_key: energy_xtb, forces_key: forces_xtb}
        split: {test: 6, validation: 4, seed: 0}
        architectures:
          - {name: ani, model: {kind: ani, widths: [4]}}
          - {name: hipnn, model: {kind: hipnn, width: 4, interactions: 1, atom_layers: 1, sensitivities: 4, cutoff: 4.0}}
        loss: {energy_weight: 1, force_weight: 10}
        selection: {initial: 3, per_round: 2, final_size: 5, committee_seeds: [0, 1], epochs: 1}
        training: {epochs: 2, batch_size: 4, learning_rate: 0.001, patience: 5, seeds: [0]}
        md: {temperature: 500, steps: 4, dt: 0.5, friction: 0.01, every: 2}
        """

    func write(_ text: String) throws -> (URL, String) {
        let dir = try SharedData.temporaryDirectory("transferability")
        let path = dir.appendingPathComponent("study.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (dir, path)
    }

    @Test func manifestErrorsNameTheFileAndKey() throws {
        let cases: [(String, String, String)] = [
            ("selection: {initial: 3,", "selection: {initial: 3, per_rund: 2,", "selection"),
            ("  - {name: hipnn,", "  - {name: ani,", "architectures[1].name"),
            ("final_size: 5", "final_size: 3", "selection.final_size"),
            ("committee_seeds: [0, 1]", "committee_seeds: [0]", "selection.committee_seeds"),
            ("steps: 4,", "steps: 0,", "md"),
            ("widths: [4]", "width: 4", "architectures[0].model.width"),
            ("study: transferability", "study: lifelong", "study"),
        ]
        for (old, new, key) in cases {
            #expect(Self.valid.contains(old))
            let (dir, path) = try write(Self.valid.replacingOccurrences(of: old, with: new))
            defer { try? FileManager.default.removeItem(at: dir) }
            do {
                _ = try TransferabilityManifest.load(path: path)
                Issue.record("accepted \(new)")
            } catch let e as DataError {
                #expect(e.file == path)
                #expect(e.item?.hasPrefix(key) == true, "\(new): item \(e.item ?? "nil") (\(e.reason))")
            }
        }
        let (dir, path) = try write(Self.valid)
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try TransferabilityManifest.load(path: path)
        #expect(m.architectures.map(\.name) == ["ani", "hipnn"] && m.selection.finalSize == 5)
        #expect(try StudyKind.of(manifestPath: path) == .transferability)
    }

    @Test(.enabled(if: SharedData.isAvailable)) func runsTheWholeStudyAndResumesWithoutRedoingWork() throws {
        let (dir, path) = try write(Self.valid)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        var lines: [String] = []
        let runner = try TransferabilityRunner(manifestPath: path, runDirectory: out.path)
        runner.log = { lines.append($0) }
        let results = try runner.run()

        // Three sets of five frames, from the pool only, sharing the three starting frames.
        let data = try runner.loadData()
        #expect(results.setNames == ["random", "selected-by-ani", "selected-by-hipnn"])
        let heldOut = Set(data.test + data.validation)
        for set in results.sets {
            #expect(set.frames.count == 5 && Set(set.frames).count == 5)
            #expect(set.frames.allSatisfy { !heldOut.contains($0) && data.pool.contains($0) })
            #expect(Array(set.frames.prefix(3)) == Array(results.sets[0].frames.prefix(3)))
        }
        #expect(results.rounds["ani"]?.count == 1 && results.rounds["hipnn"]?.count == 1)
        // The matrix: 2 architectures × 3 sets × 1 seed, finite errors on 6 test frames and 100 MD frames.
        #expect(results.cross.count == 6)
        for r in results.cross {
            #expect(r.test.conformationCount == 6 && r.mdReference.conformationCount == 100)
            let values = [r.test.energyPerAtomRMSE, r.test.forceRMSE, r.mdReference.energyPerAtomRMSE, r.mdReference.forceRMSE]
            #expect(values.allSatisfy { $0.isFinite }, "\(values)")
        }
        let matrix = results.matrix("x") { $0.test.forceRMSE }
        #expect(matrix.rows.count == 2 && matrix.rows.allSatisfy { $0.count == 4 })
        // MD: one run per model; bond classes of DMC, with C=O split from C-O.
        #expect(results.md.count == 6 && results.md.allSatisfy { $0.steps >= 1 && $0.stableTime > 0 })
        #expect(Set(results.referenceBonds.map(\.bond)) == ["C-H", "C-O", "C=O"])
        #expect(results.referenceBonds.allSatisfy { $0.samples >= 100 && $0.mean > 0.9 && $0.mean < 1.6 })
        let csv = try String(contentsOf: out.appendingPathComponent("cross.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 7 && !csv.contains("nan"))
        for name in ["sets.csv", "md.csv", "bonds.csv", "summary.md", "sets/selected-by-ani.json", "sets/ani/round0.json",
                     "cross/hipnn/random-seed0.model.json", "md/ani/selected-by-hipnn-seed0.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        #expect(try String(contentsOf: out.appendingPathComponent("sets.csv"), encoding: .utf8).split(separator: "\n").count == 16)
        #expect(lines.contains { $0.hasPrefix("[select hipnn]") } && lines.contains { $0.hasPrefix("[md]") })

        // The report.
        let folder = try runner.writeReport(results, root: dir.appendingPathComponent("export"))
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("selected-by-hipnn") && html.contains("Which sets help whom"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/cross.csv").path))

        // A second run finds everything done: same results, nothing retrained or rerun.
        var again: [String] = []
        let second = try TransferabilityRunner(manifestPath: path, runDirectory: out.path)
        second.log = { again.append($0) }
        let resumed = try second.run()
        #expect(resumed.cross == results.cross && resumed.md == results.md && resumed.sets == results.sets)
        #expect(!again.contains { $0.hasPrefix("[select") || $0.hasPrefix("[train]") || $0.hasPrefix("[md]") })

        // An interrupted selection resumes at its last finished round: drop the hipnn set and
        // everything downstream of it, keep its round file.
        try FileManager.default.removeItem(at: out.appendingPathComponent("sets/selected-by-hipnn.json"))
        var third: [String] = []
        let rerun = try TransferabilityRunner(manifestPath: path, runDirectory: out.path)
        rerun.log = { third.append($0) }
        #expect(try rerun.run().sets == results.sets)
        // `metamlip report` rebuilds the report from results.json alone.
        let reloaded = try TransferabilityResults.load(from: out)
        #expect(reloaded.sets == results.sets && reloaded.cross == results.cross && reloaded.md == results.md)
        #expect(third.contains { $0.contains("resuming after 1 finished rounds") })
        #expect(!third.contains { $0.hasPrefix("[select") && $0.contains("committee") })

        // The same run directory with other settings is refused rather than mixed.
        try Self.valid.replacingOccurrences(of: "epochs: 2,", with: "epochs: 3,").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try TransferabilityRunner(manifestPath: path, runDirectory: out.path).run()
            Issue.record("resumed a run made with other settings")
        } catch let e as DataError {
            #expect(e.file.hasSuffix("fingerprint.json") && e.item == "configuration" && e.reason.contains("training.epochs: 2 → 3"), "\(e)")
        }
    }
}
