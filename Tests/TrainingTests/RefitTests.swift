import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
import Training
import _TestSupport

/// The refit's self-energies: least squares on what the network leaves unexplained, before
/// and after training; fixed isolated-atom energies are never touched.
@Suite(.serialized) struct RefitTests {
    static func meanEnergyError(_ potential: any AtomisticPotential, _ parameters: ParameterSet<Float>,
                                _ confs: [Conformation]) throws -> Double {
        let e = try potential.evaluate(confs, parameters: parameters.converted(to: Double.self), withForces: false).energies.scalars
        return zip(e, confs).map { $0 - $1.energy }.reduce(0, +) / Double(confs.count)
    }

    @Test func leastSquaresSelfEnergiesLeaveNoMeanTrainingError() throws {
        let all = ThreeBPA.conformations
        try #require(all.count > 20, "3BPA data missing")
        let training = Array(all.prefix(8)), validation = Array(all[8..<12])
        let potential = ThreeBPA.smallPotential()
        let plan = RefitPlan(trainer: TrainerConfiguration(epochs: 2, batchSize: 4, seed: 3,
                                                          loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1)))
        // From a pretrained-like start (random parameters here): the starting fit removes
        // the network's offset before step 0, so the first epoch's energies are centred.
        let start = potential.initialParameters(seed: 3)
        let before = try RefitPlan.residualSelfEnergies(potential: potential, parameters: start, conformations: training, label: "t",
                                                        prior: ThreeBPA.selfEnergies)
        var centred = potential
        centred.selfEnergies = before
        #expect(abs(try Self.meanEnergyError(centred, start, training)) < 1e-6)
        // Fitting to the raw energies instead leaves the network's whole offset (≫ 1 meV).
        var raw = potential
        raw.selfEnergies = try SelfEnergies.fit(training)
        #expect(abs(try Self.meanEnergyError(raw, start, training)) > 1e-3)

        let (trainer, refitted) = try plan.run(potential: potential, parameters: start, training: training, validation: validation)
        #expect(abs(try Self.meanEnergyError(refitted, trainer.bestParameters, training)) < 1e-6)
        #expect(refitted.selfEnergies != potential.selfEnergies)
    }

    @Test func fixedTargetSelfEnergiesAreKept() throws {
        let all = ThreeBPA.conformations
        try #require(all.count > 20, "3BPA data missing")
        let plan = RefitPlan(trainer: TrainerConfiguration(epochs: 1, batchSize: 4, seed: 0),
                             targetSelfEnergies: ThreeBPA.selfEnergies)
        let (_, refitted) = try plan.run(potential: ThreeBPA.smallPotential(), parameters: nil,
                                         training: Array(all.prefix(6)), validation: Array(all[6..<9]))
        #expect(refitted.selfEnergies == ThreeBPA.selfEnergies)
    }
}
