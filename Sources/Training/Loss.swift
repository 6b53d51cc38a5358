// The energy/force training loss, in tensor ops (differentiable to any order).

import Autodiff

/// The weighted energy + force mean-squared-error loss over a batch of `B` conformations with
/// `A` atoms in total:
///
///     L = w_E · (1/B) Σ_c ((E_pred,c − E_ref,c) / N_c)²  +  w_F · (1/(3A)) Σ_a Σ_xyz (F_pred − F_ref)²
///
/// - Energies in eV, forces in eV/Å, so the energy term is in (eV/atom)² and the force term in
///   (eV/Å)²; `w_E` and `w_F` carry the units that make them commensurable (e.g. `w_E` = 1 and
///   `w_F` = 1 Å²/atom² weights one eV/atom error like one eV/Å force component error).
/// - Per-atom normalisation: each conformation's energy error is divided by its atom count `N_c`
///   *before* squaring, so large and small molecules contribute per-atom errors on one scale
///   (a total-energy error grows like `N_c`; this keeps big molecules from dominating).
/// - The force term is the mean over all `3A` force components of the batch (atoms of all
///   conformations pooled, so a conformation counts in proportion to its atom count).
/// - **Force mask** (multi-fidelity data: energy-only conformations in a force-trained
///   batch): with a mask `m [A, 3]` of 1 (labelled) and 0 (energy-only) the force term is
///   `w_F · Σ m (F_pred − F_ref)² / Σ m`, the mean over labelled components only, so an
///   energy-only conformation contributes its energy term and nothing else (a batch
///   whose mask is all ones gives exactly the unmasked term).
///
/// Built from tensor arithmetic only, so with predictions that are graph nodes (forces from
/// `gradient(..., createGraph: true)`) the loss can be differentiated with respect to parameters,
/// and again (second-order MAML).
public struct EnergyForceLoss: Sendable, Codable, Equatable {
    /// Energy weight `w_E` (≥ 0).
    public var energyWeight: Double
    /// Force weight `w_F` (≥ 0).
    public var forceWeight: Double

    /// A loss with weights `w_E` and `w_F`.
    public init(energyWeight: Double = 1, forceWeight: Double = 1) {
        precondition(energyWeight >= 0 && forceWeight >= 0, "loss weights must be non-negative")
        self.energyWeight = energyWeight; self.forceWeight = forceWeight
    }

    /// The loss and its two weighted terms.
    ///
    /// - Parameters:
    ///   - predictedEnergies: `[B]` (eV).
    ///   - referenceEnergies: `[B]` (eV); constants (not differentiated).
    ///   - atomCounts: `N_c` per conformation, `B` positive values.
    ///   - predictedForces: `[A, 3]` (eV/Å) with `A = Σ N_c`, or nil for an energy-only loss.
    ///   - referenceForces: `[A, 3]` (eV/Å), given exactly when `predictedForces` is.
    ///   - forceMask: `[A, 3]` of 1 and 0 (constants), or nil when every component is labelled.
    ///   - normalisation: for one chunk of a larger batch (``LossNormalisation``): the sums
    ///     are divided by the whole batch's counts instead of averaged over this chunk, so the
    ///     chunks' losses add up to the batch's loss.
    public func callAsFunction<S: TensorScalar>(
        predictedEnergies: Tensor<S>, referenceEnergies: Tensor<S>, atomCounts: [Int],
        predictedForces: Tensor<S>? = nil, referenceForces: Tensor<S>? = nil, forceMask: Tensor<S>? = nil,
        normalisation: LossNormalisation? = nil
    ) -> LossTerms<S> {
        let b = atomCounts.count
        precondition(b > 0, "empty batch")
        precondition(predictedEnergies.shape == [b] && referenceEnergies.shape == [b],
                     "energies must have shape [\(b)]: got \(predictedEnergies.shape), \(referenceEnergies.shape)")
        precondition(atomCounts.allSatisfy { $0 > 0 }, "atom counts must be positive")
        let inverseN = Tensor<S>(atomCounts.map { 1 / S($0) })
        let e = (predictedEnergies - referenceEnergies) * inverseN
        let energy = normalisation.map { (e * e).sum() * S(energyWeight / Double($0.conformations)) }
            ?? (e * e).mean() * S(energyWeight)

        precondition((predictedForces == nil) == (referenceForces == nil), "give both force tensors or neither")
        var force = Tensor<S>(0)
        if let fp = predictedForces, let fr = referenceForces {
            let a = atomCounts.reduce(0, +)
            precondition(fp.shape == [a, 3] && fr.shape == [a, 3],
                         "forces must have shape [\(a), 3]: got \(fp.shape), \(fr.shape)")
            if let mask = forceMask {
                precondition(mask.shape == [a, 3], "force mask must have shape [\(a), 3]: got \(mask.shape)")
                let labelled = mask.scalars.reduce(0, +)
                if labelled > 0 {
                    let d = (fp - fr) * mask
                    force = normalisation.map { (d * d).sum() * S(forceWeight / $0.forceComponents) }
                        ?? (d * d).sum() * (S(forceWeight) / labelled)
                }
            } else {
                let d = fp - fr
                force = normalisation.map { (d * d).sum() * S(forceWeight / $0.forceComponents) }
                    ?? (d * d).mean() * S(forceWeight)
            }
        }
        return LossTerms(total: energy + force, energy: energy, force: force)
    }
}

/// The counts a chunk's loss is divided by when a batch is split into chunks whose
/// gradients are computed apart and summed (``Trainer``'s data-parallel step): the whole
/// batch's conformation count B and labelled force-component count (3 × the atoms of its
/// conformations with forces).
public struct LossNormalisation: Sendable, Equatable {
    public var conformations: Int
    public var forceComponents: Double

    public init(conformations: Int, forceComponents: Double) {
        precondition(conformations > 0 && forceComponents >= 0)
        self.conformations = conformations; self.forceComponents = forceComponents
    }
}

/// A loss value and its parts, all shape `[]`.
public struct LossTerms<S: TensorScalar> {
    /// `energy + force`.
    public var total: Tensor<S>
    /// The weighted energy term `w_E · mean_c ((ΔE_c)/N_c)²`.
    public var energy: Tensor<S>
    /// The weighted force term `w_F · mean (ΔF)²` over labelled components (0 without forces).
    public var force: Tensor<S>
}
