import Chemistry
import Simulation

/// Relaxed torsion scans: the dihedral held exactly at each grid value and every other
/// degree of freedom relaxed with the model, as quantum-chemistry codes scan torsions
/// (e.g. Gaussian's `ModRedundant` scans; Kovács et al., J. Chem. Theory Comput. 17, 7696
/// (2021), doi:10.1021/acs.jctc.1c00647, for the 3BPA dihedral profiles).
///
/// Procedure for a bond with dihedral i–j–k–l:
/// 0. minimise the starting structure without constraints (BFGS to `fmax`/2, at most
///    4 × `maxSteps` steps): a structure from MD or a data set lies ~1 eV above its local
///    minimum, and without this the scan would keep releasing that energy point by point;
///    φ₀ is the minimum's dihedral and the grid is φ₀ + m·step;
/// 1. relax the minimum with φ held at φ₀;
/// 2. sweep forwards (m = 1, 2, …) and, for a full 360° scan, backwards (m = −1, −2, …):
///    turn the k side of the previous relaxed point of the sweep rigidly by ±`step` about
///    j→k (so φ is on the grid exactly and the start is a small step from a relaxed
///    structure) and relax it with φ held;
/// 3. at each grid point keep the lower-energy candidate of the two sweeps that keeps the
///    molecule intact: its covalent graph (``Connectivity``) equal to the minimum's and every
///    non-bonded pair beyond 1–3 at least `intactContactFactor` (1.5) × the sum of covalent
///    radii (``ContactCheck``; equilibrium CHNO molecules stay above ≈ 1.7, hydrogen bonds
///    ≈ 1.9, while an H drifting to 1.2 × onto an O is a proton transfer in the making). A relaxation that breaks or forms a bond or brings atoms
///    into a clash has found a hole of the model (atoms collapsing while the energy falls,
///    by eV in models trained on near-equilibrium data); it is counted
///    (`PointRelaxation.clashingCandidates`) and kept only when every candidate is broken
///    so (then the point is flagged). Two sweeps also remove most of the hysteresis of a
///    one-way continuation; the next step of a sweep starts from its own last intact point.
///
/// Each relaxation is FIRE on the forces with their component along ∂φ/∂R projected out,
/// the dihedral restored exactly after every step (``DihedralConstraint``), until the
/// largest projected force is below `fmax` or `maxSteps` steps were taken. The residual
/// |φ − φ_target| (≈ 1e-12°), the final projected fmax, the steps and whether it converged
/// are kept per point (``PointRelaxation``); the molecule may translate and rotate as a
/// whole.
public struct RelaxedTorsionScan {
    public let calculator: any ForceCalculator
    /// Convergence threshold on the largest projected force, eV/Å.
    public var fmax: Double
    /// Most FIRE steps per point.
    public var maxSteps: Int
    /// Closest non-bonded contact (× covalent-radius sum) below which a relaxed candidate
    /// counts as broken (``ContactCheck``); stricter than the clash flag of the tables.
    public var intactContactFactor: Double

    public init(calculator: any ForceCalculator, fmax: Double = 0.05, maxSteps: Int = 300, intactContactFactor: Double = 1.5) {
        self.calculator = calculator
        self.fmax = fmax
        self.maxSteps = maxSteps
        self.intactContactFactor = intactContactFactor
    }

    /// One relaxed candidate of a grid point; `broken` when it is not ``Intactness/intact(_:)``.
    struct Candidate {
        var positions: [SIMD3<Double>]
        var energy: Double
        var broken: Bool
        var record: PointRelaxation
    }

    /// Whether a relaxed geometry is still the scanned molecule: the covalent graph of the
    /// structure (``Connectivity``) and, for ``intact(_:)``, no non-bonded contact below the
    /// relaxer's `intactContactFactor` × the radius sum (``ContactCheck``). Relaxed scans and
    /// torsion maps judge their candidates by it.
    struct Intactness {
        let template: Conformation
        let graph: Set<[Int]>
        let contacts: ContactCheck

        init(_ builder: ScanBuilder, contactFactor: Double) {
            template = builder.conformation
            graph = Set(builder.connectivity.bonds.map { [$0.i, $0.j] })
            contacts = ContactCheck(builder.connectivity, clashFactor: contactFactor)
        }

        /// Same covalent graph as the structure (no bond formed or broken).
        func sameGraph(_ p: [SIMD3<Double>]) -> Bool {
            var c = template
            c.positions = p
            return (try? Connectivity(c)).map { Set($0.bonds.map { [$0.i, $0.j] }) == graph } ?? false
        }

        /// Same covalent graph and no contact below the intact factor.
        func intact(_ p: [SIMD3<Double>]) -> Bool { sameGraph(p) && !contacts.clashes(p) }
    }

    /// Relaxes `start` (positions of `check`'s structure) with FIRE, `constraint` held.
    func relax(_ start: [SIMD3<Double>], holding constraint: DihedralConstraint, _ check: Intactness) throws -> Candidate {
        var c = check.template
        c.positions = start
        let result = try FIRE().minimize(c, calculator: calculator, fmax: fmax, maxSteps: maxSteps, constraint: constraint)
        let q = result.structure.positions
        return Candidate(positions: q, energy: result.energy, broken: !check.intact(q),
                         record: PointRelaxation(heldResidual: constraint.largestDeviation(q), fmax: result.fmax,
                                                 steps: result.steps, converged: result.converged))
    }

    /// The relaxed scan of `bond` of `builder`'s structure: the grid of
    /// `torsionScan(bond, step:, span:)` started at the minimised structure, `mode` `.relaxed`.
    public func scan(_ builder: ScanBuilder, bond: RotatableBond, step: Double = 10, span: Double = 360) throws -> ScanPath {
        let check = Intactness(builder, contactFactor: intactContactFactor)
        // The minimum, unless the model's minimisation breaks the molecule (then the start as given).
        var minimum = try minimised(builder.conformation)
        if !check.sameGraph(minimum) { minimum = builder.conformation.positions }
        var relaxedStart = builder.conformation
        relaxedStart.positions = minimum
        var path = try ScanBuilder(relaxedStart).torsionScan(bond, step: step, span: span)
        let n = path.count
        func relax(_ p: [SIMD3<Double>], target: Double) throws -> Candidate {
            try self.relax(p, holding: DihedralConstraint([.init(atoms: bond.dihedral, target: Geometry.wrapDegrees(target),
                                                                 movingAtoms: bond.movingAtoms)]), check)
        }
        var candidates = [[Candidate]](repeating: [], count: n)
        let first = try relax(minimum, target: path.coordinates[0])
        candidates[0].append(first)
        // A sweep continues from its last intact point (the constraint turns it onto the
        // next grid value), so one hole does not carry the rest of the sweep with it.
        var previous = first.positions
        for m in 1..<n {
            let c = try relax(previous, target: path.coordinates[m])
            candidates[m].append(c)
            if !c.broken { previous = c.positions }
        }
        if path.isPeriodic {
            previous = first.positions
            for m in stride(from: n - 1, through: 1, by: -1) {
                let c = try relax(previous, target: path.coordinates[m])
                candidates[m].append(c)
                if !c.broken { previous = c.positions }
            }
        }
        var records: [PointRelaxation] = []
        for m in 0..<n {
            let physical = candidates[m].filter { !$0.broken }
            let best = (physical.isEmpty ? candidates[m] : physical).min { $0.energy < $1.energy }!
            var point = path.conformations[m]
            point.positions = best.positions
            path.conformations[m] = point
            var record = best.record
            record.candidates = candidates[m].count
            record.clashingCandidates = candidates[m].filter(\.broken).count
            records.append(record)
        }
        path.mode = .relaxed
        path.relaxation = records
        return path
    }

    /// The positions of `c` minimised without constraints (BFGS, fmax/2, at most 4 × maxSteps).
    public func minimised(_ c: Conformation) throws -> [SIMD3<Double>] {
        try BFGS().minimize(c, calculator: calculator, fmax: fmax / 2, maxSteps: 4 * maxSteps).structure.positions
    }
}
