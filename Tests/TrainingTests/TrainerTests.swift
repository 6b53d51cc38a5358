import Foundation
import Testing
import Autodiff
import Chemistry
import Descriptors
import Potentials
import Training
import _TestSupport

/// 3BPA data shared by the trainer tests (read once).
enum ThreeBPA {
    static let conformations: [Conformation] = {
        (try? ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations) ?? []
    }()
    static let selfEnergies: SelfEnergies = {
        let iso = (try? ExtendedXYZReader().read(path: SharedData.path("3bpa/iso_atoms.xyz")).isolatedAtomEnergies) ?? [:]
        return SelfEnergies(isolatedAtoms: iso)
    }()

    /// A small ANI model: AEV ani1x, per-element widths [384, 8, 1].
    static func smallPotential() -> ANIPotential {
        ANIPotential(aev: AEVComputer(.ani1x),
                     networks: ElementNetworks(elements: [1, 6, 7, 8], widths: [AEVParameters.ani1x.featureCount, 8, 1], alpha: 0.1),
                     selfEnergies: selfEnergies)
    }
}

@Suite(.serialized) struct TrainerTests {
    @Test func topologiesConcatenateLikeABatchBuild() throws {
        let confs = Array(ThreeBPA.conformations.prefix(3))
        let joint = try NeighbourTopology(conformations: confs, parameters: .ani1x)
        let parts = try confs.map { try NeighbourTopology(conformation: $0, parameters: .ani1x) }
        #expect(NeighbourTopology(concatenating: parts) == joint)
    }

    @Test func seededGeneratorResumesFromItsState() {
        var a = SeededGenerator(seed: 42)
        for _ in 0..<5 { _ = a.next() }
        var b = SeededGenerator(state: a.state)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
    }

    @Test func trainingReducesTheLoss() throws {
        let confs = Array(ThreeBPA.conformations.prefix(24))
        let config = TrainerConfiguration(epochs: 5, batchSize: 5, seed: 1,
                                          loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1),
                                          optimizer: .adam(learningRate: 3e-3, weightDecay: 0))
        let trainer = try Trainer(potential: ThreeBPA.smallPotential(), training: Array(confs.prefix(20)),
                                  validation: Array(confs.suffix(4)), configuration: config)
        var progress: [TrainingProgress] = []
        trainer.progress = { progress.append($0) }
        let before = try trainer.evaluate(Array(confs.prefix(20))).loss
        let history = try trainer.train()
        let after = try trainer.evaluate(Array(confs.prefix(20))).loss
        #expect(history.count == 5)
        #expect(trainer.step == 5 * 4)
        #expect(after < 0.75 * before, "training loss \(before) → \(after)")
        #expect(history.last!.trainingLoss < history.first!.trainingLoss)
        #expect(history.allSatisfy { $0.validation.energyPerAtomRMSE.isFinite && $0.validation.forceRMSE.isFinite })
        #expect(progress.count == 5 * 4 + 5)
        #expect(progress.last!.validation != nil && progress.last!.remaining == 0)
        // The best parameters are those of the lowest validation loss.
        let bestLoss = history.map(\.validationLoss).min()!
        #expect(trainer.bestValidationLoss == bestLoss)
        #expect(abs(try trainer.evaluate(Array(confs.suffix(4)), parameters: trainer.bestParameters).loss - bestLoss) <= 1e-12 * bestLoss)
    }

    @Test(arguments: ["adam", "core", "adam-ema"])
    func resumedRunIsBitIdenticalToAnUninterruptedOne(optimizer: String) throws {
        let dir = try SharedData.temporaryDirectory("trainer-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let confs = Array(ThreeBPA.conformations.prefix(10))
        let train = Array(confs.prefix(8)), val = Array(confs.suffix(2))
        func config(_ path: String) -> TrainerConfiguration {
            TrainerConfiguration(
                epochs: 4, batchSize: 3, seed: 7, loss: EnergyForceLoss(energyWeight: 1, forceWeight: 0.5),
                optimizer: optimizer == "core" ? .core(learningRate: 1e-3, weightDecay: 0.1) : .adam(learningRate: 1e-3, weightDecay: 0),
                plateau: ReduceOnPlateau(factor: 0.5, patience: 0), earlyStopping: EarlyStopping(patience: 10),
                checkpointEvery: 1, checkpointPath: path, emaDecay: optimizer == "adam-ema" ? 0.9 : nil)
        }
        let full = try Trainer(potential: ThreeBPA.smallPotential(), training: train, validation: val,
                               configuration: config(dir.appendingPathComponent("full.json").path))
        try full.train()

        let path = dir.appendingPathComponent("split.json").path
        let first = try Trainer(potential: ThreeBPA.smallPotential(), training: train, validation: val, configuration: config(path))
        try first.train(maxEpochs: 2)
        #expect(first.epoch == 2)
        let resumed = try Trainer.resume(from: path, training: train, validation: val)
        #expect(resumed.epoch == 2 && resumed.step == first.step)
        try resumed.train()

        #expect(resumed.epoch == 4)
        #expect(resumed.parameters.names == full.parameters.names)
        for (a, b) in zip(resumed.parameters.tensors, full.parameters.tensors) {
            #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
        }
        for (a, b) in zip(resumed.bestParameters.tensors, full.bestParameters.tensors) {
            #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
        }
        if optimizer == "adam-ema" {
            let (a, b) = (try #require(resumed.averagedParameters), try #require(full.averagedParameters))
            for (x, y) in zip(a.tensors, b.tensors) { #expect(x.scalars.map(\.bitPattern) == y.scalars.map(\.bitPattern)) }
        }
        #expect(resumed.learningRate == full.learningRate)
        #expect(resumed.history.map(\.validationLoss) == full.history.map(\.validationLoss))
        #expect(resumed.history.map(\.trainingLoss) == full.history.map(\.trainingLoss))
    }

    /// With `emaDecay`, the trainer keeps θ̄ ← δθ̄ + (1 − δ)θ (δ = min(d, (1 + t)/(10 + t)))
    /// of the very parameters an identical run without EMA goes through, and validates
    /// (and keeps as best) the average.
    @Test func movingAverageFollowsTheParameterTrajectory() throws {
        let confs = Array(ThreeBPA.conformations.prefix(8))
        let train = Array(confs.prefix(6)), val = Array(confs.suffix(2))
        func config(_ ema: Double?) -> TrainerConfiguration {
            TrainerConfiguration(epochs: 5, batchSize: 6, seed: 3, loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1),
                                 optimizer: .adam(learningRate: 1e-2, weightDecay: 0), plateau: nil, emaDecay: ema)
        }
        let plain = try Trainer(potential: ThreeBPA.smallPotential(), training: train, validation: val, configuration: config(nil))
        var average = plain.parameters.converted(to: Double.self)
        for t in 0..<5 {
            try plain.train(maxEpochs: 1)  // one step per epoch (the batch is the whole set)
            let decay = min(0.95, Double(1 + t) / Double(10 + t))
            average = average.scaled(by: decay) + plain.parameters.converted(to: Double.self).scaled(by: 1 - decay)
        }
        let ema = try Trainer(potential: ThreeBPA.smallPotential(), training: train, validation: val, configuration: config(0.95))
        try ema.train()
        let got = try #require(ema.averagedParameters)
        var worst = 0.0
        for (a, b) in zip(got.tensors, average.tensors) {
            for (x, y) in zip(a.scalars, b.scalars) { worst = max(worst, abs(Double(x) - y)) }
        }
        #expect(worst < 1e-5, "largest deviation \(worst)")
        // The raw parameters moved further than their average, and validation used the average.
        #expect(got.scalarCount == ema.parameters.scalarCount)
        #expect(abs(ema.evaluate(ema.validation, parameters: got).loss - ema.history.last!.validationLoss) <= 1e-12)
        #expect(ema.history.last!.validationLoss != ema.evaluate(ema.validation).loss)
    }

    @Test func resumeRejectsOtherData() throws {
        let dir = try SharedData.temporaryDirectory("trainer-resume-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let confs = Array(ThreeBPA.conformations.prefix(4))
        let path = dir.appendingPathComponent("c.json").path
        let t = try Trainer(potential: ThreeBPA.smallPotential(), training: Array(confs.prefix(3)), validation: [],
                            configuration: TrainerConfiguration(epochs: 1, batchSize: 2, checkpointPath: path))
        try t.train()
        #expect(throws: DataError.self) { try Trainer.resume(from: path, training: confs, validation: []) }
    }
}

@Suite struct ModelFileTests {
    func smallModel() -> (ANIPotential, ParameterSet<Float>) {
        let potential = ThreeBPA.smallPotential()
        var g = SeededGenerator(seed: 11)
        return (potential, potential.initialParameters(using: &g))
    }

    func energies(_ potential: any AtomisticPotential, _ parameters: ParameterSet<Float>) throws -> ([Float], [Float]) {
        let out = try potential.evaluate(Array(ThreeBPA.conformations.prefix(3)), parameters: parameters)
        return (out.energies.scalars, out.forces!.scalars)
    }

    @Test func roundTripGivesIdenticalEnergies() throws {
        let dir = try SharedData.temporaryDirectory("model-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (potential, parameters) = smallModel()
        let path = dir.appendingPathComponent("m.model.json").path
        let file = ModelFile(potential: potential, parameters: parameters,
                             provenance: .init(dataFile: "3bpa/train_300K.xyz", task: "3bpa", seed: 11, steps: 3, epochs: 1))
        try file.save(to: path)
        #expect(try ModelFile.read(path: path) == file)
        let (p2, q2) = try ModelFile.load(path: path)
        #expect(p2.architecture == potential.architecture)
        #expect(p2.elements == potential.elements)
        #expect(p2.selfEnergies == potential.selfEnergies)
        let (e1, f1) = try energies(potential, parameters)
        let (e2, f2) = try energies(p2, q2)
        #expect(e1.map(\.bitPattern) == e2.map(\.bitPattern))
        #expect(f1.map(\.bitPattern) == f2.map(\.bitPattern))
        // Atomic write: no temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m.model.json"])
        // The ANI-1x architecture round-trips too.
        let ani = ANIPotential.ani1x(selfEnergies: ThreeBPA.selfEnergies)
        var g = SeededGenerator(seed: 1)
        let big = ModelFile(potential: ani, parameters: ani.initialParameters(using: &g))
        try big.save(to: path)
        #expect(try ModelFile.read(path: path) == big)
    }

    @Test func malformedFilesThrowDataErrors() throws {
        let dir = try SharedData.temporaryDirectory("model-file-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (potential, parameters) = smallModel()
        let good = ModelFile(potential: potential, parameters: parameters)
        let path = dir.appendingPathComponent("bad.json").path

        func error(_ file: ModelFile) throws -> DataError? {
            try file.save(to: path)
            do { _ = try ModelFile.load(path: path); return nil } catch let e as DataError { return e }
        }
        var f = good
        f.format = "something-else"
        #expect(try error(f)?.item == "format")

        f = good
        f.parameters[0].shape = [3, 3]
        #expect(try error(f)?.reason.contains("shape") == true)

        f = good
        let removed = f.parameters.remove(at: 2)
        let e = try error(f)
        #expect(e?.item == "parameters.\(removed.name)" && e?.reason == "missing parameter")

        f = good
        f.parameters[1].values.removeLast()
        #expect(try error(f) != nil)

        f = good
        guard case .ani(var a) = f.architecture else { Issue.record("not ani"); return }
        a.widths["H"] = [100, 8, 1]
        f.architecture = .ani(a)
        #expect(try error(f)?.item == "architecture.widths.H")

        f = good
        f.version = 99
        #expect(try error(f)?.item == "version")

        try Data("{\"format\": \"metamlip-model\"}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: DataError.self) { try ModelFile.load(path: path) }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: DataError.self) { try ModelFile.load(path: path) }
        #expect(throws: DataError.self) { try ModelFile.load(path: dir.appendingPathComponent("missing.json").path) }
    }
}
