import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
import Training
import _TestSupport

/// The trainer's divergence guard: detection (non-finite mini-batch loss, exploding or
/// non-finite validation), rollback and retry at a lower learning rate, `TrainingDiverged`
/// when the retries run out, and bit-identical resumption after a retry.
@Suite(.serialized) struct DivergenceTests {
    static let confs = Array(ThreeBPA.conformations.prefix(10))
    let train = Array(Self.confs.prefix(8)), val = Array(Self.confs.suffix(2))

    func config(learningRate: Double, epochs: Int = 3, rule: DivergenceGuard, checkpoint: String? = nil,
                plateau: ReduceOnPlateau? = nil) -> TrainerConfiguration {
        TrainerConfiguration(epochs: epochs, batchSize: 4, seed: 1, loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1),
                             optimizer: .adam(learningRate: learningRate, weightDecay: 0), plateau: plateau,
                             earlyStopping: EarlyStopping(patience: 10), checkpointEvery: checkpoint == nil ? 0 : 1,
                             checkpointPath: checkpoint, divergenceGuard: rule)
    }

    func trainer(_ configuration: TrainerConfiguration) throws -> Trainer {
        try Trainer(potential: ThreeBPA.smallPotential(), training: train, validation: val, configuration: configuration)
    }

    /// Whether two parameter sets are bit for bit the same (a Bool, so a failure prints no arrays).
    func same(_ a: ParameterSet<Float>, _ b: ParameterSet<Float>) -> Bool {
        a.names == b.names && zip(a.tensors, b.tensors).allSatisfy { $0.scalars.map(\.bitPattern) == $1.scalars.map(\.bitPattern) }
    }

    @Test func ruleDefaultsAndCriteria() throws {
        let rule = DivergenceGuard()
        #expect(rule.maxRetries == 3 && rule.learningRateFactor == 0.1 && rule.explosionFactor == 1e3)
        #expect(rule.check(validationLoss: .nan, reference: 1) == .nonFiniteValidation)
        #expect(rule.check(validationLoss: -.infinity, reference: nil) == .nonFiniteValidation)
        #expect(rule.check(validationLoss: 1000, reference: 1) == nil)
        #expect(rule.check(validationLoss: 1001, reference: 1) == .explosion(validationLoss: 1001, reference: 1, factor: 1000))
        #expect(rule.check(validationLoss: 1e300, reference: nil) == nil)
        #expect(rule.check(trainingLoss: 1000, reference: 1) == nil && rule.check(trainingLoss: 1e300, reference: nil) == nil)
        #expect(rule.check(trainingLoss: 1001, reference: 1) == .trainingExplosion(trainingLoss: 1001, reference: 1, factor: 1000))
        let p = ParameterSet<Float>([("a", Tensor([1, 2])), ("b", Tensor([1, .infinity])), ("c", Tensor([.nan]))])
        #expect(p.firstNonFiniteName == "b")
        // Configurations and guards written without (some of) the keys take the defaults.
        let configuration = TrainerConfiguration(epochs: 2)
        var json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(configuration)) as? [String: Any])
        #expect(json["divergenceGuard"] != nil)
        json.removeValue(forKey: "divergenceGuard")
        let old = try JSONDecoder().decode(TrainerConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old == configuration && old.divergenceGuard == DivergenceGuard())
        #expect(try JSONDecoder().decode(DivergenceGuard.self, from: Data(#"{"maxRetries": 1}"#.utf8)) == DivergenceGuard(maxRetries: 1))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DivergenceGuard.self, from: Data(#"{"learningRateFactor": 2}"#.utf8))
        }
    }

    /// Adam at η = 10⁶ makes the first epoch's validation loss ~10²⁷; the guard rolls back,
    /// retries at 10² (diverges too), then at 10⁻², and the run continues from there — exactly
    /// like a fresh run at 10⁻², because the rollback restores every bit of the epoch's state.
    @Test func hugeLearningRateRecoversAfterLoweringIt() throws {
        let t = try trainer(config(learningRate: 1e6, rule: DivergenceGuard(maxRetries: 3, learningRateFactor: 1e-4)))
        var heard: [DivergenceEvent] = []
        t.onDivergence = { heard.append($0) }
        try t.train()
        #expect(t.divergenceEvents.count == 2)
        #expect(heard == t.divergenceEvents)
        #expect(t.divergenceEvents.map(\.epoch) == [0, 0] && t.divergenceEvents.map(\.retry) == [1, 2])
        #expect(t.divergenceEvents.first?.oldLearningRate == 1e6)
        for e in t.divergenceEvents {
            #expect(e.newLearningRate == e.oldLearningRate * 1e-4)
            #expect("\(e)".hasPrefix("divergence at epoch 1: "))
        }
        #expect(t.learningRate == t.divergenceEvents.last!.newLearningRate && t.learningRate < 0.1)
        #expect(t.epoch == 3 && t.history.count == 3)
        #expect(t.history.allSatisfy { $0.validationLoss.isFinite && $0.trainingLoss.isFinite && $0.validation.forceRMSE.isFinite })
        #expect(t.parameters.firstNonFiniteName == nil && t.bestParameters.firstNonFiniteName == nil)
        #expect(t.bestValidationLoss < (try #require(t.initialValidationLoss)))

        let fresh = try trainer(config(learningRate: t.learningRate, rule: DivergenceGuard()))
        try fresh.train()
        #expect(fresh.divergenceEvents.isEmpty)
        #expect(same(fresh.parameters, t.parameters))
        #expect(fresh.history.map(\.validationLoss) == t.history.map(\.validationLoss))
        #expect(fresh.step == t.step)
    }

    @Test func hugeLearningRateWithoutRetriesThrows() throws {
        let dir = try SharedData.temporaryDirectory("divergence-throw")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("checkpoint.json").path
        let t = try trainer(config(learningRate: 1e6, rule: DivergenceGuard(maxRetries: 0), checkpoint: path))
        let start = t.parameters
        var heard = 0
        t.onDivergence = { _ in heard += 1 }
        let error = try #require(throws: TrainingDiverged.self) { try t.train() }
        #expect(error.loop == .epoch && error.epoch == 0 && error.learningRatesTried == [1e6] && error.events.isEmpty)
        #expect("\(error)".hasPrefix("training diverged at epoch 1: ") && "\(error)".contains("1e+06"), "\(error)")
        #expect(heard == 0)
        // Rolled back to the start of the epoch; nothing of the diverged attempt is kept or written.
        #expect(t.epoch == 0 && t.step == 0 && t.history.isEmpty && t.learningRate == 1e6)
        #expect(same(t.parameters, start) && same(t.bestParameters, start))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// At η = 10¹² the second mini-batch loss is already NaN: the epoch stops there.
    @Test func nonFiniteMiniBatchLossIsCaughtAtItsStep() throws {
        let t = try trainer(config(learningRate: 1e12, epochs: 2, rule: DivergenceGuard(maxRetries: 1, learningRateFactor: 1e-14)))
        var steps: [Int] = []
        t.progress = { p in if p.validation == nil { steps.append(p.step) } }
        try t.train()
        let event = try #require(t.divergenceEvents.first)
        #expect(t.divergenceEvents.count == 1)
        #expect(event.reason == .nonFiniteLoss(step: 2))
        #expect(event.oldLearningRate == 1e12)
        // The NaN step is not reported; the retried epoch counts its steps from the rolled-back counter.
        #expect(steps == [1, 1, 2, 3, 4])
        #expect(t.parameters.firstNonFiniteName == nil && t.history.count == 2)
    }

    /// η = 3 keeps every mini-batch loss and parameter finite, but the first epoch's validation
    /// loss is ~6·10⁴ × the starting parameters'.
    @Test func finiteExplosionIsDetected() throws {
        let t = try trainer(config(learningRate: 3, epochs: 1, rule: DivergenceGuard(maxRetries: 0)))
        var losses: [Double] = []
        t.progress = { p in if p.validation == nil { losses.append(p.loss) } }
        let error = try #require(throws: TrainingDiverged.self) { try t.train() }
        guard case .explosion(let loss, let reference, let factor) = error.reason else {
            Issue.record("expected an explosion, got \(error.reason)")
            return
        }
        #expect(reference == t.initialValidationLoss && factor == 1e3)
        #expect(loss.isFinite && loss > 1e4 * reference)
        #expect(losses.count == 2 && losses.allSatisfy(\.isFinite))
    }

    /// Two good epochs, then the checkpoint's learning rate is raised to 3: the next epoch's
    /// mean training loss explodes against the lowest epoch mean so far (checked before the
    /// validation, which would explode too), and the guard recovers.
    @Test func explosionAgainstTheBestSoFarIsDetectedMidRun() throws {
        let dir = try SharedData.temporaryDirectory("divergence-explosion")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("checkpoint.json").path
        let first = try trainer(config(learningRate: 1e-2, epochs: 4, rule: DivergenceGuard(), checkpoint: path))
        try first.train(maxEpochs: 2)
        let best = first.bestValidationLoss, lowestTraining = first.history.map(\.trainingLoss).min()!
        var saved = try TrainingCheckpoint.load(path: path)
        saved.optimizer.learningRate = 3
        try saved.save(to: path)
        let resumed = try Trainer.resume(from: path, training: train, validation: val)
        try resumed.train()
        let event = try #require(resumed.divergenceEvents.first)
        #expect(event.epoch == 2 && event.oldLearningRate == 3 && event.newLearningRate == 3 * 0.1)
        guard case .trainingExplosion(let loss, let reference, let factor) = event.reason else {
            Issue.record("expected a training-loss explosion, got \(event.reason)")
            return
        }
        #expect(reference == lowestTraining && factor == 1e3 && loss > 1e3 * lowestTraining)
        #expect(resumed.epoch == 4 && resumed.history.allSatisfy { $0.validationLoss.isFinite })
        #expect(resumed.bestValidationLoss <= best && resumed.bestParameters.firstNonFiniteName == nil)
    }

    @Test func resumeAfterARetryIsBitIdentical() throws {
        let dir = try SharedData.temporaryDirectory("divergence-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        func config(_ path: String, retries: Int = 2) -> TrainerConfiguration {
            self.config(learningRate: 1e6, epochs: 4, rule: DivergenceGuard(maxRetries: retries, learningRateFactor: 1e-4), checkpoint: path,
                        plateau: ReduceOnPlateau(factor: 0.5, patience: 0))
        }
        let full = try trainer(config(dir.appendingPathComponent("full.json").path))
        try full.train()
        #expect(full.divergenceEvents.count == 2)

        let path = dir.appendingPathComponent("split.json").path
        let first = try trainer(config(path))
        try first.train(maxEpochs: 2)
        #expect(first.divergenceEvents.count == 2)
        #expect(try TrainingCheckpoint.load(path: path).divergenceEvents == first.divergenceEvents)
        let atTwo = dir.appendingPathComponent("epoch2.json").path
        try FileManager.default.copyItem(atPath: path, toPath: atTwo)
        let resumed = try Trainer.resume(from: path, training: train, validation: val)
        #expect(resumed.divergenceEvents == first.divergenceEvents && resumed.initialValidationLoss == full.initialValidationLoss)
        try resumed.train()
        #expect(resumed.epoch == 4)
        #expect(same(resumed.parameters, full.parameters))
        #expect(same(resumed.bestParameters, full.bestParameters))
        #expect(resumed.learningRate == full.learningRate)
        #expect(resumed.history.map(\.validationLoss) == full.history.map(\.validationLoss))
        #expect(resumed.history.map(\.trainingLoss) == full.history.map(\.trainingLoss))
        #expect(resumed.divergenceEvents == full.divergenceEvents)

        // The retries used travel with the checkpoint: with both of 2 spent, the next
        // divergence after resuming throws at once.
        var saved = try TrainingCheckpoint.load(path: atTwo)
        saved.optimizer.learningRate = 1e6
        try saved.save(to: atTwo)
        let again = try Trainer.resume(from: atTwo, training: train, validation: val)
        let error = try #require(throws: TrainingDiverged.self) { try again.train() }
        #expect(error.events == full.divergenceEvents && error.epoch == 2 && error.learningRate == 1e6)
        #expect(again.epoch == 2 && again.parameters.firstNonFiniteName == nil)
    }
}
