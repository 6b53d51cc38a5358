// The `loss:` and `divergence:` sections of the manifests: one definition, one set of
// defaults for every path that reads them.

import Chemistry

/// The manifest's `loss:` section (snake_case keys), shared by `metamlip train` and every
/// study kind so a missing key means the same everywhere:
///
///     loss: {energy_weight: 1, force_weight: 1}
///     loss: {energy_weight: 30, force_weight: 1, hierarchicality: 0.001}   # HIP-NN, `metamlip train` only
///
/// Missing keys (or a missing section) take ``defaultEnergyWeight`` and
/// ``defaultForceWeight``: w_E = w_F = 1, the defaults of ``EnergyForceLoss`` (one eV/atom
/// energy error weighs like one eV/Å force component error). `hierarchicality` (absent: no
/// term) is the weight of ``HierarchicalityRegulariser``, read by ``hierarchicality(_:file:item:)``.
public struct LossSettings: Codable, Equatable, Sendable {
    /// w_E when the manifest does not name it.
    public static let defaultEnergyWeight = 1.0
    /// w_F when the manifest does not name it.
    public static let defaultForceWeight = 1.0

    public var energyWeight: Double?
    public var forceWeight: Double?
    public var hierarchicality: Double?
    enum CodingKeys: String, CodingKey {
        case energyWeight = "energy_weight", forceWeight = "force_weight", hierarchicality
    }

    public init(energyWeight: Double? = nil, forceWeight: Double? = nil, hierarchicality: Double? = nil) {
        self.energyWeight = energyWeight; self.forceWeight = forceWeight; self.hierarchicality = hierarchicality
    }

    /// The loss of an optional section (nil: every default).
    ///
    /// - Throws: `DataError` naming `file` and `loss.energy_weight` / `loss.force_weight` for
    ///   a weight that is negative or not finite, or `loss` when both are 0; naming
    ///   `loss.hierarchicality` when the key is set and the caller does not train with it
    ///   (`allowingHierarchicality` false: every study kind so far), rather than ignore it.
    public static func resolve(_ section: LossSettings?, file: String, item: String = "loss",
                               allowingHierarchicality: Bool = false) throws -> EnergyForceLoss {
        let s = section ?? LossSettings()
        if s.hierarchicality != nil && !allowingHierarchicality {
            throw DataError(file: file, item: "\(item).hierarchicality", "is supported by `metamlip train` only, not by this study kind")
        }
        let e = s.energyWeight ?? defaultEnergyWeight, f = s.forceWeight ?? defaultForceWeight
        for (key, w) in [("energy_weight", e), ("force_weight", f)] where !(w.isFinite && w >= 0) {
            throw DataError(file: file, item: "\(item).\(key)", "must be a finite number ≥ 0, got \(w)")
        }
        guard e > 0 || f > 0 else { throw DataError(file: file, item: item, "energy_weight and force_weight are both 0: nothing to fit") }
        return EnergyForceLoss(energyWeight: e, forceWeight: f)
    }
}

/// The manifest's `stage_two:` section (`metamlip train`): a second stage with other loss
/// weights and learning rate from a given epoch on (``TrainerConfiguration/StageTwo``;
/// mace-torch's SWA stage without the weight average):
///
///     stage_two: {start_epoch: 90, energy_weight: 1000, force_weight: 100, learning_rate: 0.001}
///
/// `start_epoch` counts from 0 (90 of 120 epochs: the last 30 are stage two); missing weights
/// take the `loss:` defaults; no `learning_rate`: the current one goes on.
public struct StageTwoSettings: Codable, Equatable, Sendable {
    public var startEpoch: Int
    public var energyWeight: Double?
    public var forceWeight: Double?
    public var learningRate: Double?
    enum CodingKeys: String, CodingKey {
        case startEpoch = "start_epoch", energyWeight = "energy_weight", forceWeight = "force_weight"
        case learningRate = "learning_rate"
    }

    public init(startEpoch: Int, energyWeight: Double? = nil, forceWeight: Double? = nil, learningRate: Double? = nil) {
        self.startEpoch = startEpoch; self.energyWeight = energyWeight; self.forceWeight = forceWeight
        self.learningRate = learningRate
    }

    /// The stage of an optional section, checked against the run's `epochs`.
    ///
    /// - Throws: `DataError` naming `file` and `stage_two.<key>` for a start outside
    ///   1 ..< epochs, a weight that is negative or not finite (or both 0), or a learning rate
    ///   that is not a finite number > 0.
    public static func resolve(_ section: StageTwoSettings?, epochs: Int, file: String,
                               item: String = "stage_two") throws -> TrainerConfiguration.StageTwo? {
        guard let s = section else { return nil }
        guard s.startEpoch >= 1 && s.startEpoch < epochs else {
            throw DataError(file: file, item: "\(item).start_epoch",
                            "must lie in 1 ..< epochs (\(epochs)), counting from 0, got \(s.startEpoch)")
        }
        if let rate = s.learningRate, !(rate.isFinite && rate > 0) {
            throw DataError(file: file, item: "\(item).learning_rate", "must be a finite number > 0, got \(rate)")
        }
        let loss = try LossSettings.resolve(LossSettings(energyWeight: s.energyWeight, forceWeight: s.forceWeight),
                                            file: file, item: item)
        return TrainerConfiguration.StageTwo(startEpoch: s.startEpoch, loss: loss, learningRate: s.learningRate)
    }
}

/// The manifest's `divergence:` section (snake_case keys), shared by `metamlip train` and
/// the refit study (its pretrainings and refits): how a training run that diverges is
/// retried before it fails (``DivergenceGuard``):
///
///     divergence: {max_retries: 3, learning_rate_factor: 0.1, explosion_factor: 1000}   # the defaults
public struct DivergenceSettings: Codable, Equatable, Sendable {
    public var maxRetries: Int?
    public var learningRateFactor: Double?
    public var explosionFactor: Double?
    enum CodingKeys: String, CodingKey {
        case maxRetries = "max_retries", learningRateFactor = "learning_rate_factor", explosionFactor = "explosion_factor"
    }

    public init(maxRetries: Int? = nil, learningRateFactor: Double? = nil, explosionFactor: Double? = nil) {
        self.maxRetries = maxRetries; self.learningRateFactor = learningRateFactor; self.explosionFactor = explosionFactor
    }

    /// The guard of an optional section, absent keys at ``DivergenceGuard``'s defaults.
    /// - Throws: `DataError` naming `file` and `item`.<key> for a value out of range.
    public static func resolve(_ section: DivergenceSettings?, file: String, item: String = "divergence") throws -> DivergenceGuard {
        let s = section ?? DivergenceSettings(), d = DivergenceGuard()
        let retries = s.maxRetries ?? d.maxRetries, factor = s.learningRateFactor ?? d.learningRateFactor
        let explosion = s.explosionFactor ?? d.explosionFactor
        guard retries >= 0 else { throw DataError(file: file, item: "\(item).max_retries", "must be ≥ 0, got \(retries)") }
        guard factor > 0 && factor < 1 else {
            throw DataError(file: file, item: "\(item).learning_rate_factor", "must lie in (0, 1), got \(factor)")
        }
        guard explosion > 1 && explosion.isFinite else {
            throw DataError(file: file, item: "\(item).explosion_factor", "must be a finite number > 1, got \(explosion)")
        }
        return DivergenceGuard(maxRetries: retries, learningRateFactor: factor, explosionFactor: explosion)
    }
}
