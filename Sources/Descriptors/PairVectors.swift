// The pair vectors every model kind evaluates its energy from.

import Autodiff

extension NeighbourTopology {
    /// The pair vectors r_ij = r_j + shift_ij − r_i of every radial pair (i → j) of this
    /// topology, `[P, 3]` (Å), differentiable in `positions` `[A, 3]` (Å).
    ///
    /// Every MetaMLIP model is a function of these vectors alone (descriptors and messages
    /// are built from them), which is what makes its energy translation invariant and lets
    /// ``Potentials`` take the virial W = −Σ_ij r_ij ⊗ ∂E/∂r_ij exactly, image shifts
    /// included.
    public func pairVectors<S: TensorScalar>(_ positions: Tensor<S>) -> Tensor<S> {
        precondition(positions.shape == [atomCount, 3], "positions \(positions.shape) for \(atomCount) atoms")
        let shiftTensor = Tensor<S>(shape: [pairCount, 3], scalars: shifts.map { S($0) })
        return positions.gather(indices: neighbours) - positions.gather(indices: centers) + shiftTensor
    }
}
