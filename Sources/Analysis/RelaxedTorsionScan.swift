import Chemistry
import Simulation

/// Relaxed torsion scans: the dihedral held exactly at each grid value and every other
/// degree of freedom relaxed with the model, as quantum-chemistry codes scan torsions
/// (e.g. Gaussian's `ModRedundant` scans; Kovács et al., J. Chem. Theory Comput. 17, 7696
/// (2021), doi:10.1021/acs.jctc.1c00647, for the 3BPA dihedral profiles).
///
/// Procedure for a bond with dihedral i–j–k–l starting at φ₀ (the structure's value):
/// 1. relax the starting structure with φ held at φ₀;
/// 2. for m = 1, 2, …: turn the k side of the previous relaxed point rigidly by `step`
///    about j→k (so φ = φ₀ + m·step exactly and the start is a small step from a relaxed
///    structure, never a clash) and relax it with φ held (continuation, one direction).
///
/// Each relaxation is FIRE on the forces with their component along ∂φ/∂R projected out,
/// the dihedral restored exactly after every step (``DihedralConstraint``), until the
/// largest projected force is below `fmax` or `maxSteps` steps were taken. The residual
/// |φ − φ_target| (≈ 1e-12°), the final projected fmax, the steps and whether it converged
/// are kept per point (``PointRelaxation``); the molecule may translate and rotate as a
/// whole. A full 360° scan is one sweep: the last point need not join the first exactly
/// (hysteresis of the continuation shows as a step between them).
public struct RelaxedTorsionScan {
    public let calculator: any ForceCalculator
    /// Convergence threshold on the largest projected force, eV/Å.
    public var fmax: Double
    /// Most FIRE steps per point.
    public var maxSteps: Int

    public init(calculator: any ForceCalculator, fmax: Double = 0.01, maxSteps: Int = 500) {
        self.calculator = calculator
        self.fmax = fmax
        self.maxSteps = maxSteps
    }

    /// The relaxed scan of `bond` of `builder`'s structure: the same grid and name as
    /// `builder.torsionScan(bond, step:, span:)`, with `mode` `.relaxed`.
    public func scan(_ builder: ScanBuilder, bond: RotatableBond, step: Double = 10, span: Double = 360) throws -> ScanPath {
        var path = builder.torsionScan(bond, step: step, span: span)
        let d = bond.dihedral
        let origin = { (p: [SIMD3<Double>]) in p[bond.k] }
        var previous: [SIMD3<Double>]? = nil
        var records: [PointRelaxation] = []
        for m in 0..<path.count {
            let target = path.coordinates[m]
            var start = path.conformations[m]
            if var p = previous {
                let axisVector = origin(p) - p[bond.j]
                let axis = axisVector / Geometry.norm(axisVector)
                let o = origin(p)
                for a in bond.movingAtoms { p[a] = Geometry.rotate(p[a], about: o, axis: axis, by: step * .pi / 180) }
                start.positions = p
            }
            let constraint = DihedralConstraint([.init(atoms: d, target: Geometry.wrapDegrees(target), movingAtoms: bond.movingAtoms)])
            let result = try FIRE().minimize(start, calculator: calculator, fmax: fmax, maxSteps: maxSteps, constraint: constraint)
            var point = path.conformations[m]
            point.positions = result.structure.positions
            path.conformations[m] = point
            previous = result.structure.positions
            records.append(PointRelaxation(heldResidual: constraint.largestDeviation(result.structure.positions),
                                           fmax: result.fmax, steps: result.steps, converged: result.converged))
        }
        path.mode = .relaxed
        path.relaxation = records
        return path
    }
}
