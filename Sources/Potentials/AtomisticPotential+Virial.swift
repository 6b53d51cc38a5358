import Autodiff
import Chemistry
import Descriptors

/// Energies, forces and virials of a batch (``AtomisticPotential/virials(positions:topology:batch:parameters:)``).
public struct PotentialVirialOutput<S: TensorScalar> {
    /// Total energies (self-energies included), shape `[B]`, eV.
    public var energies: Tensor<S>
    /// Forces F = −∂E/∂R, shape `[A, 3]`, eV/Å.
    public var forces: Tensor<S>
    /// The virial W = −∂E/∂ε of each conformation, shape `[B]` (see ``Virial``), eV.
    public var virials: [Virial]
}

extension AtomisticPotential {
    /// Total energies, forces and virials of the conformations of `batch` at `positions`
    /// `[A, 3]` (Å) with the pairs of `topology`, from one reverse sweep through
    /// ``networkEnergies(pairVectors:topology:batch:parameters:)``.
    ///
    /// With g_ij = ∂E/∂r_ij `[P, 3]` taken at the pair vectors r_ij (a graph leaf):
    ///
    ///     F_k  = Σ_{pairs i→j} g_ij (δ_ki − δ_kj)          (= −∂E/∂r_k, eV/Å)
    ///     W_c  = −Σ_{pairs of c} r_ij ⊗ g_ij                (eV)
    ///
    /// exact for periodic cells (image shifts enter through r_ij) and for message-passing
    /// models (see ``Virial``). The forces equal those of ``callAsFunction(positions:topology:batch:parameters:withForces:createGraph:)``
    /// up to rounding; a model with a fused positions route (ANI) takes its composed route
    /// here. Values only (no graph is kept for training).
    public func virials<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                         parameters: ParameterSet<S>) -> PotentialVirialOutput<S> {
        let atoms = topology.atomCount, pairs = topology.pairCount
        let selfEnergies = Tensor((0..<batch.conformationCount).map { c in
            S(self.selfEnergies.energy(of: Array(batch.atomicNumbers[batch.offsets[c]..<batch.offsets[c + 1]])))
        })
        guard pairs > 0 else {
            // No pair within the cutoff: the network energy does not depend on the geometry.
            let network = networkEnergies(positions: positions.detached(), topology: topology, batch: batch,
                                          parameters: parameters.detached())
            return PotentialVirialOutput(energies: network.detached() + selfEnergies,
                                         forces: Tensor.zeros(shape: [atoms, 3]),
                                         virials: Array(repeating: .zero, count: batch.conformationCount))
        }
        let vectors = topology.pairVectors(positions.detached()).detached().requiringGrad()
        let network = networkEnergies(pairVectors: vectors, topology: topology, batch: batch, parameters: parameters.detached())
        let g = gradient(of: network.sum(), withRespectTo: vectors).scalars.map { Double($0) }
        let u = vectors.scalars.map { Double($0) }
        var forces = [Double](repeating: 0, count: 3 * atoms)
        var virials = [[SIMD3<Double>]](repeating: [.zero, .zero, .zero], count: batch.conformationCount)
        for p in 0..<pairs {
            let i = topology.centers[p], j = topology.neighbours[p]
            let gp = SIMD3(g[3 * p], g[3 * p + 1], g[3 * p + 2])
            for x in 0..<3 {
                forces[3 * i + x] += gp[x]
                forces[3 * j + x] -= gp[x]
            }
            let c = batch.conformationOfAtom[i]
            for a in 0..<3 { virials[c][a] -= u[3 * p + a] * gp }
        }
        return PotentialVirialOutput(energies: network.detached() + selfEnergies,
                                     forces: Tensor(shape: [atoms, 3], scalars: forces.map { S($0) }),
                                     virials: virials.map { Virial(matrix: $0) })
    }
}
