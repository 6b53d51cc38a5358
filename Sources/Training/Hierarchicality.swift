// hippynn's hierarchicality regulariser: a training loss term for models with per-layer energies.

import Autodiff
import Chemistry
import Descriptors
import Potentials

/// The hierarchicality regulariser of HIP-NN (Lubbers, Smith & Barros, J. Chem. Phys. 148,
/// 241715 (2018), doi:10.1063/1.5011181), as hippynn computes it (`HEnergy.forward` in
/// `hippynn/layers/targets.py`, the `hierarchicality` output, made per atom with
/// `physics.PerAtom` and averaged with `loss.Mean`, as in `examples/ani_aluminum_example.py`):
///
///     R̄ = (1/B) Σ_c (1/N_c) Σ_{i∈c} Σ_{l=1}^{L} e_{l,i}² / (e_{l,i}² + e_{l−1,i}² + ε),
///
/// dimensionless, in [0, L), with e_{l,i} the per-layer atomic energies of a
/// ``LayeredEnergyPotential`` (eV), B conformations of N_c atoms, and ε = 10⁻¹² eV² (hippynn
/// has none; it keeps 0/0 out when two layers are both exactly 0). Each ratio is near 0 when
/// layer l's energy is a small correction to layer l − 1's, so w_H R̄ added to the training
/// loss pushes the energy into the lower layers.
///
/// e_{0,i} includes the model's self-energy e_self[Z_i]: hippynn's layer-0 readout *holds* the
/// fitted per-species energies (`hierarchical_energy_initialization`), while MetaMLIP keeps
/// them apart from the network. With self-energies of hundreds of eV the l = 1 ratio is
/// therefore ~10⁻⁸ and the term acts on l ≥ 2, as in hippynn.
///
/// Training-only, like hippynn's (its examples stop on the error, not on the regularised
/// loss): validation losses, plateau decay and early stopping do not see it. It costs one more
/// forward pass per step (the energy/force loss's pass is not shared).
public struct HierarchicalityRegulariser: Codable, Equatable, Sendable {
    /// w_H (≥ 0), in the units of the loss it is added to (eV² per atom² with
    /// ``EnergyForceLoss``'s default weights).
    public var weight: Double
    /// ε of the denominator, eV².
    public static let epsilon = 1e-12

    public init(weight: Double) {
        precondition(weight >= 0 && weight.isFinite, "hierarchicality weight must be finite and ≥ 0")
        self.weight = weight
    }

    /// w_H R̄ (shape `[]`) of per-layer atomic energies `layers` (L + 1 tensors `[A]`, eV, layer 0
    /// including the self-energies) of the atoms of `batch`.
    public func callAsFunction<S: TensorScalar>(layers: [Tensor<S>], batch: AtomBatch) -> Tensor<S> {
        precondition(layers.allSatisfy { $0.shape == [batch.atomCount] }, "layer energies must have shape [\(batch.atomCount)]")
        guard layers.count > 1 else { return Tensor<S>(0) }
        let squares = layers.map { $0.squared() }
        var ratios = squares[1] / (squares[1] + squares[0] + S(Self.epsilon))
        for l in stride(from: 2, to: squares.count, by: 1) {
            ratios = ratios + squares[l] / (squares[l] + squares[l - 1] + S(Self.epsilon))
        }
        let perConformation = ratios.scatterAdd(indices: batch.conformationOfAtom, into: batch.conformationCount)
        let inverseN = Tensor<S>(batch.atomCounts.map { 1 / S($0) })
        return (perConformation * inverseN).mean() * S(weight)
    }

    /// w_H R̄ of `potential` with `parameters` on the atoms at `positions` (`[A, 3]`, Å).
    public func callAsFunction<S: TensorScalar>(potential: any LayeredEnergyPotential, parameters: ParameterSet<S>,
                                                positions: Tensor<S>, topology: NeighbourTopology,
                                                batch: AtomBatch) -> Tensor<S> {
        var layers = potential.layerAtomicEnergies(positions: positions, topology: topology, parameters: parameters)
        let own = batch.atomicNumbers.map { S(potential.selfEnergies.energies[$0] ?? 0) }
        layers[0] = layers[0] + Tensor<S>(own)
        return self(layers: layers, batch: batch)
    }

    /// `potential` as a ``LayeredEnergyPotential``.
    ///
    /// - Throws: `DataError` naming `file` and `item` (the manifest key, e.g.
    ///   `loss.hierarchicality`) when the model has no per-layer energies.
    public static func layered(_ potential: any AtomisticPotential, file: String,
                               item: String = "loss.hierarchicality") throws -> any LayeredEnergyPotential {
        guard let layered = potential as? any LayeredEnergyPotential else {
            throw DataError(file: file, item: item,
                            "model kind \(potential.architecture.kind) has no per-layer energies; the hierarchicality regulariser needs kind hipnn")
        }
        return layered
    }
}

extension LossSettings {
    /// The regulariser of the section's `hierarchicality` key (nil when absent or 0).
    ///
    /// - Throws: `DataError` naming `file` and `<item>.hierarchicality` for a weight that is
    ///   negative or not finite.
    public static func hierarchicality(_ section: LossSettings?, file: String,
                                       item: String = "loss") throws -> HierarchicalityRegulariser? {
        guard let w = section?.hierarchicality else { return nil }
        guard w.isFinite && w >= 0 else {
            throw DataError(file: file, item: "\(item).hierarchicality", "must be a finite number ≥ 0, got \(w)")
        }
        return w > 0 ? HierarchicalityRegulariser(weight: w) : nil
    }
}
