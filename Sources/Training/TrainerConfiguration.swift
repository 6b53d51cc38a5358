// What a `Trainer` trains with, and what it reports: its configuration, one record per
// finished epoch, and the progress handed to its callback.

import Foundation

/// What to train with.
public struct TrainerConfiguration: Codable, Equatable, Sendable {
    /// The optimizer and its main hyperparameters (others take their defaults).
    ///
    /// For CoRe, `scoreHistory` (t_hist, steps) and `frozenFraction` (p_frozen) switch on the
    /// stability–plasticity freezing of ``CoReOptimizer`` (nil: 0, no freezing); checkpoints
    /// written before these existed decode with nil.
    public enum OptimizerChoice: Codable, Equatable, Sendable {
        case adam(learningRate: Double, weightDecay: Double)
        case core(learningRate: Double, weightDecay: Double, scoreHistory: Int? = nil, frozenFraction: Double? = nil)
    }

    /// Total number of epochs (a resumed run continues up to this).
    public var epochs: Int
    /// Conformations per mini-batch (the last batch of an epoch may be smaller).
    public var batchSize: Int
    /// Seeds the per-epoch shuffles (and the initial parameters when none are given).
    public var seed: UInt64
    public var loss: EnergyForceLoss
    public var optimizer: OptimizerChoice
    /// Learning-rate decay on the validation loss (nil: none).
    public var plateau: ReduceOnPlateau?
    /// Stop when the validation loss stops improving (nil: never).
    public var earlyStopping: EarlyStopping?
    /// Write a checkpoint every this many epochs (0: only at the end of `train`).
    public var checkpointEvery: Int
    /// Checkpoint path (nil: no checkpoints).
    public var checkpointPath: String?
    /// Parameters kept at their initial values (refitting with frozen layers).
    public var frozenParameters: [String]
    /// Decay d of an exponential moving average of the parameters (nil: none). With it,
    /// validation, the best parameters and the model file use the average
    /// θ̄ ← δ θ̄ + (1 − δ) θ after every step, δ = min(d, (1 + t)/(10 + t)) at step t (the
    /// warm-up of TensorFlow's `ExponentialMovingAverage`, as NequIP and MACE use it).
    public var emaDecay: Double?
    /// Divergence detection and recovery (see ``DivergenceGuard``: roll back the epoch, lower
    /// the learning rate, retry; throw ``TrainingDiverged`` when the retries run out).
    public var divergenceGuard: DivergenceGuard
    /// hippynn's hierarchicality term added to the training loss (nil: none; models with
    /// per-layer energies only, see ``HierarchicalityRegulariser``).
    public var hierarchicality: HierarchicalityRegulariser?
    /// A second stage with other loss weights and learning rate (nil: one stage).
    public var stageTwo: StageTwo?
    /// Largest global L2 norm of a step's gradient; larger ones are scaled down to it
    /// (``GradientClipping``; nil: no clipping). mace-torch clips at 10 by default.
    public var gradientClip: Double?

    public init(epochs: Int, batchSize: Int = 32, seed: UInt64 = 0, loss: EnergyForceLoss = EnergyForceLoss(),
                optimizer: OptimizerChoice = .adam(learningRate: 1e-3, weightDecay: 0),
                plateau: ReduceOnPlateau? = ReduceOnPlateau(factor: 0.5, patience: 10),
                earlyStopping: EarlyStopping? = nil, checkpointEvery: Int = 0, checkpointPath: String? = nil,
                frozenParameters: [String] = [], emaDecay: Double? = nil, divergenceGuard: DivergenceGuard = DivergenceGuard(),
                hierarchicality: HierarchicalityRegulariser? = nil, stageTwo: StageTwo? = nil,
                gradientClip: Double? = nil) {
        precondition(gradientClip.map { $0 > 0 && $0.isFinite } ?? true, "the gradient clip must be a finite number > 0")
        self.gradientClip = gradientClip
        self.hierarchicality = hierarchicality
        precondition(stageTwo.map { $0.startEpoch >= 1 && $0.startEpoch < epochs } ?? true,
                     "stage two must start after the first epoch and before the last")
        self.stageTwo = stageTwo
        precondition(epochs >= 0 && batchSize >= 1 && checkpointEvery >= 0)
        precondition(emaDecay.map { $0 > 0 && $0 < 1 } ?? true, "EMA decay must lie in (0, 1)")
        self.emaDecay = emaDecay
        self.epochs = epochs; self.batchSize = batchSize; self.seed = seed; self.loss = loss
        self.optimizer = optimizer; self.plateau = plateau; self.earlyStopping = earlyStopping
        self.checkpointEvery = checkpointEvery; self.checkpointPath = checkpointPath
        self.frozenParameters = frozenParameters
        self.divergenceGuard = divergenceGuard
    }

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize, seed, loss, optimizer, plateau, earlyStopping, checkpointEvery, checkpointPath, frozenParameters
        case emaDecay, divergenceGuard, hierarchicality, stageTwo, gradientClip
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(epochs: try c.decode(Int.self, forKey: .epochs), batchSize: try c.decode(Int.self, forKey: .batchSize),
                  seed: try c.decode(UInt64.self, forKey: .seed), loss: try c.decode(EnergyForceLoss.self, forKey: .loss),
                  optimizer: try c.decode(OptimizerChoice.self, forKey: .optimizer),
                  plateau: try c.decodeIfPresent(ReduceOnPlateau.self, forKey: .plateau),
                  earlyStopping: try c.decodeIfPresent(EarlyStopping.self, forKey: .earlyStopping),
                  checkpointEvery: try c.decode(Int.self, forKey: .checkpointEvery),
                  checkpointPath: try c.decodeIfPresent(String.self, forKey: .checkpointPath),
                  frozenParameters: try c.decodeIfPresent([String].self, forKey: .frozenParameters) ?? [],
                  emaDecay: try c.decodeIfPresent(Double.self, forKey: .emaDecay),
                  divergenceGuard: try c.decodeIfPresent(DivergenceGuard.self, forKey: .divergenceGuard) ?? DivergenceGuard())
        hierarchicality = try c.decodeIfPresent(HierarchicalityRegulariser.self, forKey: .hierarchicality)
        stageTwo = try c.decodeIfPresent(StageTwo.self, forKey: .stageTwo)
        gradientClip = try c.decodeIfPresent(Double.self, forKey: .gradientClip)
        if let clip = gradientClip, !(clip > 0 && clip.isFinite) {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.gradientClip],
                                                    debugDescription: "must be a finite number > 0, got \(clip)"))
        }
    }

    /// Whether forces enter the loss (in either stage).
    public var usesForces: Bool { loss.forceWeight > 0 || (stageTwo?.loss.forceWeight ?? 0) > 0 }

    /// The loss weights of epoch `epoch` (0-based): stage two's from its first epoch on.
    public func loss(atEpoch epoch: Int) -> EnergyForceLoss {
        guard let stageTwo, epoch >= stageTwo.startEpoch else { return loss }
        return stageTwo.loss
    }

    /// The second stage of a run: from epoch `startEpoch` (0-based) to the end, the loss has
    /// other weights and the learning rate restarts at `learningRate`. This is mace-torch's
    /// "SWA" stage (Batatia et al., NeurIPS 2022, arXiv:2206.07697; `--swa --start_swa
    /// --swa_energy_weight 1000 --swa_forces_weight 100 --swa_lr 1e-3`) without its uniform
    /// average of the weights (the moving average, when `emaDecay` is set, goes on): a run
    /// trained mostly on forces gets its energies back at the end.
    ///
    /// When it starts (after epoch `startEpoch − 1` is recorded, before that epoch's
    /// checkpoint) the plateau schedule and early stopping start afresh, and the best
    /// parameters are chosen among stage-two epochs only, since validation losses of the two
    /// stages have different weights and cannot be compared. The validation loss of the
    /// parameters at the switch, with the new weights, is the divergence guard's reference
    /// until a stage-two epoch sets a best. Early stopping during stage one ends the run
    /// without a stage two.
    public struct StageTwo: Codable, Equatable, Sendable {
        /// First epoch (0-based) of stage two; 1 ≤ startEpoch < epochs.
        public var startEpoch: Int
        /// The loss weights of stage two.
        public var loss: EnergyForceLoss
        /// The learning rate stage two starts with (nil: the current one goes on).
        public var learningRate: Double?

        public init(startEpoch: Int, loss: EnergyForceLoss, learningRate: Double? = nil) {
            self.startEpoch = startEpoch; self.loss = loss; self.learningRate = learningRate
        }
    }
}

/// One finished epoch.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var step: Int
    /// Mean training loss over the epoch's mini-batches (eV² per atom², weighted).
    public var trainingLoss: Double
    /// Validation loss with the same weights, from the validation RMSEs.
    public var validationLoss: Double
    public var validation: EnergyForceMetrics
    public var learningRate: Double
    public var seconds: Double
    /// The gradient norms of the epoch's steps (nil in records written before they were kept).
    public var gradientNorms: GradientNormSummary?
}

/// What the progress callback receives: after every step (`validation` nil) and after every
/// epoch's validation.
public struct TrainingProgress: Sendable {
    public var step: Int
    /// Epoch being run (0-based) or just finished.
    public var epoch: Int
    /// The mini-batch loss (after a step) or the epoch's mean training loss.
    public var loss: Double
    public var validation: EnergyForceMetrics?
    /// Seconds of training so far (over all resumed runs).
    public var elapsed: Double
    /// Estimated seconds to the last epoch.
    public var remaining: Double?
}
