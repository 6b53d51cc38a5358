// The configurations a refit study builds from its manifest, in one place: the pretraining
// of each variant, each refit, and `check()`, which builds them all without training.

import Foundation
import Chemistry
import MetaLearning
import Potentials
import Training

extension ExperimentRunner {
    /// The meta-training configuration of a reptile, fomaml or maml variant.
    func metaConfiguration(_ variant: ExperimentManifest.Variant, checkpoint: String?) throws -> MetaConfiguration {
        guard let algorithm = variant.metaAlgorithm, let iterations = variant.iterations else {
            throw DataError(file: manifestPath, item: "variants (\(variant.name)).kind", "is not a meta-learning variant with iterations")
        }
        return MetaConfiguration(
            algorithm: algorithm, iterations: iterations, metaBatchSize: variant.metaBatchSize ?? 1,
            epsilon: variant.epsilon ?? 0.1, epsilonFinal: variant.epsilonFinal,
            outerLearningRate: variant.outerLearningRate ?? 1e-3, sampling: variant.sampling ?? .uniform,
            inner: try InnerLoopSettings.resolve(variant.inner, algorithm: algorithm, file: manifestPath,
                                                 item: "variants (\(variant.name)).inner"),
            querySize: variant.querySize ?? 16, loss: loss,
            seed: seed, validateEvery: variant.validateEvery ?? max(1, iterations / 10),
            checkpointEvery: max(1, iterations / 20), checkpointPath: checkpoint, divergenceGuard: divergence)
    }

    /// The training configuration of a multitask or single variant.
    func trainerConfiguration(_ variant: ExperimentManifest.Variant, checkpoint: String?) throws -> TrainerConfiguration {
        guard let epochs = variant.epochs else {
            throw DataError(file: manifestPath, item: "variants (\(variant.name)).epochs", "needs epochs ≥ 1")
        }
        return TrainerConfiguration(
            epochs: epochs, batchSize: variant.batchSize ?? 32, seed: seed, loss: loss,
            optimizer: .adam(learningRate: variant.learningRate ?? 1e-3, weightDecay: 0),
            plateau: try (variant.plateau ?? PlateauSettings()).schedule(file: manifestPath, item: "variants (\(variant.name)).plateau"),
            earlyStopping: variant.patience.map { EarlyStopping(patience: $0) },
            checkpointEvery: max(1, epochs / 20), checkpointPath: checkpoint, emaDecay: variant.emaDecay,
            divergenceGuard: divergence)
    }

    /// The plan of one refit to `n` conformations with seed `seed` (`pretrained`: from a
    /// pretrained start, which alone takes replay).
    func refitPlan(n: Int, seed: UInt64, pretrained: Bool, selfEnergyPrior: SelfEnergies?) throws -> RefitPlan {
        let r = manifest.refit
        return RefitPlan(
            mode: r.mode ?? .full,
            trainer: TrainerConfiguration(
                epochs: r.epochs, batchSize: min(r.batchSize ?? 8, n), seed: seed, loss: loss,
                optimizer: .adam(learningRate: r.learningRate ?? 1e-3, weightDecay: 0),
                plateau: try (r.plateau ?? PlateauSettings()).schedule(file: manifestPath, item: "refit.plateau"),
                earlyStopping: r.patience.map { EarlyStopping(patience: $0) }, emaDecay: r.emaDecay,
                divergenceGuard: divergence),
            replayFraction: pretrained ? r.replay ?? 0 : 0, selfEnergyPrior: selfEnergyPrior,
            elementMap: try r.elementMapNumbers(file: manifestPath))
    }

    /// Builds every configuration the study would build — each variant's pretraining, every
    /// refit of the N × seed grid, the model for the elements H, C, N, O (or the element
    /// map's) — without reading data or training, so a manifest error surfaces in a second.
    ///
    /// - Throws: `DataError` naming the manifest and the key.
    public func check() throws {
        if let unit = manifest.target.energyUnit { _ = try EnergyUnit.parse(unit, file: manifestPath, item: "target.energy_unit") }
        for variant in manifest.variants {
            switch variant.kind {
            case .reptile, .fomaml, .maml: _ = try metaConfiguration(variant, checkpoint: nil)
            case .multitask, .single: _ = try trainerConfiguration(variant, checkpoint: nil)
            case .scratch: break
            case .pretrained: break
            }
        }
        for n in manifest.refit.n {
            for s in manifest.refit.seedList { _ = try refitPlan(n: n, seed: s, pretrained: true, selfEnergyPrior: nil) }
        }
        let mapped = try manifest.refit.elementMapNumbers(file: manifestPath)
        let elements = mapped.isEmpty ? [1, 6, 7, 8] : Array(Set(mapped.keys).union(mapped.values))
        let potential = try (manifest.model ?? .standard).makePotential(
            elements: elements, selfEnergies: SelfEnergies(energies: [:], origin: .leastSquares), file: manifestPath)
        try (manifest.refit.mode ?? .full).check(layerCount: potential.layerCount, file: manifestPath, item: "refit.mode")
    }
}
