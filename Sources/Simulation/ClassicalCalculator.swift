import ClassicalPotentials
import Chemistry

/// A Stillinger–Weber potential as a ``ForceCalculator``, so optimisers and MD run on it
/// exactly as on a fitted model (energies in eV, forces in eV/Å, Float64).
///
/// Simulation depends on ClassicalPotentials (not the reverse), so the classical module
/// stays free of Autodiff and the model stack.
public final class ClassicalCalculator: ForceCalculator {
    /// The potential.
    public let potential: StillingerWeber
    /// Number of evaluations so far.
    public private(set) var calls = 0

    public init(_ potential: StillingerWeber) {
        self.potential = potential
    }

    /// Energy (eV) and forces (eV/Å) at `positions` (Å).
    ///
    /// - Throws: `DataError` for an element the potential does not describe, non-finite
    ///   positions or a degenerate cell.
    public func calculate(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?) throws -> EnergyAndForces {
        calls += 1
        let (energy, forces) = try potential.energyAndForces(atomicNumbers: atomicNumbers, positions: positions,
                                                             cell: cell, label: "calculator")
        return EnergyAndForces(energy: energy, forces: forces)
    }
}
