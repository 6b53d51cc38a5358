import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
import Training
import _TestSupport

/// The data-parallel training step: a batch is split into chunks of at most 16 conformations
/// (by the batch alone), each chunk's loss is divided by the whole batch's counts, and the
/// chunk gradients are summed in order — so the step equals the one-pass step up to rounding
/// and does not depend on the thread count at all.
@Suite(.serialized) struct DataParallelStepTests {
    @Test func chunksDependOnlyOnTheBatch() {
        #expect(DataParallel.chunks(of: Array(0..<16)) == [Array(0..<16)])
        #expect(DataParallel.chunks(of: Array(0..<32)).map(\.count) == [16, 16])
        #expect(DataParallel.chunks(of: Array(0..<33)).map(\.count) == [11, 11, 11])
        #expect(DataParallel.chunks(of: Array(0..<40)).flatMap { $0 } == Array(0..<40))
    }

    /// Σ chunk losses and Σ chunk gradients equal the batch's, on 3BPA conformations of which
    /// every third has no forces (masked force term), in Float64.
    @Test func chunkLossesAndGradientsAddUpToTheBatch() throws {
        let confs = ThreeBPA.conformations.prefix(36).enumerated().map { i, c -> Conformation in
            var c = c
            if i % 3 == 2 { c.forces = nil }
            return c
        }
        let model = ThreeBPA.smallPotential()
        let set = try FittingSet(Array(confs), selfEnergies: ThreeBPA.selfEnergies, potential: model, requireForces: false, label: "chunks")
        let loss = EnergyForceLoss(energyWeight: 1, forceWeight: 10)
        let parameters = model.initialParameters(seed: 3).converted(to: Double.self).requiringGrad()
        let indices = Array(0..<36)
        let whole = loss.loss(potential: model, parameters: parameters, batch: set.batch(indices, forces: true, as: Double.self)).total
        let wholeGradient = gradient(of: whole, withRespectTo: parameters)

        let labelledAtoms = indices.filter { set.forceLabelled[$0] }.reduce(0) { $0 + set.conformations[$1].atomCount }
        let normalisation = LossNormalisation(conformations: 36, forceComponents: Double(3 * labelledAtoms))
        let chunks = DataParallel.chunks(of: indices)
        #expect(chunks.count == 3)
        var sum = 0.0
        var summed: ParameterSet<Double>?
        for chunk in chunks {
            let part = loss.loss(potential: model, parameters: parameters, batch: set.batch(chunk, forces: true, as: Double.self),
                                 normalisation: normalisation).total
            sum += part.item
            let g = gradient(of: part, withRespectTo: parameters)
            summed = summed.map { $0 + g } ?? g
        }
        #expect(abs(sum - whole.item) <= 1e-12 * abs(whole.item))
        let a = wholeGradient.tensors.flatMap(\.scalars), b = try #require(summed).tensors.flatMap(\.scalars)
        let scale = a.map(abs).max() ?? 1
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-11 * scale })
    }

    /// Two epochs with batches of 40 (three chunks): the same parameters and Adam moments, bit
    /// for bit, on one thread and on two (the chunks and Adam's tensors share the threads).
    @Test func trainingDoesNotDependOnTheThreadCount() throws {
        let confs = Array(ThreeBPA.conformations.prefix(48))
        try #require(confs.count == 48, "3BPA data not found")
        func train(threads: Int) throws -> (parameters: [Float], optimizer: OptimizerState) {
            let saved = StepParallelism.threads
            StepParallelism.threads = threads
            defer { StepParallelism.threads = saved }
            let trainer = try Trainer(potential: ThreeBPA.smallPotential(), training: Array(confs[0..<40]),
                                      validation: Array(confs[40..<48]),
                                      configuration: TrainerConfiguration(epochs: 2, batchSize: 40, seed: 7,
                                                                          loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1)))
            try trainer.train()
            return (trainer.parameters.tensors.flatMap(\.scalars), trainer.optimizerState)
        }
        let one = try train(threads: 1), two = try train(threads: 2)
        #expect(one.parameters == two.parameters)
        #expect(one.optimizer == two.optimizer && one.optimizer.step == 2)
        #expect(one.parameters != ThreeBPA.smallPotential().initialParameters(seed: 7).tensors.flatMap(\.scalars))
    }
}
