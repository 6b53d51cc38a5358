import Autodiff
import Chemistry
import Foundation
import Potentials
import Testing
import Training
import _TestSupport

/// DeepPot in the training machinery: model files, the trainer, task heads and freezing.
@Suite(.serialized) struct DeepPotTrainingTests {
    /// A small DeepPot with statistics from the first 20 3BPA conformations.
    static func small(typeOneSide: Bool = false) throws -> DeepPotPotential {
        try DeepPotPotential(DeepPotArchitecture(species: [1, 6, 7, 8], rcut: 5, rcutSmooth: 1, sel: [16, 16, 4, 4],
                                                 neuron: [4, 8, 16], axisNeuron: 4, fittingNeuron: [16, 16],
                                                 typeOneSide: typeOneSide),
                             selfEnergies: ThreeBPA.selfEnergies)
            .fittingStatistics(to: Array(ThreeBPA.conformations.prefix(20)), file: "test")
    }

    @Test func modelFileRoundTripGivesIdenticalEnergiesAndForces() throws {
        let dir = try SharedData.temporaryDirectory("deeppot-model-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let potential = try Self.small(typeOneSide: true)
        var g = SeededGenerator(seed: 4)
        let parameters = potential.initialParameters(using: &g)
        let path = dir.appendingPathComponent("d.model.json").path
        try ModelFile(potential: potential, parameters: parameters).save(to: path)
        let (loaded, q) = try ModelFile.load(path: path)
        #expect(loaded.architecture == potential.architecture && loaded.selfEnergies == potential.selfEnergies)
        let confs = Array(ThreeBPA.conformations.prefix(2))
        let a = try potential.evaluate(confs, parameters: parameters), b = try loaded.evaluate(confs, parameters: q)
        #expect(a.energies.scalars.map(\.bitPattern) == b.energies.scalars.map(\.bitPattern))
        #expect(a.forces!.scalars.map(\.bitPattern) == b.forces!.scalars.map(\.bitPattern))
    }

    @Test func trainingReducesTheLoss() throws {
        let confs = Array(ThreeBPA.conformations.prefix(24))
        let config = TrainerConfiguration(epochs: 5, batchSize: 5, seed: 1, loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1),
                                          optimizer: .adam(learningRate: 3e-3, weightDecay: 0))
        let trainer = try Trainer(potential: try Self.small(), training: Array(confs.prefix(20)), validation: Array(confs.suffix(4)),
                                  configuration: config)
        let before = try trainer.evaluate(Array(confs.prefix(20))).loss
        let history = try trainer.train()
        let after = try trainer.evaluate(Array(confs.prefix(20))).loss
        #expect(after < 0.75 * before, "training loss \(before) → \(after)")
        #expect(history.allSatisfy { $0.validation.forceRMSE.isFinite })
    }

    @Test func taskHeadsDuplicateEachElementsLastFittingLayer() throws {
        let base = try Self.small()
        let model = TaskHeadPotential(base: base, tasks: ["a", "b"])
        #expect(model.readoutNames == ["fit/H/W2", "fit/H/b2", "fit/C/W2", "fit/C/b2", "fit/N/W2", "fit/N/b2", "fit/O/W2", "fit/O/b2"])
        // Heads start at zero: every task gets the base model's energies.
        let p = model.initialParameters(seed: 3).converted(to: Double.self)
        let q = ParameterSet(zip(p.names, p.tensors).filter { !$0.0.hasPrefix(TaskHeadPotential.prefix) })
        let conf = ThreeBPA.conformations[0]
        let headed = try model.evaluate([conf], parameters: p).energies.scalars[0]
        #expect(abs(headed - (try base.evaluate([conf], parameters: q).energies.scalars[0])) < 1e-10)
    }

    @Test func freezingTheEmbeddingKeepsTheDescriptor() throws {
        // Layers 0…2 are the embedding networks: a refit with freeze:3 trains the fitting only.
        let base = try Self.small()
        var g = SeededGenerator(seed: 2)
        let names = base.initialParameters(Double.self, using: &g).names
        let frozen = names.filter { base.layer(ofParameter: $0) < 3 }
        #expect(!frozen.isEmpty && frozen.allSatisfy { $0.hasPrefix("embed/") })
        #expect(names.filter { $0.hasPrefix("fit/") }.allSatisfy { base.layer(ofParameter: $0) >= 3 })
    }
}
