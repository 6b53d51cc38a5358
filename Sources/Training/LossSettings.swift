// The `loss:` section of every manifest (train, refit studies, lifelong, transferability):
// one definition, one set of defaults.

import Chemistry

/// The manifest's `loss:` section (snake_case keys), shared by `metamlip train` and every
/// study kind so a missing key means the same everywhere:
///
///     loss: {energy_weight: 1, force_weight: 1}
///
/// Missing keys (or a missing section) take ``defaultEnergyWeight`` and
/// ``defaultForceWeight``: w_E = w_F = 1, the defaults of ``EnergyForceLoss`` (one eV/atom
/// energy error weighs like one eV/Å force component error).
public struct LossSettings: Codable, Equatable, Sendable {
    /// w_E when the manifest does not name it.
    public static let defaultEnergyWeight = 1.0
    /// w_F when the manifest does not name it.
    public static let defaultForceWeight = 1.0

    public var energyWeight: Double?
    public var forceWeight: Double?
    enum CodingKeys: String, CodingKey { case energyWeight = "energy_weight", forceWeight = "force_weight" }

    public init(energyWeight: Double? = nil, forceWeight: Double? = nil) {
        self.energyWeight = energyWeight; self.forceWeight = forceWeight
    }

    /// The loss of an optional section (nil: every default).
    ///
    /// - Throws: `DataError` naming `file` and `loss.energy_weight` / `loss.force_weight` for
    ///   a weight that is negative or not finite, or `loss` when both are 0.
    public static func resolve(_ section: LossSettings?, file: String, item: String = "loss") throws -> EnergyForceLoss {
        let s = section ?? LossSettings()
        let e = s.energyWeight ?? defaultEnergyWeight, f = s.forceWeight ?? defaultForceWeight
        for (key, w) in [("energy_weight", e), ("force_weight", f)] where !(w.isFinite && w >= 0) {
            throw DataError(file: file, item: "\(item).\(key)", "must be a finite number ≥ 0, got \(w)")
        }
        guard e > 0 || f > 0 else { throw DataError(file: file, item: item, "energy_weight and force_weight are both 0: nothing to fit") }
        return EnergyForceLoss(energyWeight: e, forceWeight: f)
    }
}
