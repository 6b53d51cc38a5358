// Divergence detection and recovery for the training loops (Trainer, MetaTrainer): the
// rule, the events it logs, and the error it throws when retries run out.

import Foundation
import Autodiff

/// What a training loop does when it diverges.
///
/// After every epoch (``Trainer``) or outer iteration (`MetaTrainer`) the loop checks:
///
/// - every mini-batch loss (inner-loop and query losses in meta-training) is finite — a cheap
///   scalar check per step;
/// - every parameter is finite after the epoch (after every outer iteration), one O(parameters)
///   scan;
/// - the validation loss is finite (meta-training: the post-adaptation one, when it validates);
/// - the validation loss does not *explode*: it is at most `explosionFactor` × the reference,
///   the best validation loss so far or, before there is one, the loss of the starting
///   parameters (measured once before the first epoch or iteration; in meta-training without
///   adaptation, so that an absurd inner learning rate cannot spoil its own reference);
/// - (``Trainer``) the epoch's mean training loss does not explode either: it is at most
///   `explosionFactor` × the lowest epoch mean of the run (of its stage, with a stage two).
///   With a moving average of the parameters the validation sees the average, which lags the
///   parameters being trained: a blow-up shows in the training loss an epoch before the
///   average, and by then rolling back one epoch no longer reaches parameters before it.
///
/// When a check fails, the loop rolls back to the state at the start of the epoch (outer
/// iteration) — parameters, moving average, optimizer state, random generator, step counter,
/// plateau and early-stopping state — multiplies the learning rate by `learningRateFactor`
/// (meta-training: the inner learning rate, ε and the outer learning rate), reports a
/// ``DivergenceEvent`` and runs the epoch again. The retried epoch is deterministic, and the
/// retries used are checkpointed, so a resumed run stays bit-identical to an uninterrupted one.
/// After `maxRetries` retries in a run, the next divergence throws ``TrainingDiverged``.
///
/// The checks only read values, so a run that never diverges is bit-identical to one without
/// them. Defaults: 3 retries, factor 0.1, explosion factor 1000. Decoding fills absent keys with
/// the defaults (configurations and checkpoints written before the guard existed).
public struct DivergenceGuard: Codable, Equatable, Sendable {
    /// Retries allowed per run (over all epochs); 0: the first divergence throws.
    public var maxRetries: Int
    /// Factor `0 < f < 1` applied to the learning rate on each retry.
    public var learningRateFactor: Double
    /// A validation loss above `explosionFactor` × the reference counts as divergence (> 1),
    /// and so does an epoch's mean training loss above it × the lowest epoch mean so far.
    /// The losses are squared errors, so 1000 is a ~30× jump of an RMSE; an energy-only loss on
    /// one or two validation conformations can hit an accidentally tiny best, and an epoch of
    /// one or two mini-batches has a noisy mean: both may need more than a small factor.
    public var explosionFactor: Double

    public init(maxRetries: Int = 3, learningRateFactor: Double = 0.1, explosionFactor: Double = 1e3) {
        precondition(maxRetries >= 0, "maxRetries must be ≥ 0")
        precondition(learningRateFactor > 0 && learningRateFactor < 1, "learningRateFactor must lie in (0, 1)")
        precondition(explosionFactor > 1, "explosionFactor must be > 1")
        self.maxRetries = maxRetries; self.learningRateFactor = learningRateFactor; self.explosionFactor = explosionFactor
    }

    enum CodingKeys: String, CodingKey { case maxRetries, learningRateFactor, explosionFactor }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DivergenceGuard()
        let retries = try c.decodeIfPresent(Int.self, forKey: .maxRetries) ?? d.maxRetries
        let factor = try c.decodeIfPresent(Double.self, forKey: .learningRateFactor) ?? d.learningRateFactor
        let explosion = try c.decodeIfPresent(Double.self, forKey: .explosionFactor) ?? d.explosionFactor
        guard retries >= 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.maxRetries], debugDescription: "must be ≥ 0, got \(retries)"))
        }
        guard factor > 0 && factor < 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.learningRateFactor],
                                                    debugDescription: "must lie in (0, 1), got \(factor)"))
        }
        guard explosion > 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.explosionFactor], debugDescription: "must be > 1, got \(explosion)"))
        }
        self.init(maxRetries: retries, learningRateFactor: factor, explosionFactor: explosion)
    }

    /// The reason an epoch's mean `trainingLoss` counts as divergence, if it does: above
    /// `explosionFactor` × `reference` (the lowest epoch mean so far; nil: none yet).
    public func check(trainingLoss: Double, reference: Double?) -> DivergenceReason? {
        if let reference, reference.isFinite, reference > 0, trainingLoss > explosionFactor * reference {
            return .trainingExplosion(trainingLoss: trainingLoss, reference: reference, factor: explosionFactor)
        }
        return nil
    }

    /// The reason `validationLoss` counts as divergence, if it does: non-finite, or above
    /// `explosionFactor` × `reference` (the best so far, else the starting loss; nil: none yet).
    public func check(validationLoss: Double, reference: Double?) -> DivergenceReason? {
        guard validationLoss.isFinite else { return .nonFiniteValidation }
        if let reference, reference.isFinite, reference > 0, validationLoss > explosionFactor * reference {
            return .explosion(validationLoss: validationLoss, reference: reference, factor: explosionFactor)
        }
        return nil
    }
}

/// Why an epoch (outer iteration) counts as diverged.
public enum DivergenceReason: Codable, Equatable, Sendable, CustomStringConvertible {
    /// A mini-batch loss of ``Trainer`` was NaN or ±∞ (`step`: the optimizer step, counted from 1).
    case nonFiniteLoss(step: Int)
    /// An inner-loop loss (`innerStep` from 1) or the query loss (`innerStep` nil) of a
    /// meta-training task was NaN or ±∞.
    case nonFiniteTaskLoss(task: String, innerStep: Int?)
    /// A parameter held NaN or ±∞ after the epoch (outer iteration).
    case nonFiniteParameters(name: String)
    /// The validation loss was NaN or ±∞.
    case nonFiniteValidation
    /// The validation loss exceeded `factor` × `reference`.
    case explosion(validationLoss: Double, reference: Double, factor: Double)
    /// An epoch's mean training loss exceeded `factor` × `reference` (the lowest epoch mean so far).
    case trainingExplosion(trainingLoss: Double, reference: Double, factor: Double)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let step): "non-finite mini-batch loss at step \(step)"
        case .nonFiniteTaskLoss(let task, let inner?): "non-finite inner-loop loss on task \(task) at inner step \(inner)"
        case .nonFiniteTaskLoss(let task, nil): "non-finite query loss on task \(task)"
        case .nonFiniteParameters(let name): "non-finite parameter \(name)"
        case .nonFiniteValidation: "non-finite validation loss"
        case .explosion(let loss, let reference, let factor):
            "validation loss \(short(loss)) exceeds \(short(factor)) × \(short(reference)) (the reference: the best so far, else the starting parameters')"
        case .trainingExplosion(let loss, let reference, let factor):
            "mean training loss \(short(loss)) exceeds \(short(factor)) × \(short(reference)) (the reference: the lowest epoch mean so far)"
        }
    }
}

/// One divergence that the loop recovered from by rolling back and lowering the learning rate.
public struct DivergenceEvent: Codable, Equatable, Sendable, CustomStringConvertible {
    /// What `epoch` counts.
    public enum Loop: String, Codable, Sendable {
        case epoch
        case outerIteration = "outer iteration"
    }
    public var loop: Loop
    /// The epoch (``Trainer``, as `EpochRecord.epoch`) or outer iteration (`MetaTrainer`),
    /// counted from 0, that diverged and is run again.
    public var epoch: Int
    public var reason: DivergenceReason
    /// The learning rate of the diverged attempt (meta-training: the inner learning rate) …
    public var oldLearningRate: Double
    /// … and of the retry.
    public var newLearningRate: Double
    /// Which retry of the run this starts (from 1).
    public var retry: Int

    public init(loop: Loop, epoch: Int, reason: DivergenceReason, oldLearningRate: Double, newLearningRate: Double, retry: Int) {
        self.loop = loop; self.epoch = epoch; self.reason = reason
        self.oldLearningRate = oldLearningRate; self.newLearningRate = newLearningRate; self.retry = retry
    }

    /// One line, e.g. `divergence at epoch 3: non-finite mini-batch loss at step 17; retry 1
    /// with learning rate 0.0001 (was 0.001)` (epochs counted from 1, as progress lines do).
    public var description: String {
        "divergence at \(loop.rawValue) \(epoch + 1): \(reason); retry \(retry) with learning rate \(short(newLearningRate)) (was \(short(oldLearningRate)))"
    }
}

/// A training loop diverged again after its ``DivergenceGuard/maxRetries`` retries; no
/// parameters of the diverged attempt are kept (the trainer is rolled back to the start of
/// the epoch, its best parameters are finite).
public struct TrainingDiverged: Error, CustomStringConvertible, Sendable {
    public var loop: DivergenceEvent.Loop
    /// The epoch (outer iteration), from 0, that diverged last.
    public var epoch: Int
    public var reason: DivergenceReason
    /// The learning rate of the last attempt (meta-training: the inner learning rate).
    public var learningRate: Double
    /// The retries made before, in order.
    public var events: [DivergenceEvent]
    public var maxRetries: Int

    public init(loop: DivergenceEvent.Loop, epoch: Int, reason: DivergenceReason, learningRate: Double,
                events: [DivergenceEvent], maxRetries: Int) {
        self.loop = loop; self.epoch = epoch; self.reason = reason; self.learningRate = learningRate
        self.events = events; self.maxRetries = maxRetries
    }

    /// Every learning rate that diverged, in order (the last is ``learningRate``).
    public var learningRatesTried: [Double] { events.map(\.oldLearningRate) + [learningRate] }

    public var description: String {
        let what = loop == .epoch ? "training" : "meta-training"
        let tried = (events.map { "\(short($0.oldLearningRate)) (\($0.loop.rawValue) \($0.epoch + 1))" }
                     + ["\(short(learningRate)) (\(loop.rawValue) \(epoch + 1))"]).joined(separator: ", ")
        return "\(what) diverged at \(loop.rawValue) \(epoch + 1): \(reason); learning rates tried: \(tried); "
            + "no retries left (divergence guard max_retries \(maxRetries))"
    }
}

extension ParameterSet {
    /// The name of the first tensor holding NaN or ±∞ (nil: all finite). O(parameters).
    public var firstNonFiniteName: String? {
        for (name, tensor) in zip(names, tensors) {
            // Σ 0·x is NaN exactly when some x is NaN or ±∞; a plain loop over Doubles (the
            // generic `allSatisfy(\.isFinite)` on a copy was 6 % of a Reptile step).
            let values = tensor.pooledDoubles
            var probe = 0.0
            for x in values.buffer { probe += 0 * x }
            if !probe.isFinite { return name }
        }
        return nil
    }
}

/// A compact number for messages (`%g`): `1e+06`, `0.001`, `42.5`.
func short(_ x: Double) -> String { String(format: "%g", x) }
