import Foundation
import Testing
import Chemistry
@testable import Experiments
import MetaLearning
import Potentials
import Training
import _TestSupport

/// A run directory refuses what would mix settings (changed manifest, a second process),
/// repairs a kill between two writes, and the manifest sections share one set of defaults.
@Suite(.serialized) struct TrustworthyRunTests {
    static let scratchOnly = "  - {name: scratch, kind: scratch}"

    static func runner(_ manifest: String, _ out: URL, log: @escaping (String) -> Void = { _ in }) throws -> ExperimentRunner {
        let r = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        r.log = log
        return r
    }

    @Test func changedSettingsAreRefusedByKeyAndAddedSeedsAreWelcome() throws {
        let dir = try SharedData.temporaryDirectory("trust-rerun")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        let first = try Self.write(dir, refit: "{n: [3], seeds: [0], epochs: 2, batch_size: 3}")
        let results = try Self.runner(first, out).run()
        #expect(results.count == 1)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("fingerprint.json").path))

        // Other refit epochs: refused, naming the key with both values; nothing is written.
        let changed = try Self.write(dir, refit: "{n: [3], seeds: [0], epochs: 5, batch_size: 3}")
        do {
            try Self.runner(changed, out).run()
            Issue.record("a rerun with other refit epochs was accepted")
        } catch let e as DataError {
            #expect(e.file.hasSuffix("fingerprint.json") && e.reason.contains("refit.epochs: 2 → 5") && e.reason.contains("--fresh"), "\(e)")
        }
        let copied = try String(contentsOf: out.appendingPathComponent("manifest.yaml"), encoding: .utf8)
        #expect(copied.contains("epochs: 2,"), "the manifest copy must still describe the results")

        // One more seed and one more N: only the new units run; the copy shows the new grid.
        let grown = try Self.write(dir, refit: "{n: [3, 4], seeds: [0, 1], epochs: 2, batch_size: 3}")
        var lines: [String] = []
        let more = try Self.runner(grown, out, log: { lines.append($0) }).run()
        #expect(more.count == 4)
        #expect(more.first { $0.n == 3 && $0.seed == 0 } == results[0], "the earlier unit must be reused, not rerun")
        #expect(lines.filter { $0.contains("refit N=") }.count == 3, "\(lines)")
        #expect(try String(contentsOf: out.appendingPathComponent("manifest.yaml"), encoding: .utf8).contains("seeds: [0, 1]"))

        // A changed default counts too: the loss section removed resolves to other weights.
        let noLoss = try Self.write(dir, refit: "{n: [3, 4], seeds: [0, 1], epochs: 2, batch_size: 3}", loss: "loss: {energy_weight: 1, force_weight: 2}")
        do { try Self.runner(noLoss, out).run(); Issue.record("a changed loss was accepted") } catch let e as DataError {
            #expect(e.reason.contains("loss.force_weight: 1 → 2"), "\(e)")
        }

        // --fresh moves the old run aside and starts afresh.
        let fresh = try Self.runner(try Self.write(dir, refit: "{n: [3], seeds: [0], epochs: 5, batch_size: 3}"), out)
        fresh.fresh = true
        #expect(try fresh.run().count == 1)
        let siblings = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(siblings.contains { $0.hasPrefix("run.replaced-") }, "\(siblings)")
    }

    @Test func aDirectoryFromBeforeFingerprintsIsCheckedAgainstItsManifestCopy() throws {
        let dir = try SharedData.temporaryDirectory("trust-legacy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        let manifest = try Self.write(dir, refit: "{n: [3], seeds: [0], epochs: 2, batch_size: 3}")
        try Self.runner(manifest, out).run()
        try FileManager.default.removeItem(at: out.appendingPathComponent("fingerprint.json"))
        let changed = try Self.write(dir, refit: "{n: [3], seeds: [0], epochs: 3, batch_size: 3}")
        do { try Self.runner(changed, out).run(); Issue.record("an older run with other settings was resumed") } catch let e as DataError {
            #expect(e.reason.contains("refit.epochs: 2 → 3"), "\(e)")
        }
        // The same manifest adopts the directory and records its fingerprint.
        try Self.runner(try Self.write(dir, refit: "{n: [3], seeds: [0], epochs: 2, batch_size: 3}"), out).run()
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("fingerprint.json").path))
    }

    @Test func aSecondProcessIsToldAnotherHoldsTheDirectory() throws {
        let dir = try SharedData.temporaryDirectory("trust-lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fingerprint = RunFingerprint(settings: ["a": "1"], dataFiles: [:])
        let manifest = dir.appendingPathComponent("m.yaml")
        try "experiment: x\n".write(to: manifest, atomically: true, encoding: .utf8)
        let url = dir.appendingPathComponent("run")
        var held: RunDirectory? = try RunDirectory(url: url, manifestPath: manifest.path, fingerprint: fingerprint, compatibility: .init())
        // A second opener, as from another process: flock locks belong to the open file, so a
        // second descriptor in this process is refused like another process would be.
        do {
            _ = try RunDirectory(url: url, manifestPath: manifest.path, fingerprint: fingerprint, compatibility: .init())
            Issue.record("a second opener got the run directory")
        } catch let e as DataError {
            #expect(e.item == ".lock" && e.reason.contains("pid \(getpid())"), "\(e)")
        }
        withExtendedLifetime(held) {}
        held = nil
        // Released with the first: the directory opens again.
        _ = try RunDirectory(url: url, manifestPath: manifest.path, fingerprint: fingerprint, compatibility: .init())
    }

    @Test func aKillBetweenThePretrainingsTwoWritesIsRepaired() throws {
        let dir = try SharedData.temporaryDirectory("trust-repair")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        let manifest = try Self.write(dir, variants: "  - {name: multitask, kind: multitask, epochs: 2, batch_size: 8}",
                                      refit: "{n: [3], seeds: [0], epochs: 1, batch_size: 3}")
        try Self.runner(manifest, out).run()
        let model = out.appendingPathComponent("pretrain/multitask/model.json")
        let summary = out.appendingPathComponent("pretrain/multitask/summary.json")
        let before = try ModelFile.load(path: model.path).parameters, summaryBefore = try readJSON(PretrainingSummary.self, path: summary.path, what: "s")
        try FileManager.default.removeItem(at: summary)
        // A temporary file of an interrupted write: removed when the directory is opened again.
        let orphan = out.appendingPathComponent("refit/scratch/.n3-seed0.json.tmp-0F1E2D3C")
        try FileManager.default.createDirectory(at: orphan.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("{".utf8).write(to: orphan)
        var lines: [String] = []
        try Self.runner(manifest, out, log: { lines.append($0) }).run()
        #expect(FileManager.default.fileExists(atPath: summary.path), "summary.json was not regenerated")
        #expect(try readJSON(PretrainingSummary.self, path: summary.path, what: "s").steps == summaryBefore.steps)
        #expect(try ModelFile.load(path: model.path).parameters.tensors.map(\.scalars) == before.tensors.map(\.scalars),
                "the repaired unit must reproduce the model")
        #expect(!lines.contains { $0.contains("reusing") }, "\(lines)")
        #expect(!FileManager.default.fileExists(atPath: orphan.path) && lines.contains { $0.contains("removed 1 temporary file") }, "\(lines)")
    }

    @Test func sectionsShareOneSetOfDefaultsAndSilentChangesAreErrors() throws {
        let dir = try SharedData.temporaryDirectory("trust-defaults")
        defer { try? FileManager.default.removeItem(at: dir) }
        // No loss section: the weights of LossSettings, as `metamlip train` uses them.
        let plain = try Self.write(dir, loss: "")
        #expect(try ExperimentRunner(manifestPath: plain, runDirectory: dir.path).loss
                == EnergyForceLoss(energyWeight: LossSettings.defaultEnergyWeight, forceWeight: LossSettings.defaultForceWeight))
        #expect(try LossSettings.resolve(LossSettings(energyWeight: 1), file: "m") == LossSettings.resolve(nil, file: "m"))
        // The inner loop of maml is SGD with or without an inner section; Adam is an error.
        #expect(try InnerLoopSettings.resolve(nil, algorithm: .maml, file: "m", item: "i").optimizer == .sgd)
        #expect(try InnerLoopSettings.resolve(InnerLoopSettings(steps: 5), algorithm: .maml, file: "m", item: "i").optimizer == .sgd)
        #expect(try InnerLoopSettings.resolve(InnerLoopSettings(steps: 5), algorithm: .reptile, file: "m", item: "i").optimizer == .adam)

        func error(_ variants: String? = nil, refit: String = "{n: [3], seeds: [0], epochs: 2, batch_size: 3}",
                   loss: String = "loss: {energy_weight: 1, force_weight: 1}") throws -> DataError? {
            let path = try Self.write(dir, variants: variants, refit: refit, loss: loss)
            do { try Self.runner(path, dir.appendingPathComponent("bad")).run(); return nil } catch let e as DataError { return e }
        }
        // maml with a force term would silently train energies only.
        #expect(try error("  - {name: m, kind: maml, iterations: 1}")?.item == "variants (m).kind")
        #expect(try error("  - {name: m, kind: maml, iterations: 1, inner: {optimizer: adam}}", loss: "loss: {force_weight: 0}")?.item
                == "variants[0] (m).inner.optimizer")
        #expect(try error(refit: "{n: [3], seeds: [], epochs: 2}")?.item == "refit.seeds")
        #expect(try error(refit: "{n: [3], epochs: 2, batch_size: 0}")?.item == "refit.batch_size")
        #expect(try error(refit: "{n: [3], epochs: 2, learning_rate: -1}")?.item == "refit.learning_rate")
        #expect(try error("  - {name: r, kind: reptile, iterations: 1, inner: {steps: 0}}")?.item == "variants[0] (r).inner.steps")
        #expect(try error(loss: "loss: {energy_weight: -1}")?.item == "loss.energy_weight")
        #expect(try error(loss: "loss: {energy_weight: 0, force_weight: 0}")?.item == "loss")
        // freeze:K with K ≥ the model's layers would report the unchanged start as a refit.
        let frozen = try error(refit: "{n: [3], epochs: 2, mode: 'freeze:99'}")
        #expect(frozen?.item == "refit.mode" && frozen?.reason.contains("nothing to refit") == true, "\(String(describing: frozen))")
        // A one-molecule target without isolated atoms would get minimum-norm self-energies.
        let noIso = try Self.write(dir, target: "{data: 3bpa/train_300K.xyz, test: 6, validation: 4}")
        do { try Self.runner(noIso, dir.appendingPathComponent("iso")).run(); Issue.record("minimum-norm target self-energies accepted") }
        catch let e as DataError { #expect(e.item == "target.isolated_atoms", "\(e)") }
    }

    @Test func divergedUnitsAreRecordedAsFailedAndNeverReported() throws {
        let dir = try SharedData.temporaryDirectory("trust-diverge")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A multitask pretraining at learning rate 10⁶ diverges (no retry allowed): its refits
        // are not run; scratch's refits are reported as usual.
        let out = dir.appendingPathComponent("run")
        let manifest = try Self.write(dir, variants: """
              - {name: multitask, kind: multitask, epochs: 2, batch_size: 8, learning_rate: 1000000}
              - {name: scratch, kind: scratch}
            """, refit: "{n: [3], seeds: [0, 1], epochs: 2, batch_size: 3}", extra: "divergence: {max_retries: 0}")
        var lines: [String] = []
        let results = try Self.runner(manifest, out, log: { lines.append($0) }).run()
        #expect(Set(results.map(\.variant)) == ["scratch"] && results.count == 2)
        let failures = try String(contentsOf: out.appendingPathComponent("failures.csv"), encoding: .utf8)
        #expect(failures.contains("pretrain/multitask,pretraining,"), "\(failures)")
        #expect(failures.contains("refit/multitask/n3-seed0,pretraining,\"not run: the pretraining of multitask failed\""), "\(failures)")
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(!csv.contains("multitask"))
        let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(summary.contains("Failed units (3;") && summary.contains("| pretrain/multitask | pretraining |"), "\(summary)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("pretrain/multitask/model.json").path))
        #expect(lines.contains { $0.contains("[pretrain/multitask] FAILED") }, "\(lines)")

        // The rerun reports the recorded failure again without training it again.
        lines = []
        _ = try Self.runner(manifest, out, log: { lines.append($0) }).run()
        #expect(lines.contains { $0.contains("failed in an earlier run") }, "\(lines)")
        #expect(!lines.contains { $0.contains("multitask training on") }, "\(lines)")

        // A refit at learning rate 10⁶ with one retry: the retry is logged, then the unit fails.
        let refitOut = dir.appendingPathComponent("refits")
        let wild = try Self.write(dir, refit: "{n: [3], seeds: [0], epochs: 2, batch_size: 3, learning_rate: 1000000}",
                                  extra: "divergence: {max_retries: 1}")
        lines = []
        #expect(try Self.runner(wild, refitOut, log: { lines.append($0) }).run().isEmpty)
        #expect(lines.contains { $0.contains("[refit/scratch/n3-seed0] divergence at epoch") && $0.contains("retry 1") }, "\(lines)")
        let recorded = try readJSON(RunDirectory.Failure.self, path: refitOut.appendingPathComponent("failures/refit__scratch__n3-seed0.json").path,
                                    what: "failure record")
        #expect(recorded.stage == "refit" && recorded.reason.contains("diverged"), "\(recorded)")
        #expect(!FileManager.default.fileExists(atPath: refitOut.appendingPathComponent("refit/scratch/n3-seed0.json").path))
    }

    /// A small scratch-only study (no pretraining pool) on 3BPA.
    static func write(_ dir: URL, variants: String? = nil, refit: String = "{n: [3], seeds: [0], epochs: 2, batch_size: 3}",
                      loss: String = "loss: {energy_weight: 1, force_weight: 1}", extra: String = "",
                      target: String = "{data: 3bpa/train_300K.xyz, isolated_atoms: 3bpa/iso_atoms.xyz, test: 6, validation: 4, split_seed: 0}") throws -> String {
        let needsPool = (variants ?? scratchOnly).contains("kind: multitask") || (variants ?? scratchOnly).contains("kind: reptile")
            || (variants ?? scratchOnly).contains("kind: maml")
        if needsPool {
            let recipe = """
                suite: tiny
                seed: 0
                data_root: \(SharedData.root.path)
                sources:
                  - {name: ethanol@PBE, path: ethanol/botnet_pbe_def2svp_train.xyz, format: extxyz, level: PBE/def2-SVP, isolated_atoms: ethanol/botnet_isolated_atoms.xyz, max_conformations: 16}
                """
            try recipe.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        }
        let manifest = """
            experiment: trust
            seed: 0
            data_root: \(SharedData.root.path)
            \(needsPool ? "pretraining: {recipe: tiny.yaml, max_conformations: 12}" : "")
            target: \(target)
            model: {kind: ani, widths: [4]}
            \(loss)
            variants:
            \(variants ?? scratchOnly)
            refit: \(refit)
            \(extra)
            """
        let path = dir.appendingPathComponent("study.yaml").path
        try manifest.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
