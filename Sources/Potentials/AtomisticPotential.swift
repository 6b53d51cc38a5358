import Autodiff
import Chemistry
import Descriptors

/// What every MetaMLIP model is: E_c = Σ_{i∈c} e_self[Z_i] + E_net(R_c; θ), with forces
/// F = −∂E/∂R taken from the tape (never a second hand-written formula).
///
/// A model is a value: its architecture (hyperparameters) and self-energies. Its learnable
/// parameters θ live apart, in one `ParameterSet`, so training, meta-learning (Reptile,
/// MAML) and refitting treat every architecture the same way — `var learner = meta`.
///
/// Conformers implement ``networkEnergies(positions:topology:batch:parameters:)``: the
/// network part, differentiable in positions and parameters. Energies in eV, positions in
/// Å, forces in eV/Å.
public protocol AtomisticPotential: Sendable {
    /// The architecture, enough to rebuild the model (stored in model files).
    var architecture: ModelArchitecture { get }
    /// Atomic numbers the model can evaluate.
    var elements: [Int] { get }
    /// One-body reference energies of the level of theory the model is fitted to.
    var selfEnergies: SelfEnergies { get set }
    /// Cutoffs and species of the neighbour topology the model evaluates on.
    var neighbourRequest: NeighbourRequest { get }
    /// Number of layers from input (0) to readout (`layerCount − 1`), for freezing.
    var layerCount: Int { get }

    /// Random initial parameters, deterministic in `generator`.
    func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_: S.Type, using generator: inout G) -> ParameterSet<S>

    /// The layer (0 = nearest the input, `layerCount − 1` = readout) that parameter `name`
    /// belongs to.
    func layer(ofParameter name: String) -> Int

    /// Network energies, shape `[B]` (eV, without self-energies), of the conformations of
    /// `batch` at `positions` `[A, 3]` (Å) with the pairs and triplets of `topology`.
    ///
    /// The default is ``networkEnergies(pairVectors:topology:batch:parameters:)`` of
    /// `topology.pairVectors(positions)`; a model with a faster route in the positions (ANI's
    /// fused AEV) implements it itself, with the same values.
    func networkEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                          parameters: ParameterSet<S>) -> Tensor<S>

    /// The same network energies `[B]` (eV) as a function of the pair vectors
    /// r_ij = r_j + shift_ij − r_i `[P, 3]` (Å) of `topology`'s radial pairs
    /// (``NeighbourTopology/pairVectors(_:)``), differentiable in them.
    ///
    /// Every model kind is a function of its pair vectors alone (descriptors and messages are
    /// built from them); this requirement states it, and it is what makes the virial
    /// W = −Σ_ij r_ij ⊗ ∂E/∂r_ij (``virials(positions:topology:batch:parameters:)``) exact for
    /// periodic cells, image shifts included, for descriptor and message-passing models alike.
    func networkEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                          parameters: ParameterSet<S>) -> Tensor<S>
}

/// Energies and (optionally) forces of a batch.
public struct PotentialOutput<S: TensorScalar> {
    /// Total energies, shape `[B]`, eV.
    public var energies: Tensor<S>
    /// Forces, shape `[A, 3]`, eV/Å (when requested).
    public var forces: Tensor<S>?
}

extension AtomisticPotential {
    /// ``networkEnergies(pairVectors:topology:batch:parameters:)`` of the pair vectors of
    /// `positions`.
    public func networkEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        networkEnergies(pairVectors: topology.pairVectors(positions), topology: topology, batch: batch, parameters: parameters)
    }

    /// Random `Float` parameters.
    public func initialParameters<G: RandomNumberGenerator>(using generator: inout G) -> ParameterSet<Float> {
        initialParameters(Float.self, using: &generator)
    }

    /// The random `Float` parameters a training run with `seed` starts from (drawn from
    /// `SeededGenerator(seed: seed ^ 0x5EED_1A17)`, a stream apart from the run's shuffles).
    public func initialParameters(seed: UInt64) -> ParameterSet<Float> {
        var generator = SeededGenerator(seed: seed ^ 0x5EED_1A17)
        return initialParameters(using: &generator)
    }

    /// Atomic numbers in `atomicNumbers` the model cannot evaluate (empty when all are).
    public func unsupported(_ atomicNumbers: [Int]) -> [Int] {
        Array(Set(atomicNumbers).subtracting(elements)).sorted()
    }

    /// The neighbour topology of one conformation (build once per fixed geometry).
    public func topology(of conformation: Conformation, label: String = "model") throws -> NeighbourTopology {
        try NeighbourTopology(conformation: conformation, request: neighbourRequest, label: label)
    }

    /// The neighbour topology of several conformations as one set of atoms.
    public func topology(of conformations: [Conformation], label: String = "model") throws -> NeighbourTopology {
        try NeighbourTopology(conformations: conformations, request: neighbourRequest, label: label)
    }

    /// Network energies `[B]` and, with `withForces`, forces `[A, 3]` = −∂E_net/∂R
    /// (self-energies do not depend on positions).
    ///
    /// - Parameter createGraph: keep the force graph so a loss on forces can be
    ///   differentiated with respect to `parameters` (force training).
    public func networkEnergiesAndForces<S: TensorScalar>(
        positions: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch, parameters: ParameterSet<S>,
        withForces: Bool = true, createGraph: Bool = false
    ) -> (energies: Tensor<S>, forces: Tensor<S>?) {
        let r = withForces && !positions.requiresGrad ? positions.requiringGrad() : positions
        let energies = networkEnergies(positions: r, topology: topology, batch: batch, parameters: parameters)
        guard withForces else { return (energies, nil) }
        return (energies, -gradient(of: energies.sum(), withRespectTo: r, createGraph: createGraph))
    }

    /// Total energies (self-energies + network) and forces of the conformations of `batch`.
    public func callAsFunction<S: TensorScalar>(
        positions: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch, parameters: ParameterSet<S>,
        withForces: Bool = true, createGraph: Bool = false
    ) -> PotentialOutput<S> {
        let (network, forces) = networkEnergiesAndForces(positions: positions, topology: topology, batch: batch,
                                                         parameters: parameters, withForces: withForces,
                                                         createGraph: createGraph)
        let offsets = (0..<batch.conformationCount).map { c in
            S(selfEnergies.energy(of: Array(batch.atomicNumbers[batch.offsets[c]..<batch.offsets[c + 1]])))
        }
        return PotentialOutput(energies: network + Tensor(offsets), forces: forces)
    }

    /// Total energies and forces of conformations, building their topology.
    public func evaluate<S: TensorScalar>(_ conformations: [Conformation], parameters: ParameterSet<S>,
                                          withForces: Bool = true) throws -> PotentialOutput<S> {
        let topology = try topology(of: conformations)
        return self(positions: Tensor(positions: conformations.flatMap(\.positions)), topology: topology,
                    batch: AtomBatch(conformations), parameters: parameters, withForces: withForces)
    }
}
