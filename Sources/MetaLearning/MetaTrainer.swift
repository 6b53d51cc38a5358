// The outer loop: task sampling, ε annealing, post-adaptation validation, checkpoints.

import Foundation
import Autodiff
import Chemistry
import Potentials
import Training

/// How to meta-train.
public struct MetaConfiguration: Codable, Equatable, Sendable {
    public enum Algorithm: String, Codable, Sendable, CaseIterable { case reptile, fomaml, maml }
    /// How tasks enter a meta-batch: uniformly, or with probability ∝ conformation count.
    public enum Sampling: String, Codable, Sendable { case uniform, size }

    public var algorithm: Algorithm
    /// Outer iterations.
    public var iterations: Int
    /// Tasks per outer iteration (drawn without replacement).
    public var metaBatchSize: Int
    /// Reptile's outer step ε at the first iteration …
    public var epsilon: Double
    /// … annealed linearly to this at the last (nil: constant).
    public var epsilonFinal: Double?
    /// Learning rate of the outer Adam for (FO)MAML.
    public var outerLearningRate: Double
    public var sampling: Sampling
    public var inner: InnerLoop
    /// Query batch size for (FO)MAML.
    public var querySize: Int
    public var loss: EnergyForceLoss
    public var seed: UInt64
    /// Validate (adapt to each validation task, measure) every this many iterations.
    public var validateEvery: Int
    /// Checkpoint every this many iterations (0: only at the end of `train`).
    public var checkpointEvery: Int
    public var checkpointPath: String?
    /// Divergence detection and recovery per outer iteration (see ``DivergenceGuard``); a
    /// retry multiplies the inner learning rate, ε and the outer learning rate by the factor.
    public var divergenceGuard: DivergenceGuard

    public init(algorithm: Algorithm = .reptile, iterations: Int, metaBatchSize: Int = 1, epsilon: Double = 0.1,
                epsilonFinal: Double? = nil, outerLearningRate: Double = 1e-3, sampling: Sampling = .uniform,
                inner: InnerLoop = InnerLoop(steps: 10), querySize: Int = 16, loss: EnergyForceLoss = EnergyForceLoss(),
                seed: UInt64 = 0, validateEvery: Int = 50, checkpointEvery: Int = 0, checkpointPath: String? = nil,
                divergenceGuard: DivergenceGuard = DivergenceGuard()) {
        precondition(iterations >= 0 && metaBatchSize >= 1 && epsilon > 0 && validateEvery >= 1 && querySize >= 1)
        self.algorithm = algorithm; self.iterations = iterations; self.metaBatchSize = metaBatchSize
        self.epsilon = epsilon; self.epsilonFinal = epsilonFinal; self.outerLearningRate = outerLearningRate
        self.sampling = sampling; self.inner = inner; self.querySize = querySize; self.loss = loss; self.seed = seed
        self.validateEvery = validateEvery; self.checkpointEvery = checkpointEvery; self.checkpointPath = checkpointPath
        self.divergenceGuard = divergenceGuard
    }

    enum CodingKeys: String, CodingKey {
        case algorithm, iterations, metaBatchSize, epsilon, epsilonFinal, outerLearningRate, sampling, inner, querySize, loss
        case seed, validateEvery, checkpointEvery, checkpointPath, divergenceGuard
    }

    /// Decodes what the synthesized decoder did; an absent `divergenceGuard` (configurations
    /// written before it existed) takes the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(algorithm: try c.decode(Algorithm.self, forKey: .algorithm), iterations: try c.decode(Int.self, forKey: .iterations),
                  metaBatchSize: try c.decode(Int.self, forKey: .metaBatchSize), epsilon: try c.decode(Double.self, forKey: .epsilon),
                  epsilonFinal: try c.decodeIfPresent(Double.self, forKey: .epsilonFinal),
                  outerLearningRate: try c.decode(Double.self, forKey: .outerLearningRate),
                  sampling: try c.decode(Sampling.self, forKey: .sampling), inner: try c.decode(InnerLoop.self, forKey: .inner),
                  querySize: try c.decode(Int.self, forKey: .querySize), loss: try c.decode(EnergyForceLoss.self, forKey: .loss),
                  seed: try c.decode(UInt64.self, forKey: .seed), validateEvery: try c.decode(Int.self, forKey: .validateEvery),
                  checkpointEvery: try c.decode(Int.self, forKey: .checkpointEvery),
                  checkpointPath: try c.decodeIfPresent(String.self, forKey: .checkpointPath),
                  divergenceGuard: try c.decodeIfPresent(DivergenceGuard.self, forKey: .divergenceGuard) ?? DivergenceGuard())
    }

    /// ε at iteration `i` (0-based).
    public func epsilon(at i: Int) -> Double {
        guard let final = epsilonFinal, iterations > 1 else { return epsilon }
        return epsilon + (final - epsilon) * Double(i) / Double(iterations - 1)
    }
}

/// A validation task: adapt on one part with the training inner loop, measure on the other.
public struct ValidationTask: Sendable {
    public var adapt: PotentialTask<Float>
    public var evaluate: FittingSet
    public init(adapt: PotentialTask<Float>, evaluate: FittingSet) { self.adapt = adapt; self.evaluate = evaluate }
}

/// One validation.
public struct MetaRecord: Codable, Equatable, Sendable {
    public var iteration: Int
    /// Mean post-adaptation validation loss over validation tasks.
    public var validationLoss: Double
    /// Post-adaptation metrics per validation task.
    public var metrics: [String: EnergyForceMetrics]
    public var epsilon: Double
    public var seconds: Double
}

/// Meta-trains the shared parameters of a potential across tasks with Reptile, FOMAML or
/// MAML, validating by adaptation to held-out validation tasks; resumable bit for bit.
public final class MetaTrainer {
    public let potential: any AtomisticPotential
    public let configuration: MetaConfiguration
    public let tasks: [PotentialTask<Float>]
    public let validationTasks: [ValidationTask]

    public private(set) var parameters: ParameterSet<Float>
    /// Meta-parameters with the lowest post-adaptation validation loss.
    public private(set) var bestParameters: ParameterSet<Float>
    public private(set) var bestValidationLoss = Double.infinity
    public private(set) var iteration = 0
    public private(set) var history: [MetaRecord] = []
    public private(set) var elapsedBefore = 0.0
    /// Divergences recovered from so far (over resumed parts of the run), in order.
    public private(set) var divergenceEvents: [DivergenceEvent] = []
    /// The factor on the configured inner learning rate, ε and outer learning rate: the
    /// product of the `learningRateFactor`s of the retries so far (1 without divergence).
    public private(set) var rateScale = 1.0
    /// Validation loss of the starting meta-parameters *without* adaptation (mean over the
    /// validation tasks' evaluation parts), measured before the first iteration: the explosion
    /// reference until a validation sets ``bestValidationLoss``. Unadapted, so an absurd inner
    /// learning rate cannot spoil its own reference.
    public private(set) var initialValidationLoss: Double?
    /// Called after every validation with the record, and the estimated seconds left.
    public var progress: ((MetaRecord, Double?) -> Void)?
    /// Called on each divergence the trainer recovers from, before the outer iteration is
    /// run again.
    public var onDivergence: ((DivergenceEvent) -> Void)?

    private var generator: SeededGenerator
    private var samplers: [BatchSampler]
    private var outer: Adam<Float>
    private let weights: [Double]

    /// - Throws: `DataError` when there are no tasks, or a task has no conformations.
    public init(potential: any AtomisticPotential, parameters: ParameterSet<Float>? = nil, tasks: [PotentialTask<Float>],
                validationTasks: [ValidationTask], configuration: MetaConfiguration) throws {
        guard !tasks.isEmpty else { throw DataError(file: "meta-training", "no pretraining tasks") }
        for t in tasks + validationTasks.map(\.adapt) where t.count == 0 {
            throw DataError(file: "meta-training", item: "task \(t.name)", "no conformations")
        }
        if configuration.algorithm == .maml && configuration.loss.forceWeight > 0 {
            throw DataError(file: "meta-training", item: "loss.force_weight",
                            "second-order MAML needs an energy-only loss (force_weight: 0); use fomaml or reptile with forces")
        }
        if configuration.algorithm == .maml && configuration.inner.optimizer != .sgd {
            throw DataError(file: "meta-training", item: "inner.optimizer", "second-order MAML differentiates through SGD inner steps")
        }
        self.potential = potential
        self.configuration = configuration
        self.tasks = tasks
        self.validationTasks = validationTasks
        let p = parameters ?? potential.initialParameters(seed: configuration.seed)
        self.parameters = p
        bestParameters = p
        generator = SeededGenerator(seed: configuration.seed)
        samplers = tasks.map { BatchSampler(count: $0.count) }
        outer = Adam(learningRate: configuration.outerLearningRate)
        let total = Double(tasks.map(\.count).reduce(0, +))
        weights = tasks.map { configuration.sampling == .uniform ? 1 : Double($0.count) / total }
    }

    /// `metaBatchSize` distinct task indices, uniform or ∝ size.
    private func sampleTasks() -> [Int] {
        var available = Array(tasks.indices)
        var chosen: [Int] = []
        for _ in 0..<min(configuration.metaBatchSize, tasks.count) {
            let w = available.map { weights[$0] }
            var u = Double(generator.next() >> 11) / Double(1 << 53) * w.reduce(0, +)
            var k = 0
            while k < w.count - 1 && u >= w[k] { u -= w[k]; k += 1 }
            chosen.append(available.remove(at: k))
        }
        return chosen
    }

    /// The inner loop in use: the configured one with its learning rate times ``rateScale``.
    public var innerLoop: InnerLoop {
        var inner = configuration.inner
        inner.learningRate *= rateScale
        return inner
    }

    /// Reptile's ε at iteration `i` (0-based) in use: the configured one times ``rateScale``.
    public func epsilon(at i: Int) -> Double { configuration.epsilon(at: i) * rateScale }

    /// One outer iteration; a non-finite inner-loop or query loss lands in `watch`.
    private func outerStep(watch: inout LossWatch) {
        let batch = sampleTasks()
        switch configuration.algorithm {
        case .reptile:
            parameters = Reptile.step(parameters, tasks: tasks, inner: innerLoop, epsilon: epsilon(at: iteration),
                                      samplers: &samplers, using: &generator, taskIndices: batch, watch: &watch)
        case .fomaml, .maml:
            let g = MAML.metaGradient(parameters, tasks: tasks, inner: innerLoop,
                                      secondOrder: configuration.algorithm == .maml, querySize: configuration.querySize,
                                      samplers: &samplers, using: &generator, taskIndices: batch, watch: &watch)
            outer.update(&parameters, along: g)
        }
        iteration += 1
    }

    /// Everything an outer iteration changes before its record is appended, to roll it back.
    private struct IterationState {
        var parameters: ParameterSet<Float>, best: ParameterSet<Float>, bestLoss: Double
        var iteration: Int, generator: SeededGenerator, samplers: [BatchSampler], outer: Adam<Float>
    }

    private var iterationState: IterationState {
        get {
            IterationState(parameters: parameters, best: bestParameters, bestLoss: bestValidationLoss, iteration: iteration,
                           generator: generator, samplers: samplers, outer: outer)
        }
        set {
            parameters = newValue.parameters; bestParameters = newValue.best; bestValidationLoss = newValue.bestLoss
            iteration = newValue.iteration; generator = newValue.generator; samplers = newValue.samplers; outer = newValue.outer
        }
    }

    /// After rolling back a diverged outer iteration: scales the rates down and reports the
    /// event, or throws ``TrainingDiverged`` when no retries are left.
    private func retry(after reason: DivergenceReason) throws {
        let rule = configuration.divergenceGuard
        let old = innerLoop.learningRate
        guard divergenceEvents.count < rule.maxRetries else {
            throw TrainingDiverged(loop: .outerIteration, epoch: iteration, reason: reason, learningRate: old,
                                   events: divergenceEvents, maxRetries: rule.maxRetries)
        }
        rateScale *= rule.learningRateFactor
        outer.learningRate *= rule.learningRateFactor
        let event = DivergenceEvent(loop: .outerIteration, epoch: iteration, reason: reason, oldLearningRate: old,
                                    newLearningRate: innerLoop.learningRate, retry: divergenceEvents.count + 1)
        divergenceEvents.append(event)
        onDivergence?(event)
    }

    /// Adapts `parameters` (default: the current meta-parameters) to every validation task
    /// with the training inner loop (``innerLoop``; fixed seed, so repeated validations are
    /// comparable) and measures on its evaluation part: metrics per task and the mean loss.
    ///
    /// The tasks adapt independently, so they are spread over the ranks of an MPI run and the
    /// ``StepParallelism`` threads (``RankParallelism``); each task's metrics travel as
    /// numbers and the loss is summed in task order, so the result does not depend on either.
    public func validate(_ parameters: ParameterSet<Float>? = nil) -> (metrics: [String: EnergyForceMetrics], loss: Double) {
        let start = parameters ?? self.parameters
        let measured = RankParallelism.mapArrays(validationTasks.count) { k -> [Double] in
            let v = validationTasks[k]
            var g = SeededGenerator(seed: configuration.seed &+ 0xFA11 &+ UInt64(k))
            let adapted = innerLoop.adapt(start, on: v.adapt, using: &g)
            return residualMetrics(potential: potential, parameters: adapted, set: v.evaluate).numbers
        }
        var metrics: [String: EnergyForceMetrics] = [:]
        var loss = 0.0
        for (v, numbers) in zip(validationTasks, measured) {
            let m = EnergyForceMetrics(numbers: numbers)
            metrics[v.adapt.name] = m
            loss += configuration.loss.validationLoss(m)
        }
        return (metrics, validationTasks.isEmpty ? 0 : loss / Double(validationTasks.count))
    }

    /// Runs outer iterations up to `configuration.iterations` (or `maxIterations` more),
    /// validating every `validateEvery` and at the end, checkpointing as configured.
    ///
    /// An outer iteration diverges (``DivergenceGuard``) when an inner-loop or query loss or
    /// the new meta-parameters are non-finite, or — when it validates — the post-adaptation
    /// validation loss is non-finite or explodes. It is then rolled back to the last good
    /// meta-parameters and state (those before it) and run again with the inner learning
    /// rate, ε and the outer learning rate times `learningRateFactor`. A validation sees only
    /// the iteration it follows, so with `validateEvery` > 1 damage done by earlier
    /// iterations is not undone (the retries then run out and the run fails clearly).
    ///
    /// - Throws: ``TrainingDiverged`` after `maxRetries` retries (the trainer is left before
    ///   the failing iteration); `DataError` when a checkpoint cannot be written.
    public func train(maxIterations: Int? = nil) throws {
        let start = Date()
        let last = min(configuration.iterations, iteration + (maxIterations ?? configuration.iterations))
        let startIteration = iteration
        if iteration == 0 && initialValidationLoss == nil && last > 0 && !validationTasks.isEmpty {
            let loss = validationTasks.map { configuration.loss.validationLoss(residualMetrics(potential: potential, parameters: parameters, set: $0.evaluate)) }
                .reduce(0, +) / Double(validationTasks.count)
            if loss.isFinite { initialValidationLoss = loss }
        }
        while iteration < last {
            let saved = iterationState
            var watch = LossWatch()
            outerStep(watch: &watch)
            var diverged = watch.reason ?? parameters.firstNonFiniteName.map { DivergenceReason.nonFiniteParameters(name: $0) }
            var validated: (metrics: [String: EnergyForceMetrics], loss: Double)?
            if diverged == nil && (iteration % configuration.validateEvery == 0 || iteration == configuration.iterations) {
                validated = validate()
                if !validationTasks.isEmpty {
                    diverged = configuration.divergenceGuard.check(
                        validationLoss: validated!.loss, reference: bestValidationLoss.isFinite ? bestValidationLoss : initialValidationLoss)
                }
            }
            if let reason = diverged {
                iterationState = saved
                try retry(after: reason)
                continue
            }
            if let validated {
                let (metrics, loss) = validated
                // Without validation tasks the latest parameters are the best.
                if loss < bestValidationLoss || validationTasks.isEmpty {
                    bestValidationLoss = loss
                    bestParameters = parameters
                }
                let elapsed = elapsedBefore + Date().timeIntervalSince(start)
                let record = MetaRecord(iteration: iteration, validationLoss: loss, metrics: metrics,
                                        epsilon: epsilon(at: iteration - 1), seconds: elapsed)
                history.append(record)
                let rate = Date().timeIntervalSince(start) / Double(iteration - startIteration)
                progress?(record, rate * Double(configuration.iterations - iteration))
            }
            if configuration.checkpointEvery > 0, iteration % configuration.checkpointEvery == 0, let path = configuration.checkpointPath {
                try checkpoint(elapsed: elapsedBefore + Date().timeIntervalSince(start)).save(to: path)
            }
        }
        elapsedBefore += Date().timeIntervalSince(start)
        if let path = configuration.checkpointPath { try checkpoint(elapsed: elapsedBefore).save(to: path) }
    }

    // MARK: Checkpoints

    public func checkpoint(elapsed: Double? = nil) -> MetaCheckpoint {
        MetaCheckpoint(format: MetaCheckpoint.formatName, version: 1, configuration: configuration,
                       model: ModelFile(potential: potential, parameters: parameters),
                       bestParameters: ModelFile.store(bestParameters),
                       bestValidationLoss: bestValidationLoss.isFinite ? bestValidationLoss : nil,
                       iteration: iteration, generatorState: generator.state, samplers: samplers, outer: outer.state,
                       history: history, elapsedSeconds: elapsed ?? elapsedBefore, taskCounts: tasks.map(\.count),
                       divergenceEvents: divergenceEvents, rateScale: rateScale, initialValidationLoss: initialValidationLoss)
    }

    /// Continues the run saved at `path` on the same tasks.
    public static func resume(from path: String, tasks: [PotentialTask<Float>], validationTasks: [ValidationTask],
                              configuration: MetaConfiguration? = nil) throws -> MetaTrainer {
        let saved = try readJSON(MetaCheckpoint.self, path: path, what: "meta-training checkpoint")
        guard saved.format == MetaCheckpoint.formatName else {
            throw DataError(file: path, item: "format", "not a meta-training checkpoint: '\(saved.format)'")
        }
        guard saved.taskCounts == tasks.map(\.count) else {
            throw DataError(file: path, item: "taskCounts", "checkpoint was made on tasks of sizes \(saved.taskCounts), got \(tasks.map(\.count))")
        }
        let (potential, parameters) = try saved.model.model(file: path)
        let trainer = try MetaTrainer(potential: potential, parameters: parameters, tasks: tasks,
                                      validationTasks: validationTasks, configuration: configuration ?? saved.configuration)
        trainer.bestParameters = try ModelFile.restore(saved.bestParameters, like: potential, file: path, item: "bestParameters")
        trainer.bestValidationLoss = saved.bestValidationLoss ?? .infinity
        trainer.iteration = saved.iteration
        trainer.generator = SeededGenerator(state: saved.generatorState)
        trainer.samplers = saved.samplers
        do { try trainer.outer.restore(saved.outer) } catch { throw DataError(file: path, item: "outer", "\(error)") }
        trainer.history = saved.history
        trainer.elapsedBefore = saved.elapsedSeconds
        trainer.divergenceEvents = saved.divergenceEvents ?? []
        trainer.rateScale = saved.rateScale ?? 1
        trainer.initialValidationLoss = saved.initialValidationLoss
        return trainer
    }
}

/// Everything needed to continue meta-training bit for bit.
public struct MetaCheckpoint: Codable, Sendable {
    public static let formatName = "metamlip-meta-checkpoint"
    public var format: String
    public var version: Int
    public var configuration: MetaConfiguration
    public var model: ModelFile
    public var bestParameters: [ModelFile.StoredTensor]
    /// nil before the first validation.
    public var bestValidationLoss: Double?
    public var iteration: Int
    public var generatorState: UInt64
    public var samplers: [BatchSampler]
    public var outer: OptimizerState
    public var history: [MetaRecord]
    public var elapsedSeconds: Double
    public var taskCounts: [Int]
    /// The divergences recovered from; nil in checkpoints written before the guard existed.
    public var divergenceEvents: [DivergenceEvent]?
    /// ``MetaTrainer/rateScale`` (nil: 1).
    public var rateScale: Double?
    /// ``MetaTrainer/initialValidationLoss``.
    public var initialValidationLoss: Double?

    /// Writes the checkpoint atomically.
    ///
    /// - Throws: `DataError` naming `path` and the parameter when a (best) meta-parameter is
    ///   non-finite, or the JSON key path of any other non-finite value.
    public func save(to path: String) throws {
        try ModelFile.checkFinite(model.parameters, file: path, item: "model.parameters")
        try ModelFile.checkFinite(bestParameters, file: path, item: "bestParameters")
        try writeJSONAtomically(self, to: path)
    }
}
