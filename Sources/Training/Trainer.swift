// Mini-batch training of a potential on energies and forces, with validation,
// plateau decay, early stopping, best-parameter tracking and resumable checkpoints
// (the settings and progress records: TrainerConfiguration.swift; the saved state:
// TrainingCheckpoint.swift).

import Foundation
import Autodiff
import Chemistry
import Descriptors
import Potentials

/// Mini-batch trainer for any `AtomisticPotential` in `Float`.
///
/// The training data's geometries are fixed, so each conformation's `NeighbourTopology` is built
/// once and batches concatenate the cached topologies. Each epoch shuffles the training
/// conformations with `SeededGenerator` (its state is checkpointed), takes mini-batches,
/// minimizes `EnergyForceLoss` with Adam or CoRe, then evaluates the validation set:
/// metrics (meV/atom, meV/Å), the validation loss that drives `ReduceOnPlateau` and
/// `EarlyStopping`, and the best parameters so far.
///
/// Energies are fitted as residuals E − E_self computed in Double, so Float never has to
/// resolve a total energy of ~10⁴ eV.
public final class Trainer {
    public let potential: any AtomisticPotential
    public let configuration: TrainerConfiguration
    public let training: FittingSet
    public let validation: FittingSet

    public private(set) var parameters: ParameterSet<Float>
    /// The moving average of the parameters (when `configuration.emaDecay` is set).
    public private(set) var averagedParameters: ParameterSet<Float>?
    /// Parameters with the lowest validation loss so far (averaged ones with EMA).
    public private(set) var bestParameters: ParameterSet<Float>
    public private(set) var bestValidationLoss = Double.infinity
    /// Finished epochs.
    public private(set) var epoch = 0
    /// Optimizer steps taken.
    public private(set) var step = 0
    public private(set) var history: [EpochRecord] = []
    /// Seconds trained before this object was created (resumed runs).
    public private(set) var elapsedBefore = 0.0

    /// Divergences recovered from so far (over resumed parts of the run), in order; each used
    /// one of ``DivergenceGuard/maxRetries``.
    public private(set) var divergenceEvents: [DivergenceEvent] = []
    /// Validation loss of the starting parameters, measured before the first epoch (and again,
    /// with the new weights, when a stage two begins): the explosion reference until an epoch
    /// sets ``bestValidationLoss`` (nil: not measured or not finite).
    public private(set) var initialValidationLoss: Double?

    /// Called after every step and every epoch.
    public var progress: ((TrainingProgress) -> Void)?
    /// Called on each divergence the trainer recovers from, before the epoch is run again.
    public var onDivergence: ((DivergenceEvent) -> Void)?

    private var optimizer: OptimizerBox
    private var plateau: ReduceOnPlateau?
    private var earlyStopping: EarlyStopping?
    private var generator: SeededGenerator
    private let frozen: [(index: Int, tensor: Tensor<Float>)]
    /// Indices of the frozen parameters (left out of the gradient norm).
    private let frozenIndices: Set<Int>
    /// The potential with its per-layer energies, when the hierarchicality term is on.
    private let layered: (any LayeredEnergyPotential)?

    /// A trainer at epoch 0 on prepared sets (one task or several, each with its own
    /// self-energies).
    ///
    /// - Parameters:
    ///   - parameters: initial parameters (nil: `initialParameters` from a generator seeded
    ///     with `configuration.seed`).
    ///   - validation: drives plateau decay, early stopping and the best parameters; when
    ///     empty, the training set is used.
    ///   - optimizerState: the state to continue from (e.g. ``optimizerState`` of the trainer
    ///     of the previous task in continual learning: CoRe's scores and frozen counts carry
    ///     over); it must be of the configured optimizer's kind.
    /// - Throws: `DataError` when the training set is empty, lacks forces the loss needs,
    ///   a frozen parameter name is not in the model, or the optimizer state is of another kind.
    public init(potential: any AtomisticPotential, parameters: ParameterSet<Float>? = nil,
                training: FittingSet, validation: FittingSet, configuration: TrainerConfiguration,
                optimizerState: OptimizerState? = nil) throws {
        self.potential = potential
        self.configuration = configuration
        self.training = training
        self.validation = validation
        let p = parameters ?? potential.initialParameters(seed: configuration.seed)
        self.parameters = p
        bestParameters = p
        averagedParameters = configuration.emaDecay == nil ? nil : p
        optimizer = OptimizerBox(configuration.optimizer)
        plateau = configuration.plateau
        earlyStopping = configuration.earlyStopping
        generator = SeededGenerator(seed: configuration.seed)
        guard !training.isEmpty else { throw DataError(file: "training set", "no training conformations") }
        // Energy-only conformations are masked out of the force term; a training set with no
        // forces at all while the loss asks for them is a mistake, not a multi-fidelity set.
        if configuration.usesForces && training.isEnergyOnly {
            throw DataError(file: "training set", "no conformation has forces, but the loss has a force term (set the force weight to 0 to train on energies)")
        }
        layered = try configuration.hierarchicality.map {
            _ in try HierarchicalityRegulariser.layered(potential, file: "training configuration", item: "hierarchicality")
        }
        frozen = try configuration.frozenParameters.map { name in
            guard let i = p.names.firstIndex(of: name) else {
                throw DataError(file: "training configuration", item: "frozenParameters", "no parameter '\(name)' in the model")
            }
            return (i, p.tensors[i])
        }
        frozenIndices = Set(frozen.map(\.index))
        if let optimizerState {
            do { try optimizer.restore(optimizerState) } catch {
                throw DataError(file: "training configuration", item: "optimizer", "\(error)")
            }
        }
    }

    /// A trainer at epoch 0 on conformations of one level of theory, whose self-energies
    /// are the potential's.
    ///
    /// - Throws: `DataError` when a conformation has an element without a network, lacks
    ///   forces while the loss uses them, or has no atoms.
    public convenience init(potential: any AtomisticPotential, parameters: ParameterSet<Float>? = nil,
                            training: [Conformation], validation: [Conformation], configuration: TrainerConfiguration,
                            optimizerState: OptimizerState? = nil) throws {
        try self.init(
            potential: potential, parameters: parameters,
            training: FittingSet(training, selfEnergies: potential.selfEnergies, potential: potential,
                                 requireForces: configuration.usesForces, label: "training set"),
            validation: FittingSet(validation, selfEnergies: potential.selfEnergies, potential: potential,
                                   requireForces: configuration.usesForces, label: "validation set"),
            configuration: configuration, optimizerState: optimizerState)
    }

    /// Whether early stopping has triggered.
    public var stopped: Bool { earlyStopping?.shouldStop ?? false }

    /// The optimizer's current learning rate.
    public var learningRate: Double { optimizer.learningRate }

    /// The optimizer's full state (moments, step sizes, CoRe scores and frozen counts), to
    /// continue training elsewhere (``init(potential:parameters:training:validation:configuration:optimizerState:)``).
    public var optimizerState: OptimizerState { optimizer.state }

    // MARK: Training

    /// Runs epochs until `configuration.epochs`, early stopping, or `maxEpochs` more epochs
    /// in this call (to split a run); writes checkpoints every `checkpointEvery` epochs and at
    /// the end of the call. Returns the history.
    ///
    /// An epoch that diverges (``DivergenceGuard``: a non-finite mini-batch loss, non-finite
    /// parameters, an exploding mean training loss, a non-finite or exploding validation loss) is rolled back and run again with
    /// the learning rate times `learningRateFactor`, reporting a ``DivergenceEvent``.
    ///
    /// - Throws: ``TrainingDiverged`` when an epoch diverges after `maxRetries` retries (the
    ///   trainer is left at the start of that epoch; no checkpoint is written for it);
    ///   `DataError` when a checkpoint cannot be written.
    @discardableResult
    public func train(maxEpochs: Int? = nil) throws -> [EpochRecord] {
        let start = Date()
        let lastEpoch = min(configuration.epochs, epoch + (maxEpochs ?? configuration.epochs))
        let byTask = potential is TaskHeadPotential
        let validationSet = validation.isEmpty ? training : validation
        if epoch == 0 && initialValidationLoss == nil && lastEpoch > 0 {
            let loss = evaluate(validationSet, parameters: averagedParameters ?? parameters, acrossRanks: true).loss
            if loss.isFinite { initialValidationLoss = loss }
        }
        while epoch < lastEpoch && !stopped {
            let epochStart = Date()
            let saved = epochState
            var order = Array(0..<training.count)
            generator.shuffle(&order)
            let batches = training.batches(of: order, size: configuration.batchSize, byTask: byTask, using: &generator)
            let batchesPerEpoch = batches.count
            var lossSum = 0.0, gradientNorms: [Double] = [], clippedSteps = 0
            var diverged: DivergenceReason?
            for (b, indices) in batches.enumerated() {
                let (loss, norm, clipped) = trainStep(indices)
                lossSum += loss
                gradientNorms.append(norm)
                if clipped { clippedSteps += 1 }
                step += 1
                guard loss.isFinite else { diverged = .nonFiniteLoss(step: step); break }
                if let progress {
                    let elapsed = elapsedBefore + Date().timeIntervalSince(start)
                    let done = Double(epoch) + Double(b + 1) / Double(batchesPerEpoch)
                    progress(TrainingProgress(step: step, epoch: epoch, loss: loss, validation: nil, elapsed: elapsed,
                                              remaining: remaining(elapsed: elapsed, done: done)))
                }
            }
            let evaluated = averagedParameters ?? parameters
            let trainingLoss = lossSum / Double(batchesPerEpoch)
            if diverged == nil {
                diverged = configuration.divergenceGuard.check(trainingLoss: trainingLoss, reference: lowestTrainingLoss)
            }
            if diverged == nil, let name = parameters.firstNonFiniteName ?? averagedParameters?.firstNonFiniteName {
                diverged = .nonFiniteParameters(name: name)
            }
            var validated: (metrics: EnergyForceMetrics, loss: Double)?
            if diverged == nil {
                validated = evaluate(validationSet, parameters: evaluated, acrossRanks: true)
                diverged = configuration.divergenceGuard.check(
                    validationLoss: validated!.loss, reference: bestValidationLoss.isFinite ? bestValidationLoss : initialValidationLoss)
            }
            if let reason = diverged {
                epochState = saved
                try retry(after: reason)
                continue
            }
            let (metrics, validationLoss) = validated!
            if validationLoss < bestValidationLoss {
                bestValidationLoss = validationLoss
                bestParameters = evaluated
            }
            if plateau != nil { plateau!.step(metric: validationLoss, learningRate: &optimizer.learningRate) }
            if earlyStopping != nil { earlyStopping!.update(metric: validationLoss) }
            let record = EpochRecord(epoch: epoch, step: step, trainingLoss: trainingLoss,
                                     validationLoss: validationLoss, validation: metrics,
                                     learningRate: optimizer.learningRate, seconds: Date().timeIntervalSince(epochStart),
                                     gradientNorms: GradientNormSummary(norms: gradientNorms, clipped: clippedSteps))
            history.append(record)
            epoch += 1
            if let two = configuration.stageTwo, epoch == two.startEpoch { beginStageTwo(two, validation: validationSet) }
            let elapsed = elapsedBefore + Date().timeIntervalSince(start)
            progress?(TrainingProgress(step: step, epoch: record.epoch, loss: record.trainingLoss, validation: metrics,
                                       elapsed: elapsed, remaining: remaining(elapsed: elapsed, done: Double(epoch))))
            if configuration.checkpointEvery > 0, epoch % configuration.checkpointEvery == 0, let path = configuration.checkpointPath {
                try checkpoint(elapsed: elapsed).save(to: path)
            }
        }
        elapsedBefore += Date().timeIntervalSince(start)
        if let path = configuration.checkpointPath { try checkpoint(elapsed: elapsedBefore).save(to: path) }
        return history
    }

    /// The lowest mean training loss of a recorded epoch of the current stage (nil: none yet),
    /// the reference of the divergence guard's training-loss check.
    private var lowestTrainingLoss: Double? {
        let stageStart = configuration.stageTwo.map { epoch >= $0.startEpoch ? $0.startEpoch : 0 } ?? 0
        return history.lazy.filter { $0.epoch >= stageStart }.map(\.trainingLoss).min()
    }

    /// The switch to ``TrainerConfiguration/StageTwo`` (see there), made once, after epoch
    /// `startEpoch − 1` is recorded; its result is in the checkpoints that follow.
    private func beginStageTwo(_ two: TrainerConfiguration.StageTwo, validation set: FittingSet) {
        if let rate = two.learningRate { optimizer.learningRate = rate }
        plateau = configuration.plateau
        earlyStopping = configuration.earlyStopping
        bestValidationLoss = .infinity
        let reference = evaluate(set, parameters: averagedParameters ?? parameters, acrossRanks: true).loss
        initialValidationLoss = reference.isFinite ? reference : nil
    }

    /// Everything an epoch changes before its record is appended, to roll it back.
    private struct EpochState {
        var parameters: ParameterSet<Float>, averaged: ParameterSet<Float>?
        var best: ParameterSet<Float>, bestLoss: Double
        var step: Int, optimizer: OptimizerBox, plateau: ReduceOnPlateau?, earlyStopping: EarlyStopping?
        var generator: SeededGenerator
    }

    private var epochState: EpochState {
        get {
            EpochState(parameters: parameters, averaged: averagedParameters, best: bestParameters, bestLoss: bestValidationLoss,
                       step: step, optimizer: optimizer, plateau: plateau, earlyStopping: earlyStopping, generator: generator)
        }
        set {
            parameters = newValue.parameters; averagedParameters = newValue.averaged
            bestParameters = newValue.best; bestValidationLoss = newValue.bestLoss
            step = newValue.step; optimizer = newValue.optimizer; plateau = newValue.plateau
            earlyStopping = newValue.earlyStopping; generator = newValue.generator
        }
    }

    /// After rolling back a diverged epoch: lowers the learning rate and reports the event,
    /// or throws ``TrainingDiverged`` when no retries are left.
    private func retry(after reason: DivergenceReason) throws {
        let rule = configuration.divergenceGuard
        let old = optimizer.learningRate
        guard divergenceEvents.count < rule.maxRetries else {
            throw TrainingDiverged(loop: .epoch, epoch: epoch, reason: reason, learningRate: old, events: divergenceEvents,
                                   maxRetries: rule.maxRetries)
        }
        optimizer.learningRate = old * rule.learningRateFactor
        let event = DivergenceEvent(loop: .epoch, epoch: epoch, reason: reason, oldLearningRate: old,
                                    newLearningRate: optimizer.learningRate, retry: divergenceEvents.count + 1)
        divergenceEvents.append(event)
        onDivergence?(event)
    }

    private func remaining(elapsed: Double, done: Double) -> Double? {
        guard done > 0 else { return nil }
        return elapsed / done * max(0, Double(configuration.epochs) - done)
    }

    /// One optimizer step on the batch `indices`, its gradient taken chunk by chunk
    /// (``EnergyForceLoss/dataParallelGradient(potential:parameters:set:indices:forces:extraTerm:)``);
    /// returns the loss, the gradient's norm before clipping (``GradientClipping``) and whether it was clipped.
    private func trainStep(_ indices: [Int]) -> (loss: Double, gradientNorm: Double, clipped: Bool) {
        let layered = layered
        let weights = configuration.loss(atEpoch: epoch)
        var (loss, g) = weights.dataParallelGradient(
            potential: potential, parameters: parameters, set: training, indices: indices, forces: weights.forceWeight > 0,
            extraTerm: configuration.hierarchicality.flatMap { term in layered.map { layered in { batch, p in
                term(potential: layered, parameters: p, positions: batch.positions, topology: batch.topology, batch: batch.atoms)
            } } })
        let norm = GradientClipping.norm(g, excluding: frozenIndices)
        var clipped = false
        if let maxNorm = configuration.gradientClip {
            (g, clipped) = GradientClipping.clip(g, norm: norm, maxNorm: maxNorm, excluding: frozenIndices)
        }
        optimizer.update(&parameters, along: g)
        for (i, tensor) in frozen { parameters[parameters.names[i]] = tensor }
        if let d = configuration.emaDecay, let average = averagedParameters {
            let t = Double(step)
            let decay = Float(min(d, (1 + t) / (10 + t)))
            averagedParameters = average.scaled(by: decay) + parameters.scaled(by: 1 - decay)
        }
        return (loss, norm, clipped)
    }

    /// Metrics of `parameters` (default: the current ones) on conformations of the
    /// potential's level of theory, and the loss with the weights of the current epoch's stage
    /// (``TrainerConfiguration/loss(atEpoch:)``): w_E · RMSE(E/N)² + w_F · RMSE(F)² (eV units).
    public func evaluate(_ conformations: [Conformation], parameters: ParameterSet<Float>? = nil) throws -> (metrics: EnergyForceMetrics, loss: Double) {
        let set = try FittingSet(conformations, selfEnergies: potential.selfEnergies, potential: potential,
                                 requireForces: configuration.usesForces, label: "evaluation set")
        return evaluate(set, parameters: parameters)
    }

    /// Metrics and loss of `parameters` (default: the current ones) on a prepared set.
    public func evaluate(_ set: FittingSet, parameters: ParameterSet<Float>? = nil) -> (metrics: EnergyForceMetrics, loss: Double) {
        evaluate(set, parameters: parameters ?? self.parameters, acrossRanks: false)
    }

    /// ``evaluate(_:parameters:)``; `acrossRanks` for the epoch's validation, which every rank of
    /// an MPI run reaches together: its batches are shared by the ranks and threads (same numbers).
    func evaluate(_ set: FittingSet, parameters: ParameterSet<Float>, acrossRanks: Bool) -> (metrics: EnergyForceMetrics, loss: Double) {
        let m = residualMetrics(potential: potential, parameters: parameters, set: set, batchSize: configuration.batchSize,
                                acrossRanks: acrossRanks)
        return (m, configuration.loss(atEpoch: epoch).validationLoss(m))
    }

    // MARK: Model file and checkpoints

    /// A model file with the best parameters (or the current ones, `best: false`).
    public func modelFile(best: Bool = true, dataFile: String? = nil, task: String? = nil) -> ModelFile {
        ModelFile(potential: potential, parameters: best ? bestParameters : parameters,
                  provenance: ModelFile.Provenance(dataFile: dataFile, task: task, seed: configuration.seed, steps: step,
                                                   epochs: epoch, finalMetrics: history.last?.validation))
    }

    /// The full training state.
    public func checkpoint(elapsed: Double? = nil) -> TrainingCheckpoint {
        TrainingCheckpoint(
            format: TrainingCheckpoint.formatName, version: TrainingCheckpoint.currentVersion,
            configuration: configuration, model: ModelFile(potential: potential, parameters: parameters),
            bestParameters: ModelFile.store(bestParameters),
            averagedParameters: averagedParameters.map(ModelFile.store), bestValidationLoss: bestValidationLoss,
            epoch: epoch, step: step, optimizer: optimizer.state, plateau: plateau, earlyStopping: earlyStopping,
            generatorState: generator.state, history: history, elapsedSeconds: elapsed ?? elapsedBefore,
            trainingCount: training.count, validationCount: validation.count,
            divergenceEvents: divergenceEvents, initialValidationLoss: initialValidationLoss)
    }

    /// A trainer that continues the run saved at `path` on the same data (conformations of
    /// the saved potential's level of theory).
    ///
    /// - Parameter configuration: overrides the saved configuration (e.g. more epochs);
    ///   the optimizer kind must match.
    public static func resume(from path: String, training: [Conformation], validation: [Conformation],
                              configuration: TrainerConfiguration? = nil) throws -> Trainer {
        let saved = try TrainingCheckpoint.load(path: path)
        let potential = try saved.model.potential(file: path)
        let forces = (configuration ?? saved.configuration).usesForces
        return try resume(saved, path: path,
                          training: FittingSet(training, selfEnergies: potential.selfEnergies, potential: potential,
                                               requireForces: forces, label: "training set"),
                          validation: FittingSet(validation, selfEnergies: potential.selfEnergies, potential: potential,
                                                 requireForces: forces, label: "validation set"),
                          configuration: configuration)
    }

    /// A trainer that continues the run saved at `path` on the same prepared sets.
    public static func resume(from path: String, training: FittingSet, validation: FittingSet,
                              configuration: TrainerConfiguration? = nil) throws -> Trainer {
        try resume(try TrainingCheckpoint.load(path: path), path: path, training: training, validation: validation,
                   configuration: configuration)
    }

    private static func resume(_ saved: TrainingCheckpoint, path: String, training: FittingSet, validation: FittingSet,
                               configuration: TrainerConfiguration?) throws -> Trainer {
        guard saved.trainingCount == training.count, saved.validationCount == validation.count else {
            throw DataError(file: path, item: "trainingCount",
                            "checkpoint was made with \(saved.trainingCount)/\(saved.validationCount) training/validation conformations, got \(training.count)/\(validation.count)")
        }
        let (potential, parameters) = try saved.model.model(file: path)
        let best = try ModelFile.restore(saved.bestParameters, like: potential, file: path, item: "bestParameters")
        let config = configuration ?? saved.configuration
        let trainer = try Trainer(potential: potential, parameters: parameters, training: training, validation: validation,
                                  configuration: config)
        do {
            try trainer.optimizer.restore(saved.optimizer)
        } catch {
            throw DataError(file: path, item: "optimizer", "\(error)")
        }
        trainer.bestParameters = best
        if let stored = saved.averagedParameters, config.emaDecay != nil {
            trainer.averagedParameters = try ModelFile.restore(stored, like: potential, file: path, item: "averagedParameters")
        }
        trainer.bestValidationLoss = saved.bestValidationLoss
        trainer.epoch = saved.epoch
        trainer.step = saved.step
        trainer.plateau = saved.plateau
        trainer.earlyStopping = saved.earlyStopping
        trainer.generator = SeededGenerator(state: saved.generatorState)
        trainer.history = saved.history
        trainer.elapsedBefore = saved.elapsedSeconds
        trainer.divergenceEvents = saved.divergenceEvents ?? []
        trainer.initialValidationLoss = saved.initialValidationLoss
        return trainer
    }
}
