import Autodiff
import Chemistry
import Descriptors
import Potentials

/// The energy (eV) and forces (shape (N,) of xyz, eV/Å) of one configuration.
public struct EnergyAndForces: Equatable, Sendable {
    /// Total energy, eV.
    public var energy: Double
    /// Forces F = −∂E/∂R, one row per atom, eV/Å.
    public var forces: [SIMD3<Double>]
    /// The virial W = −∂E/∂ε (eV, see ``Potentials/Virial``) when it was asked for, else nil.
    public var virial: Virial?

    public init(energy: Double, forces: [SIMD3<Double>], virial: Virial? = nil) {
        self.energy = energy
        self.forces = forces
        self.virial = virial
    }
}

/// Anything that gives the energy and forces of one configuration: what optimisers and
/// integrators drive. A class, so a run can count its evaluations.
public protocol ForceCalculator: AnyObject {
    /// Number of evaluations so far.
    var calls: Int { get }

    /// Energy (eV) and forces (eV/Å) of atoms `atomicNumbers` (shape (N,)) at `positions`
    /// (shape (N,) of xyz, Å) in `cell` (`nil` for a molecule).
    func calculate(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?) throws -> EnergyAndForces
}

/// A fitted potential as a ``ForceCalculator``: evaluates `potential` with `parameters` in
/// Float64, one configuration at a time, rebuilding the neighbour topology on every call
/// (so atoms may move any distance between calls; no skin, no stale pairs).
///
/// Energies include the model's self-energies (eV); forces are −∂E/∂R from the tape (eV/Å).
/// The atom batch is cached for the last atomic numbers, so an MD run or a relaxation
/// allocates only the topology and the tape per call.
public final class PotentialCalculator: ForceCalculator {
    /// The model.
    public let potential: any AtomisticPotential
    /// Its parameters, Float64.
    public let parameters: ParameterSet<Double>
    /// Number of evaluations so far.
    public private(set) var calls = 0

    private var batch: AtomBatch?

    /// A calculator for `potential` with Float64 `parameters`.
    public init(potential: any AtomisticPotential, parameters: ParameterSet<Double>) {
        self.potential = potential
        self.parameters = parameters
    }

    /// A calculator for `potential` with `Float` parameters (as trained and stored in model
    /// files), converted once to Float64.
    public convenience init(potential: any AtomisticPotential, parameters: ParameterSet<Float>) {
        self.init(potential: potential, parameters: parameters.converted(to: Double.self))
    }

    /// Throws a `DataError` naming `file` and `item` when `atomicNumbers` holds an element
    /// the model has no network for.
    public func checkElements(_ atomicNumbers: [Int], file: String, item: String? = nil) throws {
        let missing = potential.unsupported(atomicNumbers)
        guard missing.isEmpty else {
            throw DataError(file: file, item: item,
                            "elements \(missing.map { Element.symbol(for: $0) }) are not among the model's elements \(potential.elements.map { Element.symbol(for: $0) })")
        }
    }

    /// Energy (eV, self-energies included) and forces (eV/Å) at `positions` (Å).
    ///
    /// - Throws: `DataError` for an element the model lacks or non-finite positions.
    public func calculate(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?) throws -> EnergyAndForces {
        try calculate(atomicNumbers: atomicNumbers, positions: positions, cell: cell, withVirial: false)
    }

    /// Energy, forces and, with `withVirial`, the virial W = −∂E/∂ε (eV; defined for
    /// molecules and cells alike, see ``Potentials/Virial``; ASE's stress is
    /// `virial.stress(in: cell)`). The virial takes the model's pair-vector route
    /// (``Potentials/AtomisticPotential/virials(positions:topology:batch:parameters:)``).
    ///
    /// - Throws: `DataError` for an element the model lacks or non-finite positions.
    public func calculate(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?,
                          withVirial: Bool) throws -> EnergyAndForces {
        calls += 1
        if batch?.atomicNumbers != atomicNumbers { batch = AtomBatch(atomicNumbers: [atomicNumbers]) }
        let topology = try NeighbourTopology(positions: positions, atomicNumbers: atomicNumbers, cell: cell,
                                             request: potential.neighbourRequest, label: "calculator")
        let r = Tensor<Double>(positions: positions)
        let energy: Double, f: [Double], virial: Virial?
        if withVirial {
            let output = potential.virials(positions: r, topology: topology, batch: batch!, parameters: parameters)
            (energy, f, virial) = (output.energies.scalars[0], output.forces.scalars, output.virials[0])
        } else {
            let output = potential(positions: r, topology: topology, batch: batch!, parameters: parameters, withForces: true)
            (energy, f, virial) = (output.energies.scalars[0], output.forces!.scalars, nil)
        }
        var forces = [SIMD3<Double>](repeating: .zero, count: positions.count)
        for i in forces.indices { forces[i] = SIMD3(f[3 * i], f[3 * i + 1], f[3 * i + 2]) }
        return EnergyAndForces(energy: energy, forces: forces, virial: virial)
    }
}
