import Foundation
import Testing
import Chemistry
@testable import Experiments
import Potentials
import Descriptors
import Training
import _TestSupport

/// Variants that start from a model file: `pretrained` (refits start from it, no
/// pretraining) and a pretraining with `start:` (Reptile or multitask beginning at a given
/// model, e.g. the imported ANI-1x). The start model here is the multitask model of a first
/// study, whose architecture ([6] wide) differs from the second study's ([4]).
@Suite(.serialized) struct StartModelTests {
    @Test func pretrainedVariantsAndPretrainingsStartFromAModelFile() throws {
        let dir = try SharedData.temporaryDirectory("experiment-start-model")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A first study makes the start model.
        let first = try ExperimentRunnerTests.write(dir, variants: """
              - {name: multitask, kind: multitask, epochs: 2, batch_size: 8}
            """, refit: "{n: [3], seeds: [0], epochs: 1, batch_size: 3}")
        try String(contentsOfFile: first, encoding: .utf8).replacingOccurrences(of: "widths: [4]", with: "widths: [6]")
            .write(toFile: first, atomically: true, encoding: .utf8)
        let made = try ExperimentRunner(manifestPath: first, runDirectory: dir.appendingPathComponent("first").path)
        made.log = { _ in }
        try made.run()
        let startPath = dir.appendingPathComponent("first/pretrain/multitask/model.json").path
        let start = try ModelFile.read(path: startPath)

        let manifest = try ExperimentRunnerTests.write(dir, variants: """
              - {name: given, kind: pretrained, model: first/pretrain/multitask/model.json}
              - {name: reptile-from-given, kind: reptile, iterations: 2, inner: {steps: 1, batch_size: 4}, start: first/pretrain/multitask/model.json}
              - {name: scratch, kind: scratch}
            """, refit: "{n: [3], seeds: [0], epochs: 1, batch_size: 3, save_models: true}")
        let out = dir.appendingPathComponent("second")
        var lines: [String] = []
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { lines.append($0) }
        let results = try runner.run()
        #expect(results.count == 3 && results.allSatisfy { $0.test.forceRMSE.isFinite })
        #expect(lines.contains { $0.contains("[given] starts from") && $0.contains("model.json") })
        // The pretrained variant's and the Reptile variant's refits keep the start model's
        // architecture; scratch has the study's.
        func architecture(_ variant: String) throws -> ModelArchitecture {
            try ModelFile.read(path: out.appendingPathComponent("refit/\(variant)/n3-seed0.model.json").path).architecture
        }
        #expect(try architecture("given") == start.architecture)
        #expect(try architecture("reptile-from-given") == start.architecture)
        #expect(try architecture("scratch") != start.architecture)
        let summary = try JSONDecoder().decode(PretrainingSummary.self,
                                               from: Data(contentsOf: out.appendingPathComponent("pretrain/given/summary.json")))
        #expect(summary.kind == "pretrained" && summary.startModel == startPath)
        // Reptile moved away from the start.
        let reptile = try ModelFile.read(path: out.appendingPathComponent("pretrain/reptile-from-given/model.json").path)
        #expect(reptile.parameters != start.parameters && reptile.parameters.map(\.name) == start.parameters.map(\.name))
    }

    @Test func startModelsAreCheckedBeforeAnyWork() throws {
        let dir = try SharedData.temporaryDirectory("experiment-start-model-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try ExperimentRunnerTests.write(dir, variants: """
              - {name: given, kind: pretrained, model: nowhere/model.json}
            """)
        // `check` reads no files (like the data, model files may live on another machine);
        // `run` names the missing file before any work.
        try ExperimentRunner(manifestPath: missing, runDirectory: dir.appendingPathComponent("a").path).check()
        let first = try ExperimentRunner(manifestPath: missing, runDirectory: dir.appendingPathComponent("a").path)
        first.log = { _ in }
        #expect { try first.run() } throws: { error in
            (error as? DataError)?.item == "variants (given).model" && "\(error)".contains("does not exist")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/pretrain").path))
        let misplaced = try ExperimentRunnerTests.write(dir, variants: """
              - {name: given, kind: scratch, model: nowhere/model.json}
            """)
        #expect { try ExperimentRunner(manifestPath: misplaced, runDirectory: dir.appendingPathComponent("b").path) } throws: { error in
            (error as? DataError)?.item == "variants[0] (given).model"
        }
        // A model without a network for the target's elements (H only) stops the run before training.
        let model = ModelFile(potential: ThreeBPAModel.hydrogenOnly(), parameters: ThreeBPAModel.hydrogenOnly().initialParameters(seed: 0))
        try model.save(to: dir.appendingPathComponent("h.json").path)
        let narrow = try ExperimentRunnerTests.write(dir, variants: """
              - {name: given, kind: pretrained, model: h.json}
              - {name: multitask, kind: multitask, epochs: 1, batch_size: 8}
            """)
        let runner = try ExperimentRunner(manifestPath: narrow, runDirectory: dir.appendingPathComponent("c").path)
        runner.log = { _ in }
        #expect { try runner.run() } throws: { error in
            (error as? DataError)?.item == "variants (given).model" && "\(error)".contains("no network for C, N, O")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("c/pretrain/multitask/model.json").path))
    }
}

enum ThreeBPAModel {
    /// An ANI model with a network for hydrogen only.
    static func hydrogenOnly() -> ANIPotential {
        ANIPotential(aev: AEVComputer(.ani1x),
                     networks: ElementNetworks(elements: [1], widths: [AEVParameters.ani1x.featureCount, 4, 1], alpha: 0.1),
                     selfEnergies: SelfEnergies(energies: [1: -13.6], origin: .isolatedAtoms))
    }
}
