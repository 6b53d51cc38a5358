import Foundation
import Testing
import Chemistry
@testable import Experiments
import Potentials
import Training
import _TestSupport

/// A whole study at the smallest scale: a three-task pool (ethanol at two levels, acac)
/// from a recipe, 3BPA as the target, every variant kind.
@Suite(.serialized) struct ExperimentRunnerTests {
    static func write(_ dir: URL, variants: String? = nil, refit: String = "{n: [3], seeds: [0, 1], epochs: 2, batch_size: 3}",
                      extra: String = "") throws -> String {
        let recipe = """
            suite: tiny
            seed: 0
            data_root: \(SharedData.root.path)
            sources:
              - {name: ethanol@PBE, path: ethanol/botnet_pbe_def2svp_train.xyz, format: extxyz, level: PBE/def2-SVP, isolated_atoms: ethanol/botnet_isolated_atoms.xyz, max_conformations: 16}
              - {name: ethanol@TS, path: ethanol/md17_pbe_vdwts_sample.xyz, format: extxyz, level: PBE+vdW-TS, energy_unit: kcal/mol, max_conformations: 16}
              - {name: acac, path: acac/train_300K.xyz, format: extxyz, level: PBE+D3/def2-SVP, isolated_atoms: acac/isolated_atoms.xyz, max_conformations: 16}
            """
        try recipe.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let manifest = """
            experiment: tiny-study
            seed: 0
            data_root: \(SharedData.root.path)
            pretraining: {recipe: tiny.yaml, validation_tasks: [acac], max_conformations: 12}
            target: {data: 3bpa/train_300K.xyz, isolated_atoms: 3bpa/iso_atoms.xyz, test: 6, validation: 4, split_seed: 0}
            model: {kind: ani, widths: [4]}
            loss: {energy_weight: 1, force_weight: 1}
            variants:
            \(variants ?? """
              - {name: reptile, kind: reptile, iterations: 2, meta_batch_size: 2, inner: {steps: 1, batch_size: 4}, validate_every: 1}
              - {name: fomaml, kind: fomaml, iterations: 1, inner: {steps: 1, batch_size: 4}, query_size: 4}
              - {name: multitask, kind: multitask, epochs: 1, batch_size: 8}
              - {name: single, kind: single, task: ethanol@PBE, epochs: 1, batch_size: 8}
              - {name: scratch, kind: scratch}
            """)
            refit: \(refit)
            \(extra)
            """
        let path = dir.appendingPathComponent("study.yaml").path
        try manifest.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runsEveryVariantAndResumesWithoutRedoingWork() throws {
        let dir = try SharedData.temporaryDirectory("experiment-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.write(dir)
        let out = dir.appendingPathComponent("run")
        var lines: [String] = []
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { lines.append($0) }
        let results = try runner.run()
        #expect(results.count == 5 * 2)
        #expect(Set(results.map(\.variant)) == ["reptile", "fomaml", "multitask", "single", "scratch"])
        #expect(results.allSatisfy { $0.test.forceRMSE.isFinite && $0.test.forceComponentCount == 6 * 27 * 3 })
        for name in ["results.csv", "summary.csv", "summary.md", "manifest.yaml", "pretrain/reptile/model.json",
                     "pretrain/multitask/summary.json", "refit/scratch/n3-seed1.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 11)
        // Every start against scratch, pair by pair, energy and forces, with intervals.
        let comparisons = try String(contentsOf: out.appendingPathComponent("comparisons.csv"), encoding: .utf8)
        #expect(comparisons.split(separator: "\n").count == 1 + 4 * 2)
        #expect(comparisons.contains("reptile,scratch,3,force_rmse_meV_per_A,2,6,"))
        #expect(try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8).contains("Difference to scratch"))
        #expect(lines.contains { $0.contains("Force RMSE (meV/Å)") })
        // The acac validation task is never pretrained on.
        let summary = try String(contentsOf: out.appendingPathComponent("pretrain/multitask/summary.json"), encoding: .utf8)
        #expect(!summary.contains("acac"))

        // A second run finds everything done: same results, nothing retrained.
        var again: [String] = []
        let second = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        second.log = { again.append($0) }
        #expect(try second.run() == results)
        #expect(!again.contains { $0.contains("refit N=") || $0.contains("pretrained in") })
    }

    @Test func concurrentJobsGiveTheSameResults() throws {
        let dir = try SharedData.temporaryDirectory("experiment-jobs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.write(dir, variants: """
              - {name: reptile, kind: reptile, iterations: 2, meta_batch_size: 2, inner: {steps: 1, batch_size: 4}, validate_every: 1}
              - {name: multitask, kind: multitask, epochs: 1, batch_size: 8}
              - {name: scratch, kind: scratch}
            """, refit: "{n: [3, 5], seeds: [0, 1], epochs: 2, batch_size: 3}")
        func run(jobs: Int, _ name: String) throws -> [RefitResult] {
            let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: dir.appendingPathComponent(name).path)
            let lock = NSLock()
            var lines: [String] = []
            runner.log = { line in lock.withLock { lines.append(line) } }
            runner.jobs = jobs
            let results = try runner.run()
            #expect(lines.filter { $0.contains("refit N=") }.count == 3 * 2 * 2)
            return results
        }
        let one = try run(jobs: 1, "one"), two = try run(jobs: 2, "two")
        #expect(one.count == 12)
        // Same order (variant, N, seed as in the manifest) and bit-identical metrics.
        #expect(one.map { "\($0.variant) \($0.n) \($0.seed)" } == two.map { "\($0.variant) \($0.n) \($0.seed)" })
        #expect(one.map(\.test) == two.map(\.test))
        #expect(one.first?.variant == "reptile" && one.first?.n == 3)
        for variant in ["reptile", "multitask"] {
            let a = try ModelFile.load(path: dir.appendingPathComponent("one/pretrain/\(variant)/model.json").path).parameters
            let b = try ModelFile.load(path: dir.appendingPathComponent("two/pretrain/\(variant)/model.json").path).parameters
            #expect(a.tensors.map { $0.scalars } == b.tensors.map { $0.scalars }, "\(variant)")
        }
    }

    @Test func workUnitsRunOnceAndTheFirstErrorIsRethrown() throws {
        struct Stop: Error { var index: Int }
        for jobs in [1, 2, 3] {
            let lock = NSLock()
            var seen: [Int] = []
            try runConcurrently(17, jobs: jobs) { i in lock.withLock { seen.append(i) } }
            #expect(seen.sorted() == Array(0..<17), "jobs \(jobs)")
            var started = 0
            do {
                try runConcurrently(50, jobs: jobs) { i in
                    lock.withLock { started += 1 }
                    if i == 4 { throw Stop(index: i) }
                }
                Issue.record("no error with jobs \(jobs)")
            } catch let e as Stop {
                #expect(e.index == 4)
                // On one thread nothing starts after the failure. (With several, items that
                // other threads took before the failure was recorded still run.)
                if jobs == 1 { #expect(started == 5) }
            }
            // Prerequisites: 1…3 wait for 0 (slow), 5 for 4, 6 for 5; 7 and 8 are free.
            let after: [Int?] = [nil, 0, 0, 0, nil, 4, 5, nil, nil]
            var events: [(start: Bool, item: Int)] = []
            try runConcurrently(after.count, jobs: jobs, after: after) { i in
                lock.withLock { events.append((true, i)) }
                if i == 0 { Thread.sleep(forTimeInterval: 0.05) }
                lock.withLock { events.append((false, i)) }
            }
            #expect(events.filter(\.start).map(\.item).sorted() == Array(0..<after.count))
            for (i, before) in after.enumerated() {
                guard let before else { continue }
                let end = events.firstIndex { !$0.start && $0.item == before }!, start = events.firstIndex { $0.start && $0.item == i }!
                #expect(end < start, "item \(i) started before \(before) finished (jobs \(jobs))")
            }
            if jobs == 1 { #expect(events.filter(\.start).map(\.item) == Array(0..<after.count)) }
        }
    }

    @Test func interruptedPretrainingResumesFromItsCheckpoint() throws {
        let dir = try SharedData.temporaryDirectory("experiment-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.write(dir, variants: "  - {name: reptile, kind: reptile, iterations: 4, inner: {steps: 1, batch_size: 4}, validate_every: 2}")
        let whole = try ExperimentRunner(manifestPath: manifest, runDirectory: dir.appendingPathComponent("a").path)
        whole.log = { _ in }
        try whole.run()
        // A run stopped after two of four iterations: its checkpoint, no model file yet.
        let cut = try Self.write(dir, variants: "  - {name: reptile, kind: reptile, iterations: 2, inner: {steps: 1, batch_size: 4}, validate_every: 2}")
        let partial = try ExperimentRunner(manifestPath: cut, runDirectory: dir.appendingPathComponent("cut").path)
        partial.log = { _ in }
        try partial.run()
        // Its checkpoint alone, in a run directory of the 4-iteration study (a kill before the
        // model file and before any fingerprint was written).
        let b = dir.appendingPathComponent("b")
        try FileManager.default.createDirectory(at: b.appendingPathComponent("pretrain/reptile"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("cut/pretrain/reptile/checkpoint.json"),
                                         to: b.appendingPathComponent("pretrain/reptile/checkpoint.json"))
        // Rerunning the 4-iteration manifest continues from iteration 2 and reaches the
        // uninterrupted run's model bit for bit.
        var lines: [String] = []
        let four = try Self.write(dir, variants: "  - {name: reptile, kind: reptile, iterations: 4, inner: {steps: 1, batch_size: 4}, validate_every: 2}")
        let rerun = try ExperimentRunner(manifestPath: four, runDirectory: b.path)
        rerun.log = { lines.append($0) }
        let r = try rerun.run()
        #expect(lines.contains { $0.contains("resumed at iteration 2") })
        let a = try ModelFile.load(path: dir.appendingPathComponent("a/pretrain/reptile/model.json").path).parameters
        let c = try ModelFile.load(path: b.appendingPathComponent("pretrain/reptile/model.json").path).parameters
        #expect(a.tensors.map { $0.scalars } == c.tensors.map { $0.scalars }, "resumed pretraining differs")
        #expect(r.count == 2)
    }

    @Test func malformedManifestsNameTheKey() throws {
        let dir = try SharedData.temporaryDirectory("experiment-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        func error(_ variants: String? = nil, extra: String = "") throws -> DataError? {
            let path = try Self.write(dir, variants: variants, extra: extra)
            do {
                let runner = try ExperimentRunner(manifestPath: path, runDirectory: dir.appendingPathComponent("bad").path)
                runner.log = { _ in }
                try runner.run()
                return nil
            } catch let e as DataError { return e }
        }
        #expect(try error("  - {name: s, kind: scratch, epochs: 3}")?.item == "variants[0] (s).epochs")
        #expect(try error("  - {name: m, kind: multitask}")?.item == "variants[0] (m).epochs")
        #expect(try error("  - {name: x, kind: single, task: nonexistent, epochs: 1}")?.reason.contains("nonexistent") == true)
        // Per-task heads need several tasks; refit_head needs heads and names shared, mean or a
        // pretraining task (acac is a validation task here).
        #expect(try error("  - {name: s, kind: single, task: acac, epochs: 1, task_heads: true}")?.item == "variants[0] (s).task_heads")
        #expect(try error("  - {name: m, kind: multitask, epochs: 1, refit_head: mean}")?.item == "variants[0] (m).refit_head")
        let head = try error("  - {name: m, kind: multitask, epochs: 1, task_heads: true, refit_head: acac}")
        #expect(head?.item == "variants (m).refit_head" && head?.reason.contains("ethanol@TS") == true, "\(String(describing: head))")
        // ema_decay is for ordinary training (multitask, single), in (0, 1).
        #expect(try error("  - {name: r, kind: reptile, iterations: 1, ema_decay: 0.9}")?.item == "variants[0] (r).ema_decay")
        #expect(try error("  - {name: m, kind: multitask, epochs: 1, ema_decay: 1.5}")?.item == "variants[0] (m).ema_decay")
        let unknown = try error(extra: "colour: blue")
        #expect(unknown?.reason.contains("colour") == true, "\(String(describing: unknown))")
        #expect(try error("  - {name: a, kind: scratch}\n  - {name: a, kind: scratch}")?.item == "variants[1].name")
        let ema = try Self.write(dir, refit: "{n: [3], epochs: 2, ema_decay: 1}")
        do { _ = try ExperimentRunner(manifestPath: ema, runDirectory: dir.path); Issue.record("ema_decay 1 accepted") } catch let e as DataError {
            #expect(e.item == "refit.ema_decay", "\(e)")
        }
        let path = try Self.write(dir, refit: "{n: [3], epochs: 2, plateau: {factor: 2}}")
        #expect(throws: DataError.self) { try ExperimentRunner(manifestPath: path, runDirectory: dir.path) }
        do { _ = try ExperimentRunner(manifestPath: path, runDirectory: dir.path) } catch let e as DataError {
            #expect(e.item == "refit.plateau.factor", "\(e)")
        }
        let baseline = try Self.write(dir, refit: "{n: [3], epochs: 2, baselines: [scratch, nonesuch]}")
        do { _ = try ExperimentRunner(manifestPath: baseline, runDirectory: dir.path); Issue.record("unknown baseline accepted") } catch let e as DataError {
            #expect(e.item == "refit.baselines[1]" && e.reason.contains("nonesuch"), "\(e)")
        }
        let typo = try Self.write(dir, variants: "  - {name: m, kind: multitask, epochs: 1, plateau: {patience: 2, decay: 0.5}}")
        #expect(throws: DataError.self) { try ExperimentRunner(manifestPath: typo, runDirectory: dir.path) }
    }

    /// Per-task heads chosen in the manifest: the pretrained model files keep one head per
    /// pretraining task and refits start from the chosen head (the keys' errors are in
    /// `malformedManifestsNameTheKey`).
    @Test func variantsWithPerTaskHeads() throws {
        let dir = try SharedData.temporaryDirectory("experiment-heads")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.write(dir, variants: """
              - {name: multitask, kind: multitask, epochs: 1, batch_size: 8, task_heads: true, refit_head: mean, ema_decay: 0.9}
              - {name: reptile, kind: reptile, iterations: 2, inner: {steps: 1, batch_size: 4}, validate_every: 1, task_heads: true, refit_head: ethanol@TS}
            """, refit: "{n: [3], seeds: [0], epochs: 1, batch_size: 3}")
        let out = dir.appendingPathComponent("run")
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { _ in }
        let results = try runner.run()
        #expect(results.count == 2 && results.allSatisfy { $0.test.forceRMSE.isFinite })
        for variant in ["multitask", "reptile"] {
            let file = try ModelFile.read(path: out.appendingPathComponent("pretrain/\(variant)/model.json").path)
            #expect(file.taskHeads == ["ethanol@PBE", "ethanol@TS"], "\(variant)")  // acac is a validation task: no head
            let (potential, parameters) = try file.model()
            let heads = try #require(potential as? TaskHeadPotential)
            #expect(parameters.names.contains("head/ethanol@TS/H/b1") && !parameters.names.contains("head/acac/H/b1"))
            // Training moved the heads away from zero.
            #expect(heads.tasks.contains { parameters["head/\($0)/H/b1"].scalars != [0] })
        }
    }

    /// The manifest's `data_root` is where its recipe's sources are looked up too (not only
    /// the target): a recipe without its own root, under a root the default would miss.
    @Test func manifestDataRootReachesThePretrainingRecipe() throws {
        let dir = try SharedData.temporaryDirectory("experiment-data-root")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("eth"),
                                                   withDestinationURL: SharedData.root.appendingPathComponent("ethanol"))
        try """
            suite: moved
            seed: 0
            sources:
              - {name: a, path: eth/botnet_pbe_def2svp_train.xyz, format: extxyz, level: PBE, max_conformations: 4}
              - {name: b, path: eth/md17_pbe_vdwts_sample.xyz, format: extxyz, level: TS, energy_unit: kcal/mol, max_conformations: 4}
            """.write(to: dir.appendingPathComponent("moved.yaml"), atomically: true, encoding: .utf8)
        let manifest = dir.appendingPathComponent("study.yaml").path
        try """
            experiment: moved
            data_root: \(root.path)
            pretraining: {recipe: moved.yaml}
            target: {data: eth/botnet_pbe_def2svp_train.xyz, test: 2, validation: 2}
            model: {kind: ani, widths: [4]}
            variants: [{name: scratch, kind: scratch}]
            refit: {n: [2], epochs: 1}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: dir.appendingPathComponent("run").path)
        runner.log = { _ in }
        let pool = try runner.loadPool()
        #expect(pool.train.map(\.name) == ["a", "b"] && pool.train.allSatisfy { $0.conformations.count == 4 })
    }

    /// Replay, plateau keys and saved refit models: each refitted model file loads, has the
    /// target's least-squares self-energies refitted to the network's residuals (zero mean
    /// energy error over its N training conformations) and reproduces the stored test metrics.
    @Test func refitsReplayPretrainingDataAndSaveTheirModels() throws {
        let dir = try SharedData.temporaryDirectory("experiment-replay")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.write(
            dir, variants: "  - {name: multitask, kind: multitask, epochs: 1, batch_size: 8, plateau: {factor: 0.5, patience: 0}}",
            refit: "{n: [3], seeds: [0], epochs: 2, batch_size: 3, replay: 2, save_models: true, ema_decay: 0.9, plateau: {factor: 0.5, patience: 0, min_learning_rate: 1.0e-4}}")
        let out = dir.appendingPathComponent("run")
        var lines: [String] = []
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { lines.append($0) }
        let results = try runner.run()
        #expect(results.count == 1)
        let modelPath = out.appendingPathComponent("refit/multitask/n3-seed0.model.json").path
        let (potential, parameters) = try ModelFile.load(path: modelPath)
        let stored = try #require(try ModelFile.read(path: modelPath).provenance?.finalMetrics)
        #expect(abs(stored.forceRMSE - results[0].test.forceRMSE) < 1e-9)
        let target = try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations
        let test = try errorMetrics(potential: potential, parameters: parameters, conformations: Array(target.prefix(4)), label: "3bpa")
        #expect(test.forceRMSE.isFinite)
    }

    /// `refit.committee`: each variant's seeds and all variants together, averaged from the
    /// saved models, written to committees.csv and summary.md; the manifest checks its needs.
    @Test func committeesAverageTheSavedRefits() throws {
        let dir = try SharedData.temporaryDirectory("experiment-committee")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.write(
            dir, variants: "  - {name: multitask, kind: multitask, epochs: 1, batch_size: 8}\n  - {name: scratch, kind: scratch}",
            refit: "{n: [3], seeds: [0, 1], epochs: 2, batch_size: 3, save_models: true, committee: true}")
        let out = dir.appendingPathComponent("run")
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { _ in }
        let results = try runner.run()
        #expect(results.count == 4)
        let csv = try String(contentsOf: out.appendingPathComponent("committees.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(csv.map { $0[0] } == ["committee", "multitask", "scratch", CommitteeResult.allVariants])
        #expect(csv.dropFirst().map { $0[2] } == ["2", "2", "4"])
        // The multitask committee by hand, from the two saved models.
        let test = try runner.loadTarget().test
        let each = try (0..<2).map { s -> Predictions in
            let (potential, parameters) = try ModelFile.load(path: out.appendingPathComponent("refit/multitask/n3-seed\(s).model.json").path)
            return try predictions(potential: potential, parameters: parameters, conformations: test, label: "test")
        }
        let byHand = Predictions.mean(each).metrics(against: test)
        #expect(Swift.abs(Double(csv[1][6])! - byHand.forceRMSE) < 1e-3, "\(csv[1]) vs \(byHand.forceRMSE)")
        let members = results.filter { $0.variant == "multitask" }.map(\.test.forceRMSE)
        #expect(Swift.abs(Double(csv[1][9])! - members.reduce(0, +) / 2) < 1e-3)
        let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(summary.contains("| all-variants | 3 | 4 |"))
        // Tables written without committees (during refits, or with the key off) drop the old file.
        try ResultsTable(results: results).write(to: out)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("committees.csv").path))

        // What the key needs, named in the error.
        func item(_ refit: String) throws -> String? {
            let path = try Self.write(dir, variants: "  - {name: scratch, kind: scratch}", refit: refit)
            do { _ = try ExperimentRunner(manifestPath: path, runDirectory: dir.path); return nil } catch let e as DataError { return e.item }
        }
        #expect(try item("{n: [3], seeds: [0, 1], epochs: 2, committee: true}") == "refit.committee")
        #expect(try item("{n: [3], seeds: [0], epochs: 2, save_models: true, committee: true}") == "refit.committee")
        // A missing model file is named.
        try FileManager.default.removeItem(at: out.appendingPathComponent("refit/scratch/n3-seed1.model.json"))
        do { try runner.run(); Issue.record("a missing model was not reported") } catch let e as DataError {
            #expect(e.file.hasSuffix("refit/scratch/n3-seed1.model.json"), "\(e)")
        }
    }

    /// The analysis stage: torsion scans of a test structure, a reference path and a short NVE
    /// run for each analysed refit, in the CSV schemas the report reads; resumable. Rigid
    /// torsions only: relaxed scans have their own test below (a debug build relaxes slowly).
    @Test func analysisScansAndSimulatesTheRefittedModels() throws {
        let dir = try SharedData.temporaryDirectory("experiment-analysis")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.write(
            dir, variants: "  - {name: scratch, kind: scratch}",
            refit: "{n: [3, 5], seeds: [0], epochs: 2, batch_size: 3, save_models: true}",
            extra: "analysis: {scans: [torsion], torsion_step: 30, torsion_modes: [rigid], references: [acac-h-transfer], md: [{ensemble: nve, temperature: 300, steps: 20, every: 5, dt: 0.25}]}")
        let out = dir.appendingPathComponent("run")
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { _ in }
        try runner.run()
        let analysis = out.appendingPathComponent("analysis")
        func lines(_ name: String) throws -> [Substring] {
            try String(contentsOf: analysis.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
        }
        // 3BPA has 4 rotors (3 backbone + amine) → 4 torsion scans + 1 reference path, for
        // N = 3 and N = 5 (the default: smallest and largest), plus the reference's own row.
        let metrics = try lines("scan_metrics.csv")
        #expect(metrics.count == 1 + 2 * 5 + 1, "\(metrics.count)")
        #expect(metrics.filter { $0.contains(",reference,") }.count == 1)
        let md = try lines("md_metrics.csv")
        #expect(md.count == 3)
        #expect(md[0] == "variant,n,seed,ensemble,temperature_K,steps,dt_fs,drift_meV_per_atom_per_ps,stable_time_fs,stable,max_bond_stretch,unphysical_reason")
        let trace = try lines("md.csv")
        #expect(trace.count == 1 + 2 * 5, "\(trace.count)")   // steps 0, 5, …, 20 for each model
        let trajectory = try ExtendedXYZReader().read(path: analysis.appendingPathComponent("trajectories/scratch-n5-seed0-md0-nve.xyz").path)
        #expect(trajectory.conformations.count == 5)
        // Rerunning appends nothing.
        let again = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        again.log = { _ in }
        try again.run()
        #expect(try lines("scan_metrics.csv").count == metrics.count)
        #expect(try lines("md.csv").count == trace.count)
        // A run killed inside a unit (its staging folder half written, its part not yet
        // renamed) redoes that unit alone, and the tables come out the same, not duplicated.
        let tables = ["scans.csv", "scan_metrics.csv", "md.csv", "md_metrics.csv"]
        let before = try tables.map { try lines($0) }
        let parts = analysis.appendingPathComponent("parts")
        try FileManager.default.moveItem(at: parts.appendingPathComponent("scratch-n5-seed0.md0"),
                                         to: parts.appendingPathComponent("scratch-n5-seed0.md0.partial"))
        try "variant,n,seed\nhalf a row".write(to: parts.appendingPathComponent("scratch-n5-seed0.md0.partial/md.csv"),
                                                atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: parts.appendingPathComponent("scratch-n3-seed0.scans"))
        let resumed = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        var resumedLog: [String] = []
        resumed.log = { resumedLog.append($0) }
        try resumed.run()
        #expect(try tables.map { try lines($0) } == before)
        #expect(resumedLog.filter { $0.hasPrefix("[analysis]") }.count == 2, "\(resumedLog)")
        // Every stage counts its units: 1 pretraining slot and 2 refits, 2 models × (scans + 1 MD run).
        #expect(resumedLog.contains { $0.hasPrefix("[progress] pretraining and refits: 3 of 3 units") }, "\(resumedLog)")
        #expect(resumedLog.filter { $0.hasPrefix("[progress] analysis: ") }.count == 4
                && resumedLog.contains { $0.hasPrefix("[progress] analysis: 4 of 4 units") && !$0.contains("left") })
        #expect(!FileManager.default.fileExists(atPath: parts.appendingPathComponent("scratch-n5-seed0.md0.partial").path))
        // Two jobs: the same tables, row for row.
        let parallel = try ExperimentRunner(manifestPath: manifest, runDirectory: dir.appendingPathComponent("two").path)
        parallel.log = { _ in }
        parallel.jobs = 2
        try parallel.run()
        for name in tables {
            let other = try String(contentsOf: dir.appendingPathComponent("two/analysis/\(name)"), encoding: .utf8).split(separator: "\n")
            #expect(other == (try lines(name)), "\(name)")
        }
    }

    @Test func analysisNeedsSavedModels() throws {
        let dir = try SharedData.temporaryDirectory("experiment-analysis-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.write(dir, variants: "  - {name: scratch, kind: scratch}", extra: "analysis: {scans: [torsion]}")
        do {
            _ = try ExperimentRunner(manifestPath: path, runDirectory: dir.path)
            Issue.record("accepted an analysis without saved models")
        } catch let e as DataError {
            #expect(e.item == "analysis" && e.reason.contains("save_models"))
        }
    }

    /// `torsion_modes: [relaxed, rigid]`: every torsion is scanned both ways; relaxed points
    /// hold the dihedral exactly and carry their relaxation record, rigid ones their clash
    /// flag. Editing the `analysis:` section of a finished run is accepted and redoes the
    /// analysis (nothing computed with the old settings is kept).
    @Test func torsionScansComeRelaxedAndRigidAndAnalysisEditsRedoTheAnalysis() throws {
        let dir = try SharedData.temporaryDirectory("experiment-relaxed")
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ analysis: String) throws -> [[String: String]] {
            let manifest = try Self.write(
                dir, variants: "  - {name: scratch, kind: scratch}",
                refit: "{n: [3], seeds: [0], epochs: 2, batch_size: 3, save_models: true}", extra: analysis)
            let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: dir.appendingPathComponent("run").path)
            runner.log = { _ in }
            try runner.run()
            let lines = try String(contentsOf: dir.appendingPathComponent("run/analysis/scans.csv"), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        }
        let rows = try run("""
            analysis: {scans: [torsion], torsion_step: 120, torsion_modes: [relaxed, rigid], relax_steps: 15,
                       torsion_maps: [{dihedrals: ["13 5 1 0", "5 13 14 17"], hold: [{dihedral: "14 13 5 1"}], step: 120}]}
            """)
        // The map: 3 × 3 points in its own tables, every dihedral held.
        let map = try String(contentsOf: dir.appendingPathComponent("run/analysis/torsion_maps.csv"), encoding: .utf8).split(separator: "\n")
        #expect(map.count == 1 + 9 && map.dropFirst().allSatisfy { $0.hasPrefix("scratch,3,0,map:13-5-1-0:5-13-14-17,") })
        let mapMetrics = try String(contentsOf: dir.appendingPathComponent("run/analysis/torsion_map_metrics.csv"), encoding: .utf8)
        #expect(mapMetrics.split(separator: "\n").count == 2)
        let relaxed = rows.filter { $0["mode"] == "relaxed" }, rigid = rows.filter { $0["mode"] == "rigid" }
        #expect(relaxed.count == 4 * 3 && rigid.count == 4 * 3)
        // Each point: k of its m relaxations broke the molecule (m = 1 at the start, 2 elsewhere).
        #expect(relaxed.allSatisfy { Double($0["held_residual_deg"]!)! < 1e-9 && $0["relax_clashing_candidates"]!.split(separator: "/").count == 2 })
        #expect(rigid.allSatisfy { $0["held_residual_deg"] == "" && ["true", "false"].contains($0["clash"]!) })
        // Edited analysis: rigid only, another step; the earlier rows are gone.
        let edited = try run("analysis: {scans: [torsion], torsion_step: 90, torsion_modes: [rigid]}")
        #expect(edited.count == 4 * 4 && edited.allSatisfy { $0["mode"] == "rigid" })
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/analysis/torsion_maps.csv").path))
    }

    /// Torsion maps are checked where the manifest is read, and against the structure before any work.
    @Test func malformedTorsionMapsNameTheKey() throws {
        let dir = try SharedData.temporaryDirectory("experiment-map-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        func error(_ maps: String) throws -> DataError? {
            let manifest = try Self.write(
                dir, variants: "  - {name: scratch, kind: scratch}",
                refit: "{n: [3], seeds: [0], epochs: 1, batch_size: 3, save_models: true}",
                extra: "analysis: {scans: [], torsion_maps: [\(maps)]}")
            do {
                let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: dir.appendingPathComponent("run-\(maps.count)").path)
                runner.log = { _ in }
                try runner.run()
                return nil
            } catch let e as DataError { return e }
        }
        let one = try error("{dihedrals: [\"13 5 1 0\"]}")
        #expect(one?.item == "analysis.torsion_maps[0].dihedrals", "\(String(describing: one))")
        let text = try error("{dihedrals: [\"13 5 1\", \"5 13 14 17\"]}")
        #expect(text?.item == "analysis.torsion_maps[0].dihedrals[0]" && text?.reason.contains("four atom indices") == true)
        let step = try error("{dihedrals: [\"13 5 1 0\", \"5 13 14 17\"], step: 25}")
        #expect(step?.item == "analysis.torsion_maps[0].step")
        let same = try error("{dihedrals: [\"13 5 1 0\", \"12 5 1 0\"]}")
        #expect(same?.reason.contains("same bond") == true, "\(String(describing: same))")
        let unbonded = try error("{dihedrals: [\"13 5 1 0\", \"3 13 14 17\"]}")
        #expect(unbonded?.item == "analysis.torsion_maps[0].dihedrals[1]" && unbonded?.reason.contains("not bonded") == true,
                "\(String(describing: unbonded))")
    }
}
