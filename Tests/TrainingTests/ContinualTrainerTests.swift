import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
import Training
import _TestSupport

/// Continual training: a trainer starts from the previous one's optimizer state, and CoRe's
/// freezing settings travel through `TrainerConfiguration`.
@Suite struct ContinualTrainerTests {
    static let freezing = TrainerConfiguration.OptimizerChoice.core(learningRate: 1e-3, weightDecay: 0.1,
                                                                    scoreHistory: 2, frozenFraction: 0.25)

    func config(epochs: Int, seed: UInt64) -> TrainerConfiguration {
        TrainerConfiguration(epochs: epochs, batchSize: 4, seed: seed, loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1),
                             optimizer: Self.freezing, plateau: nil)
    }

    @Test func coreStateCarriesOverToTheNextTasksTrainer() throws {
        let confs = ThreeBPA.conformations
        try #require(confs.count >= 20, "3BPA data not found")
        let potential = ThreeBPA.smallPotential()
        let first = try Trainer(potential: potential, training: Array(confs[0..<8]), validation: Array(confs[16..<18]),
                                configuration: config(epochs: 2, seed: 1))
        try first.train()
        let state = first.optimizerState
        #expect(state.kind == "CoRe" && state.step == first.step && first.step == 4)
        // Freezing is on: every tensor has k = ⌊0.25 · size⌋ frozen weights and scores.
        let frozen = try #require(state.counters["frozen"])
        #expect(frozen.count == first.parameters.count)
        for (name, tensor) in zip(first.parameters.names, first.parameters.tensors) {
            #expect(frozen[name] == Int(0.25 * Double(tensor.scalars.count)))
        }
        let scores = try #require(state.buffers["score"])
        #expect(scores.values.contains { $0.contains { $0 != 0 } })

        // The next task (other conformations) starts from that state and continues its step count.
        let second = try Trainer(potential: potential, parameters: first.parameters, training: Array(confs[8..<16]),
                                 validation: Array(confs[18..<20]), configuration: config(epochs: 1, seed: 2),
                                 optimizerState: state)
        #expect(second.optimizerState == state)
        try second.train()
        #expect(second.optimizerState.step == state.step + 2)
        #expect(second.optimizerState.counters["frozen"] == frozen)
        #expect(second.optimizerState.buffers["score"] != scores)

        // A fresh trainer instead starts from step 0: the carried state is what differs.
        let fresh = try Trainer(potential: potential, parameters: first.parameters, training: Array(confs[8..<16]),
                                validation: Array(confs[18..<20]), configuration: config(epochs: 1, seed: 2))
        try fresh.train()
        #expect(fresh.optimizerState.step == 2)
        #expect(fresh.parameters.tensors.map { $0.scalars } != second.parameters.tensors.map { $0.scalars })
    }

    @Test func anotherOptimizersStateIsRejected() throws {
        let confs = ThreeBPA.conformations
        try #require(confs.count >= 6, "3BPA data not found")
        let adam = OptimizerState(kind: "Adam", step: 3, learningRate: 1e-3)
        #expect(throws: DataError.self) {
            try Trainer(potential: ThreeBPA.smallPotential(), training: Array(confs[0..<4]), validation: Array(confs[4..<6]),
                        configuration: config(epochs: 1, seed: 0), optimizerState: adam)
        }
    }

    @Test func freezingSettingsRoundTripAndOldConfigurationsDecode() throws {
        let encoded = try JSONEncoder().encode(Self.freezing)
        #expect(try JSONDecoder().decode(TrainerConfiguration.OptimizerChoice.self, from: encoded) == Self.freezing)
        // A checkpoint written before the freezing settings existed.
        let old = Data(#"{"core":{"learningRate":0.002,"weightDecay":0.1}}"#.utf8)
        let decoded = try JSONDecoder().decode(TrainerConfiguration.OptimizerChoice.self, from: old)
        #expect(decoded == .core(learningRate: 0.002, weightDecay: 0.1, scoreHistory: nil, frozenFraction: nil))
    }
}
