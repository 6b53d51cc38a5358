// Learning-rate decay on plateaus and early stopping, driven by a validation metric.

import Chemistry

/// Reduce-on-plateau learning-rate decay for a metric to be minimised (PyTorch
/// `ReduceLROnPlateau`, mode "min", relative threshold, no cooldown).
///
/// After each epoch call ``step(metric:learningRate:)`` with the validation metric `m`:
///
///     improved  ⇔  m < best · (1 − threshold)        (best₀ = +∞)
///     improved  →  best ← m, bad ← 0
///     otherwise →  bad ← bad + 1;  if bad > patience:  lr ← max(lr · factor, minLR), bad ← 0
///
/// So the rate is cut after `patience + 1` epochs without a relative improvement larger than
/// `threshold`. A reduction smaller than 1e-12 (already at `minLR`) leaves the rate unchanged.
/// Deterministic, Codable for checkpoints. NaN metrics count as no improvement. The relative
/// threshold assumes a non-negative metric (a loss, an MAE), as in PyTorch.
public struct ReduceOnPlateau: Codable, Equatable, Sendable {
    /// Multiplicative factor `0 < factor < 1` applied on a plateau.
    public var factor: Double
    /// Epochs without improvement tolerated before reducing.
    public var patience: Int
    /// Relative improvement needed to reset the count (e.g. 1e-4 = 0.01 %).
    public var threshold: Double
    /// Lower bound on the learning rate.
    public var minLearningRate: Double
    /// Best metric so far (+∞ before the first step).
    public var best: Double { bestSoFar ?? .infinity }
    /// Stored as an optional so that JSON (which has no ∞) can encode a fresh schedule.
    private var bestSoFar: Double?
    /// Epochs since the last improvement (or reduction).
    public private(set) var badEpochs = 0
    /// Number of reductions made.
    public private(set) var reductions = 0

    /// A plateau schedule (defaults as in PyTorch: factor 0.1, patience 10, threshold 1e-4).
    public init(factor: Double = 0.1, patience: Int = 10, threshold: Double = 1e-4, minLearningRate: Double = 0) {
        precondition(factor > 0 && factor < 1, "factor must lie in (0, 1)")
        precondition(patience >= 0 && threshold >= 0 && minLearningRate >= 0)
        self.factor = factor; self.patience = patience; self.threshold = threshold
        self.minLearningRate = minLearningRate
    }

    /// Records `metric` and reduces `learningRate` on a plateau; returns whether it reduced it.
    @discardableResult
    public mutating func step(metric: Double, learningRate: inout Double) -> Bool {
        if metric < best * (1 - threshold) {
            bestSoFar = metric; badEpochs = 0
            return false
        }
        badEpochs += 1
        guard badEpochs > patience else { return false }
        badEpochs = 0
        let new = Swift.max(learningRate * factor, minLearningRate)
        guard learningRate - new > 1e-12 * learningRate else { return false }
        learningRate = new; reductions += 1
        return true
    }

    /// Records `metric` and reduces the optimizer's learning rate on a plateau.
    @discardableResult
    public mutating func step<O: Optimizer>(metric: Double, optimizer: inout O) -> Bool {
        step(metric: metric, learningRate: &optimizer.learningRate)
    }
}

/// Early stopping on a validation metric to be minimised.
///
/// After each epoch call ``update(metric:)``. An epoch improves when `m < best − minDelta`;
/// training should stop once `patience` consecutive epochs have not improved. ``bestEpoch`` is
/// the (0-based) epoch whose parameters to keep. Deterministic, Codable for checkpoints.
public struct EarlyStopping: Codable, Equatable, Sendable {
    /// Epochs without improvement after which to stop (≥ 1).
    public var patience: Int
    /// Absolute improvement required (metric units, ≥ 0).
    public var minDelta: Double
    /// Best metric so far (+∞ before the first epoch).
    public var best: Double { bestSoFar ?? .infinity }
    /// Stored as an optional so that JSON (which has no ∞) can encode a fresh state.
    private var bestSoFar: Double?
    /// Epoch (0-based count of ``update(metric:)`` calls) of the best metric; nil before any.
    public private(set) var bestEpoch: Int?
    /// Epochs seen.
    public private(set) var epochs = 0
    /// Consecutive epochs without improvement.
    public private(set) var epochsWithoutImprovement = 0

    /// Early stopping with the given patience and minimal improvement.
    public init(patience: Int, minDelta: Double = 0) {
        precondition(patience >= 1 && minDelta >= 0)
        self.patience = patience; self.minDelta = minDelta
    }

    /// Whether training should stop now.
    public var shouldStop: Bool { epochsWithoutImprovement >= patience }

    /// Records the epoch's `metric`; returns true if it is a new best (keep these parameters).
    @discardableResult
    public mutating func update(metric: Double) -> Bool {
        defer { epochs += 1 }
        if metric < best - minDelta {
            bestSoFar = metric; bestEpoch = epochs; epochsWithoutImprovement = 0
            return true
        }
        epochsWithoutImprovement += 1
        return false
    }
}

/// The `plateau:` section of a manifest: reduce-on-plateau decay of the learning rate.
///
///     plateau: {factor: 0.5, patience: 10, min_learning_rate: 1.0e-5}   # these are the defaults
///     plateau: {factor: 0.5, patience: 10, threshold: 1.0e-4}
///
/// Omitted keys take the defaults MetaMLIP's trainer uses (factor 0.5, patience 10 epochs,
/// relative threshold 1e-4, no lower bound). To switch decay off, set `factor: 1`.
public struct PlateauSettings: Codable, Equatable, Sendable {
    public var factor: Double?
    public var patience: Int?
    public var threshold: Double?
    public var minLearningRate: Double?
    enum CodingKeys: String, CodingKey {
        case factor, patience, threshold
        case minLearningRate = "min_learning_rate"
    }

    public init(factor: Double? = nil, patience: Int? = nil, threshold: Double? = nil, minLearningRate: Double? = nil) {
        self.factor = factor; self.patience = patience; self.threshold = threshold; self.minLearningRate = minLearningRate
    }

    /// The schedule, or nil when decay is switched off (`factor: 1`).
    /// - Throws: `DataError` naming `file` and `item`.<key> for an out-of-range value.
    public func schedule(file: String, item: String = "plateau") throws -> ReduceOnPlateau? {
        let f = factor ?? 0.5, p = patience ?? 10, t = threshold ?? 1e-4, m = minLearningRate ?? 0
        if f == 1 { return nil }
        guard f > 0 && f < 1 else { throw DataError(file: file, item: "\(item).factor", "must lie in (0, 1], got \(f)") }
        guard p >= 0 else { throw DataError(file: file, item: "\(item).patience", "must be ≥ 0, got \(p)") }
        guard t >= 0 else { throw DataError(file: file, item: "\(item).threshold", "must be ≥ 0, got \(t)") }
        guard m >= 0 else { throw DataError(file: file, item: "\(item).min_learning_rate", "must be ≥ 0, got \(m)") }
        return ReduceOnPlateau(factor: f, patience: p, threshold: t, minLearningRate: m)
    }
}
