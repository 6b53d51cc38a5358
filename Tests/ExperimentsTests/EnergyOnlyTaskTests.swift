import Foundation
import Testing
import Chemistry
@testable import Experiments
import Training
import _TestSupport

/// A study whose pool has a task without forces (ANI-1ccx's CCSD(T)/CBS energies from the
/// real ANI-1x release excerpt) beside tasks with forces, under a loss with a force term:
/// the energy-only task takes part in Reptile and multitask pretraining and the run says so.
@Suite(.serialized) struct EnergyOnlyTaskTests {
    @Test func energyOnlyTasksTakePartInForceTrainedPretraining() throws {
        let dir = try SharedData.temporaryDirectory("experiment-energy-only")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            suite: mixed-fidelity
            seed: 0
            data_root: \(SharedData.root.path)
            sources:
              - {name: ethanol@PBE, path: ethanol/botnet_pbe_def2svp_train.xyz, format: extxyz, level: PBE/def2-SVP, isolated_atoms: ethanol/botnet_isolated_atoms.xyz, max_conformations: 12}
              - {name: ani1x, path: ani-hdf5/ani1_n5.hdf5, format: ani1x-hdf5, levels: [wb97x_dz, ccsd(t)_cbs]}
            """.write(to: dir.appendingPathComponent("mixed.yaml"), atomically: true, encoding: .utf8)
        let manifest = dir.appendingPathComponent("study.yaml").path
        try """
            experiment: energy-only
            seed: 0
            data_root: \(SharedData.root.path)
            pretraining: {recipe: mixed.yaml}
            target: {data: 3bpa/train_300K.xyz, isolated_atoms: 3bpa/iso_atoms.xyz, test: 4, validation: 3, split_seed: 0}
            model: {kind: ani, widths: [4]}
            loss: {energy_weight: 1, force_weight: 1}
            variants:
              - {name: reptile, kind: reptile, iterations: 3, meta_batch_size: 3, inner: {steps: 1, batch_size: 4}}
              - {name: multitask, kind: multitask, epochs: 2, batch_size: 4}
              - {name: multifidelity, kind: multitask, epochs: 2, batch_size: 4, task_heads: true,
                 delta_heads: {"ani1x@ccsd(t)_cbs": "ani1x@wb97x_dz"}, refit_head: "ani1x@ccsd(t)_cbs"}
            refit: {n: [3], seeds: [0], epochs: 1, batch_size: 3}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        var lines: [String] = []
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { lines.append($0) }
        let results = try runner.run()
        #expect(results.count == 3 && results.allSatisfy { $0.test.forceRMSE.isFinite })
        #expect(lines.contains { $0.contains("energy-only tasks (no forces; energy terms only): ani1x@ccsd(t)_cbs") })
        #expect(!lines.contains { $0.contains("left out") })
        let mf = try ModelFile.read(path: out.appendingPathComponent("pretrain/multifidelity/model.json").path)
        #expect(mf.deltaHeads == ["ani1x@ccsd(t)_cbs": "ani1x@wb97x_dz"])
        for variant in ["reptile", "multitask", "multifidelity"] {
            let data = try Data(contentsOf: out.appendingPathComponent("pretrain/\(variant)/summary.json"))
            let summary = try JSONDecoder().decode(PretrainingSummary.self, from: data)
            #expect(summary.tasks.contains("ani1x@ccsd(t)_cbs"), "\(variant)")
            #expect(summary.energyOnlyTasks == ["ani1x@ccsd(t)_cbs"], "\(variant)")
            // Reptile has no validation tasks here (no `validation_tasks`), so no validation loss;
            // the multitask variants hold out conformations.
            #expect(variant == "reptile" ? summary.validationLoss == nil : summary.validationLoss?.isFinite == true, "\(variant)")
        }
    }
}

extension EnergyOnlyTaskTests {
    /// A Δ head naming a task the pool does not have stops the study before any training.
    @Test func deltaHeadsNamingUnknownTasksStopBeforeTraining() throws {
        let dir = try SharedData.temporaryDirectory("experiment-delta-heads")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try ExperimentRunnerTests.write(dir, variants: """
              - {name: multitask, kind: multitask, epochs: 1, batch_size: 8}
              - {name: mf, kind: multitask, epochs: 1, batch_size: 8, task_heads: true, delta_heads: {ethanol@TS: ethanol@CCSD}}
            """, refit: "{n: [3], seeds: [0], epochs: 1, batch_size: 3}")
        let out = dir.appendingPathComponent("run")
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { _ in }
        #expect { try runner.run() } throws: { error in
            let e = error as? DataError
            return e?.item == "variants (mf).delta_heads" && "\(error)".contains("'ethanol@CCSD'")
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("pretrain/multitask/model.json").path))
    }
}

extension EnergyOnlyTaskTests {
    /// A variant can leave pretraining tasks out (`exclude_tasks`); unknown names stop the study.
    @Test func variantsExcludePretrainingTasks() throws {
        let dir = try SharedData.temporaryDirectory("experiment-exclude-tasks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try ExperimentRunnerTests.write(dir, variants: """
              - {name: without-ts, kind: multitask, epochs: 1, batch_size: 8, exclude_tasks: [ethanol@TS]}
              - {name: all, kind: multitask, epochs: 1, batch_size: 8}
            """, refit: "{n: [3], seeds: [0], epochs: 1, batch_size: 3}")
        let out = dir.appendingPathComponent("run")
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { _ in }
        try runner.run()
        func tasks(_ variant: String) throws -> [String] {
            try JSONDecoder().decode(PretrainingSummary.self, from: Data(contentsOf: out.appendingPathComponent("pretrain/\(variant)/summary.json"))).tasks
        }
        #expect(try tasks("without-ts") == ["ethanol@PBE"] && tasks("all") == ["ethanol@PBE", "ethanol@TS"])
        let bad = try ExperimentRunnerTests.write(dir, variants: """
              - {name: m, kind: multitask, epochs: 1, batch_size: 8, exclude_tasks: [ethanol@CCSD]}
            """)
        let second = try ExperimentRunner(manifestPath: bad, runDirectory: dir.appendingPathComponent("bad").path)
        second.log = { _ in }
        #expect { try second.run() } throws: { ($0 as? DataError)?.item == "variants (m).exclude_tasks" }
    }
}
