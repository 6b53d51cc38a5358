import Autodiff
import Chemistry
import Descriptors

/// An ANI-style potential: E_c = Σ_{i∈c} e_self[Z_i] + Σ_{i∈c} NN_{Z_i}(AEV_i(R)),
/// forces F = −∂E/∂R from the tape (never a second hand-written formula).
///
/// Energies in eV, positions in Å, forces in eV/Å. The self-energies are the task's
/// (`SelfEnergies`), so networks learn the residual.
public struct ANIPotential: Sendable {
    public var aev: AEVComputer
    public var networks: ElementNetworks
    public var selfEnergies: SelfEnergies

    public init(aev: AEVComputer, networks: ElementNetworks, selfEnergies: SelfEnergies) {
        precondition(aev.parameters.featureCount == networks.featureCount,
                     "AEV length \(aev.parameters.featureCount) ≠ network input \(networks.featureCount)")
        self.aev = aev
        self.networks = networks
        self.selfEnergies = selfEnergies
    }

    /// The ANI-1x architecture (Smith et al. 2017/2018): AEV `.ani1x` (384 features for
    /// H C N O) and per-element CELU networks H 160-128-96, C 144-112-96, N and O 128-112-96.
    public static func ani1x(selfEnergies: SelfEnergies, alpha: Double = 0.1) -> ANIPotential {
        let f = AEVParameters.ani1x.featureCount
        return ANIPotential(
            aev: AEVComputer(.ani1x),
            networks: ElementNetworks(widths: [1: [f, 160, 128, 96, 1], 6: [f, 144, 112, 96, 1],
                                               7: [f, 128, 112, 96, 1], 8: [f, 128, 112, 96, 1]], alpha: alpha),
            selfEnergies: selfEnergies)
    }

    /// What one evaluation returns.
    public struct Output<S: TensorScalar> {
        /// Total energies, shape `[B]`, eV.
        public var energies: Tensor<S>
        /// Forces, shape `[A, 3]`, eV/Å (when requested).
        public var forces: Tensor<S>?
    }

    /// Energies (and forces) of the conformations of `batch` at `positions` `[A, 3]`.
    ///
    /// - Parameters:
    ///   - topology: the AEV pairs and triplets of the same conformations (built once per
    ///     geometry, `AEVTopology(conformations:parameters:)`).
    ///   - withForces: compute F = −∂E/∂R.
    ///   - createGraph: keep the force graph so a loss on forces can be differentiated with
    ///     respect to `parameters` (force training).
    public func callAsFunction<S: TensorScalar>(
        positions: Tensor<S>, topology: AEVTopology, batch: AtomBatch, parameters: ParameterSet<S>,
        withForces: Bool = true, createGraph: Bool = false
    ) -> Output<S> {
        let r = withForces && !positions.requiresGrad ? positions.requiringGrad() : positions
        let features = aev(r, topology: topology)
        let network = networks.energies(features: features, batch: batch, parameters: parameters)
        let offsets = (0..<batch.conformationCount).map { c in
            S(selfEnergies.energy(of: Array(batch.atomicNumbers[batch.offsets[c]..<batch.offsets[c + 1]])))
        }
        let energies = network + Tensor(offsets)
        guard withForces else { return Output(energies: energies, forces: nil) }
        let dE = gradient(of: network.sum(), withRespectTo: r, createGraph: createGraph)
        return Output(energies: energies, forces: -dE)
    }
}
