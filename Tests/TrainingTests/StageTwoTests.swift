import Foundation
import Testing
import Autodiff
import Chemistry
import Training
import _TestSupport

/// A second training stage (`TrainerConfiguration.StageTwo`, mace-torch's SWA stage): the loss
/// weights and learning rate switch at the stated epoch, the best parameters come from stage
/// two only, and a run interrupted before, at or after the switch resumes bit for bit.
@Suite(.serialized) struct StageTwoTests {
    let confs = Array(ThreeBPA.conformations.prefix(10))
    var train: [Conformation] { Array(confs.prefix(8)) }
    var validation: [Conformation] { Array(confs.suffix(2)) }
    let first = EnergyForceLoss(energyWeight: 1, forceWeight: 1)
    let second = EnergyForceLoss(energyWeight: 1000, forceWeight: 100)

    func configuration(_ path: String? = nil, epochs: Int = 5, ema: Double? = 0.9) -> TrainerConfiguration {
        TrainerConfiguration(epochs: epochs, batchSize: 3, seed: 4, loss: first, optimizer: .adam(learningRate: 3e-3, weightDecay: 0),
                             plateau: ReduceOnPlateau(factor: 0.5, patience: 0), earlyStopping: EarlyStopping(patience: 10),
                             checkpointEvery: 1, checkpointPath: path, emaDecay: ema,
                             stageTwo: .init(startEpoch: 3, loss: second, learningRate: 1e-4))
    }

    @Test func weightsAndLearningRateSwitchAndTheBestComesFromStageTwo() throws {
        let trainer = try Trainer(potential: ThreeBPA.smallPotential(), training: train, validation: validation,
                                  configuration: configuration())
        let history = try trainer.train()
        #expect(history.count == 5)
        // Each epoch's validation loss has the weights of its stage.
        for record in history {
            let loss = record.epoch < 3 ? first : second
            #expect(record.validationLoss == loss.validationLoss(record.validation), "epoch \(record.epoch)")
        }
        // The learning rate restarts at 1e-4 (the plateau, patience 0, may halve it once an
        // epoch fails to improve: never above 1e-4 in stage two).
        #expect(history[2].learningRate > 1e-4)
        #expect(history[3].learningRate <= 1e-4 && history[3].learningRate >= 0.5e-4)
        // The best loss is the lowest stage-two validation loss (the stage-one ones are smaller
        // numbers, with weights 1 : 1, and must not count).
        let stageTwo = history.filter { $0.epoch >= 3 }.map(\.validationLoss)
        #expect(trainer.bestValidationLoss == stageTwo.min())
        #expect(history.prefix(3).allSatisfy { $0.validationLoss < stageTwo.min()! })
        // Stage two's loss is measured with its weights: the switch moved the training loss.
        #expect(history[3].trainingLoss > 10 * history[2].trainingLoss)
    }

    @Test(arguments: [2, 3, 4])
    func resumeAroundTheSwitchIsBitIdentical(stopAfter: Int) throws {
        let dir = try SharedData.temporaryDirectory("stage-two-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = try Trainer(potential: ThreeBPA.smallPotential(), training: train, validation: validation,
                               configuration: configuration(dir.appendingPathComponent("full.json").path))
        try full.train()
        let path = dir.appendingPathComponent("split.json").path
        let part = try Trainer(potential: ThreeBPA.smallPotential(), training: train, validation: validation,
                               configuration: configuration(path))
        try part.train(maxEpochs: stopAfter)
        let resumed = try Trainer.resume(from: path, training: train, validation: validation)
        #expect(resumed.epoch == stopAfter)
        try resumed.train()
        func bits(_ p: ParameterSet<Float>) -> [UInt32] { p.tensors.flatMap { $0.scalars.map(\.bitPattern) } }
        #expect(bits(resumed.parameters) == bits(full.parameters))
        #expect(bits(resumed.bestParameters) == bits(full.bestParameters))
        #expect(resumed.bestValidationLoss == full.bestValidationLoss)
        #expect(resumed.history.map(\.validationLoss) == full.history.map(\.validationLoss))
        #expect(resumed.history.map(\.learningRate) == full.history.map(\.learningRate))
        #expect(resumed.initialValidationLoss == full.initialValidationLoss)
    }

    /// A force term in stage two only still needs forces in the data.
    @Test func aForceTermInStageTwoAloneNeedsForces() {
        let energyOnly = TrainerConfiguration(epochs: 4, loss: EnergyForceLoss(energyWeight: 1, forceWeight: 0),
                                              stageTwo: .init(startEpoch: 2, loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1)))
        #expect(energyOnly.usesForces)
        #expect(energyOnly.loss(atEpoch: 1).forceWeight == 0 && energyOnly.loss(atEpoch: 2).forceWeight == 1)
    }

    /// The manifest section: ranges checked where it is read, naming the key.
    @Test func manifestSectionIsChecked() throws {
        let ok = try StageTwoSettings.resolve(StageTwoSettings(startEpoch: 90, energyWeight: 1000, forceWeight: 100, learningRate: 1e-3),
                                              epochs: 120, file: "m.yaml")
        #expect(ok == .init(startEpoch: 90, loss: EnergyForceLoss(energyWeight: 1000, forceWeight: 100), learningRate: 1e-3))
        #expect(try StageTwoSettings.resolve(nil, epochs: 120, file: "m.yaml") == nil)
        func item(_ s: StageTwoSettings) -> String? {
            do { _ = try StageTwoSettings.resolve(s, epochs: 120, file: "m.yaml"); return nil } catch let e as DataError { return e.item } catch { return "\(error)" }
        }
        #expect(item(StageTwoSettings(startEpoch: 120)) == "stage_two.start_epoch")
        #expect(item(StageTwoSettings(startEpoch: 0)) == "stage_two.start_epoch")
        #expect(item(StageTwoSettings(startEpoch: 10, learningRate: 0)) == "stage_two.learning_rate")
        #expect(item(StageTwoSettings(startEpoch: 10, energyWeight: -1)) == "stage_two.energy_weight")
        #expect(item(StageTwoSettings(startEpoch: 10, energyWeight: 0, forceWeight: 0)) == "stage_two")
    }
}
