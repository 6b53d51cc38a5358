import Chemistry

/// One step of a relaxation as an observer sees it.
public struct OptimizationStep: Sendable {
    /// Steps taken so far (0 = the starting structure).
    public var step: Int
    /// Energy, eV.
    public var energy: Double
    /// Largest force norm over the free atoms, eV/Å.
    public var fmax: Double
    /// Positions, shape (N,), Å.
    public var positions: [SIMD3<Double>]
    /// Forces with the fixed atoms' rows zeroed, shape (N,), eV/Å.
    public var forces: [SIMD3<Double>]
}

/// The outcome of a relaxation.
public struct OptimizationResult: Sendable {
    /// The final structure: positions (Å), the calculator's energy (eV) and forces (eV/Å,
    /// fixed atoms' rows zeroed, as ASE's `get_forces` reports them under `FixAtoms`).
    public var structure: Conformation
    /// Final energy, eV.
    public var energy: Double { structure.energy }
    /// Largest force norm over the free atoms at the end, eV/Å.
    public var fmax: Double
    /// Optimiser steps taken (each one force evaluation).
    public var steps: Int
    /// Whether `fmax` fell below the target within the allowed steps.
    public var converged: Bool
    /// Energy after each step, the first at the start, eV.
    public var energies: [Double]
}

/// What an optimiser keeps between steps: it maps the current coordinates and forces of the
/// free atoms (flattened, shape (3N_free,), Å and eV/Å, three consecutive numbers per
/// atom) to the next coordinates.
public protocol OptimizerStepper {
    mutating func nextPositions(_ x: [Double], forces f: [Double], energy: Double) -> [Double]
}

/// A local geometry optimiser (``FIRE``, ``BFGS``).
///
/// Relaxations are ASE-like: forces are evaluated, fmax = max over free atoms of |F_i| is
/// compared with the target, and a step is taken while it is not below it and fewer than
/// `maxSteps` steps were taken.
///
/// Fixed atoms are removed from the optimisation: the stepper sees only the free atoms'
/// coordinates and forces, so fixed positions never change (bit for bit) and their forces
/// are zeroed in the result. Internal coordinates are held with a ``GeometryConstraint``
/// (e.g. ``DihedralConstraint`` for relaxed torsion scans and 2-D torsion maps), which
/// projects the forces and restores the positions after every step.
public protocol GeometryOptimizer: Sendable {
    associatedtype Stepper: OptimizerStepper
    /// A fresh stepper for `dimension` = 3 × (number of free atoms) coordinates.
    func makeStepper(dimension: Int) -> Stepper
}

extension GeometryOptimizer {
    /// Relaxes `start` (its atoms, positions and cell; its labels are ignored).
    ///
    /// - Parameters:
    ///   - fmax: convergence threshold on the largest free-atom force norm, eV/Å.
    ///   - maxSteps: the most optimiser steps (force evaluations after the first).
    ///   - fixed: indices of atoms that do not move.
    ///   - constraint: coordinates held exactly (e.g. ``DihedralConstraint``): forces are
    ///     projected before fmax is measured and the stepper sees them, and positions are
    ///     restored after every step. `start` should satisfy it (it is restored first).
    ///   - observer: called at the start and after every step.
    /// - Throws: `DataError` for a fixed index out of range, or from the calculator.
    public func minimize(_ start: Conformation, calculator: any ForceCalculator, fmax: Double = 0.05,
                         maxSteps: Int = 1000, fixed: Set<Int> = [], constraint: (any GeometryConstraint)? = nil,
                         observer: ((OptimizationStep) throws -> Void)? = nil) throws -> OptimizationResult {
        let n = start.atomCount
        if let bad = fixed.first(where: { !(0..<n).contains($0) }) {
            throw DataError(file: "optimizer", item: "fixed atoms", "atom index \(bad) is out of range 0..<\(n)")
        }
        let free = (0..<n).filter { !fixed.contains($0) }
        var positions = start.positions
        constraint?.restore(&positions)
        func evaluate() throws -> (EnergyAndForces, Double) {
            var result = try calculator.calculate(atomicNumbers: start.atomicNumbers, positions: positions, cell: start.cell)
            for i in fixed { result.forces[i] = .zero }
            if let constraint {
                constraint.project(&result.forces, positions: positions)
                for i in fixed { result.forces[i] = .zero }
            }
            let largest = free.map { (result.forces[$0] * result.forces[$0]).sum() }.max() ?? 0
            return (result, largest.squareRoot())
        }
        var stepper = makeStepper(dimension: 3 * free.count)
        var (current, currentFmax) = try evaluate()
        var energies = [current.energy]
        var steps = 0
        while true {
            try observer?(OptimizationStep(step: steps, energy: current.energy, fmax: currentFmax,
                                           positions: positions, forces: current.forces))
            if currentFmax < fmax || steps >= maxSteps || free.isEmpty { break }
            let x = free.flatMap { [positions[$0].x, positions[$0].y, positions[$0].z] }
            let f = free.flatMap { [current.forces[$0].x, current.forces[$0].y, current.forces[$0].z] }
            let next = stepper.nextPositions(x, forces: f, energy: current.energy)
            for (k, i) in free.enumerated() { positions[i] = SIMD3(next[3 * k], next[3 * k + 1], next[3 * k + 2]) }
            constraint?.restore(&positions)
            (current, currentFmax) = try evaluate()
            energies.append(current.energy)
            steps += 1
        }
        let structure = Conformation(atomicNumbers: start.atomicNumbers, positions: positions, cell: start.cell,
                                     energy: current.energy, forces: current.forces, properties: start.properties)
        return OptimizationResult(structure: structure, fmax: currentFmax, steps: steps,
                                  converged: currentFmax < fmax, energies: energies)
    }
}

/// v · w of two flat vectors.
@inline(__always)
func _dot(_ v: [Double], _ w: [Double]) -> Double {
    var s = 0.0
    for i in v.indices { s += v[i] * w[i] }
    return s
}
