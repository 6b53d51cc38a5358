import Foundation
import Testing
import Autodiff
import Chemistry
import MetaLearning
import Potentials
import Training
import _TestSupport

/// The meta-trainer's divergence guard: an absurd inner learning rate is caught (here by the
/// post-adaptation validation loss exploding against the unadapted starting loss), rolled back
/// and retried with the inner learning rate, ε and the outer learning rate scaled down, or
/// reported as `TrainingDiverged`; never non-finite meta-parameters.
@Suite(.serialized) struct MetaDivergenceTests {
    func trainer(algorithm: MetaConfiguration.Algorithm = .reptile, innerLearningRate: Double, rule: DivergenceGuard,
                 iterations: Int = 3, checkpoint: String? = nil, epsilon: Double = 0.5) throws -> MetaTrainer {
        let loss = EnergyForceLoss(energyWeight: 1, forceWeight: 5)
        let tasks = [try MetaData.task("ethanol@PBE", MetaData.ethanolPBE, loss: loss),
                     try MetaData.task("ethanol@PBE+TS", MetaData.ethanolTS, loss: loss)]
        let acac: PotentialTask<Float> = try MetaData.task("acac", MetaData.acac, loss: loss)
        let validation = ValidationTask(adapt: PotentialTask(name: "acac", potential: acac.potential, data: acac.data.subset(Array(0..<12)), loss: loss),
                                        evaluate: acac.data.subset(Array(12..<24)))
        let config = MetaConfiguration(algorithm: algorithm, iterations: iterations, metaBatchSize: 2, epsilon: epsilon,
                                       inner: InnerLoop(steps: 2, optimizer: .adam, learningRate: innerLearningRate, batchSize: 4),
                                       querySize: 4, loss: loss, seed: 7, validateEvery: 1, checkpointEvery: 1, checkpointPath: checkpoint,
                                       divergenceGuard: rule)
        return try MetaTrainer(potential: MetaData.potential(), tasks: tasks, validationTasks: [validation], configuration: config)
    }

    func same(_ a: ParameterSet<Float>, _ b: ParameterSet<Float>) -> Bool {
        a.names == b.names && zip(a.tensors, b.tensors).allSatisfy { $0.scalars.map(\.bitPattern) == $1.scalars.map(\.bitPattern) }
    }

    @Test func absurdInnerLearningRateWithoutRetriesThrows() throws {
        let t = try trainer(innerLearningRate: 1e6, rule: DivergenceGuard(maxRetries: 0))
        let start = t.parameters
        let error = try #require(throws: TrainingDiverged.self) { try t.train() }
        #expect(error.loop == .outerIteration && error.epoch == 0 && error.learningRatesTried == [1e6])
        #expect("\(error)".hasPrefix("meta-training diverged at outer iteration 1: "), "\(error)")
        if case .explosion(let loss, let reference, _) = error.reason {
            #expect(reference == t.initialValidationLoss && loss > 1e3 * reference)
        }
        // Rolled back: the starting meta-parameters, nothing validated or kept.
        #expect(t.iteration == 0 && t.history.isEmpty && t.rateScale == 1)
        #expect(same(t.parameters, start) && same(t.bestParameters, start))
    }

    @Test func checkpointsRefuseNonFiniteMetaParameters() throws {
        let dir = try SharedData.temporaryDirectory("meta-nonfinite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try trainer(innerLearningRate: 1e-3, rule: DivergenceGuard())
        var c = t.checkpoint()
        c.bestParameters[1].values[2] = .nan
        let path = dir.appendingPathComponent("meta.json").path
        let error = try #require(throws: DataError.self) { try c.save(to: path) }
        #expect(error.file == path && error.item == "bestParameters.\(c.bestParameters[1].name)")
        #expect(!FileManager.default.fileExists(atPath: path))
        // A fresh checkpoint (no validation yet) and its guard state round-trip.
        try t.checkpoint().save(to: path)
        let resumed = try MetaTrainer.resume(from: path, tasks: t.tasks, validationTasks: t.validationTasks)
        #expect(resumed.rateScale == 1 && resumed.divergenceEvents.isEmpty && resumed.configuration.divergenceGuard == DivergenceGuard())
        // Configurations written before the guard existed decode with its defaults.
        var json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(t.configuration)) as? [String: Any])
        #expect(json["divergenceGuard"] != nil)
        json.removeValue(forKey: "divergenceGuard")
        let old = try JSONDecoder().decode(MetaConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old == t.configuration)
    }

    /// 10⁶ → 10² (diverges too) → 10⁻²: the run goes on from the rolled-back state, exactly
    /// like a fresh run configured with the lowered inner learning rate and ε.
    @Test(arguments: [MetaConfiguration.Algorithm.reptile, .fomaml])
    func absurdInnerLearningRateRecovers(algorithm: MetaConfiguration.Algorithm) throws {
        let t = try trainer(algorithm: algorithm, innerLearningRate: 1e6, rule: DivergenceGuard(maxRetries: 3, learningRateFactor: 1e-4))
        var heard: [DivergenceEvent] = []
        t.onDivergence = { heard.append($0) }
        try t.train()
        #expect(t.divergenceEvents.count == 2 && heard == t.divergenceEvents)
        #expect(t.divergenceEvents.map(\.epoch) == [0, 0] && t.divergenceEvents.first?.oldLearningRate == 1e6)
        #expect(t.rateScale == 1e-4 * 1e-4)
        #expect(t.innerLoop.learningRate == t.divergenceEvents.last!.newLearningRate)
        #expect("\(t.divergenceEvents[0])".hasPrefix("divergence at outer iteration 1: "))
        #expect(t.iteration == 3 && t.history.count == 3)
        #expect(t.history.allSatisfy { $0.validationLoss.isFinite && $0.epsilon == 0.5 * t.rateScale })
        #expect(t.parameters.firstNonFiniteName == nil && t.bestParameters.firstNonFiniteName == nil)
        #expect(t.bestValidationLoss <= 1e3 * (try #require(t.initialValidationLoss)))

        if algorithm == .reptile {
            let fresh = try trainer(innerLearningRate: t.innerLoop.learningRate, rule: DivergenceGuard(), epsilon: 0.5 * t.rateScale)
            try fresh.train()
            #expect(fresh.divergenceEvents.isEmpty)
            #expect(same(fresh.parameters, t.parameters))
            #expect(fresh.history.map(\.validationLoss) == t.history.map(\.validationLoss))
        }
    }

    @Test func resumeAfterARetryIsBitIdentical() throws {
        let dir = try SharedData.temporaryDirectory("meta-divergence-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rule = DivergenceGuard(maxRetries: 2, learningRateFactor: 1e-4)
        let whole = try trainer(innerLearningRate: 1e6, rule: rule, iterations: 4)
        try whole.train()
        let path = dir.appendingPathComponent("meta.json").path
        let first = try trainer(innerLearningRate: 1e6, rule: rule, iterations: 4, checkpoint: path)
        try first.train(maxIterations: 2)
        #expect(first.divergenceEvents.count == 2 && first.iteration == 2)
        let resumed = try MetaTrainer.resume(from: path, tasks: first.tasks, validationTasks: first.validationTasks)
        #expect(resumed.divergenceEvents == first.divergenceEvents && resumed.rateScale == first.rateScale)
        #expect(resumed.initialValidationLoss == whole.initialValidationLoss)
        try resumed.train()
        #expect(resumed.iteration == 4)
        #expect(same(resumed.parameters, whole.parameters) && same(resumed.bestParameters, whole.bestParameters))
        #expect(resumed.history.map(\.validationLoss) == whole.history.map(\.validationLoss))
        #expect(resumed.divergenceEvents == whole.divergenceEvents)
    }

    /// The loss watch sees a non-finite inner-loop loss (plain SGD at α = 10⁶ on a quadratic
    /// overflows Double within 40 steps) and changes nothing when all losses are finite.
    @Test func innerLoopsReportNonFiniteLosses() {
        let theta = ParameterSet<Double>([("theta", Tensor([1.0, -2.0]))])
        let task = QuadraticTask(name: "a", targets: [[3.0, 1.0]])
        var g = SeededGenerator(seed: 1)
        var watch = LossWatch()
        _ = InnerLoop(steps: 40, optimizer: .sgd, learningRate: 1e6, batchSize: 1).adapt(theta, on: task, using: &g, watch: &watch)
        guard case .nonFiniteTaskLoss(let name, let step?) = watch.reason else {
            Issue.record("expected a non-finite inner-loop loss, got \(String(describing: watch.reason))")
            return
        }
        #expect(name == "a" && step > 1 && step <= 40)

        let inner = InnerLoop(steps: 3, optimizer: .sgd, learningRate: 0.1, batchSize: 1)
        var g1 = SeededGenerator(seed: 1), g2 = SeededGenerator(seed: 1)
        var quiet = LossWatch()
        let watched = inner.adapt(theta, on: task, using: &g1, watch: &quiet)
        #expect(quiet.reason == nil)
        #expect(watched["theta"].scalars == inner.adapt(theta, on: task, using: &g2)["theta"].scalars)
        // Second-order MAML watches its inner steps too.
        var samplers = [BatchSampler(count: 1)]
        var g3 = SeededGenerator(seed: 1)
        var mamlWatch = LossWatch()
        _ = MAML.metaGradient(theta, tasks: [task], inner: InnerLoop(steps: 40, optimizer: .sgd, learningRate: 1e6, batchSize: 1),
                              secondOrder: true, querySize: 1, samplers: &samplers, using: &g3, taskIndices: [0], watch: &mamlWatch)
        #expect(mamlWatch.reason != nil)
    }
}
