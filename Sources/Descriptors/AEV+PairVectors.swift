// The composed ANI AEV as a function of the pair vectors (the route of the virial).

import Autodiff

extension AEVComputer {
    /// The AEVs `[N, featureCount]` of ``composed(_:topology:)`` from the pair vectors r_ij
    /// `[P, 3]` (Å) of `topology` (``NeighbourTopology/pairVectors(_:)``), differentiable in
    /// them to any order.
    ///
    /// The fused kernel (``callAsFunction(_:topology:)``) differentiates in the positions
    /// only and never exposes ∂E/∂r_ij per pair, so the virial of an ANI model is taken
    /// through this composition: the same AEV in tensor primitives (tested against the fused
    /// kernel), slower and larger on the tape, used only when a virial or stress is asked for.
    public func composed<Scalar>(pairVectors u: Tensor<Scalar>, topology: NeighbourTopology) -> Tensor<Scalar> {
        precondition(u.shape == [topology.pairCount, 3], "pair vectors \(u.shape) for \(topology.pairCount) pairs")
        let d = (u * u).sum(alongAxes: [1], keepingDims: true).safeSqrt(Scalar(1e-12))  // [P, 1]
        let radial = radialPart(d, topology: topology)
        guard topology.tripletCount > 0 else {
            let zeros = Tensor<Scalar>.zeros(shape: [topology.atomCount, parameters.angularLength])
            return Tensor.concatenate([radial, zeros], alongAxis: 1)
        }
        return Tensor.concatenate([radial, angularPart(u, d, topology: topology)], alongAxis: 1)
    }
}
