import Chemistry
import Simulation

/// A dihedral i–j–k–l named by its atoms, with the atoms a turn about j–k moves (the k
/// side of the bond).
extension ScanBuilder {
    /// The four integers of a dihedral written "i j k l" (spaces or commas), any sign, or
    /// `nil`: the one spelling of reference-scan files, manifests and the command line
    /// (each checks the values against its structure).
    public static func dihedralAtoms(parsing text: String) -> [Int]? {
        let atoms = text.split(whereSeparator: { $0 == " " || $0 == "," }).map { Int($0) }
        guard atoms.count == 4, atoms.allSatisfy({ $0 != nil }) else { return nil }
        return atoms.map { $0! }
    }

    /// The torsion of the dihedral `atoms` = [i, j, k, l] (0-based): j–k must be a bond of
    /// the structure outside any ring, i bonded to j and l to k; the k side moves.
    /// - Throws: `DataError` naming `file` and `item` otherwise.
    public func torsion(_ atoms: [Int], file: String, item: String) throws -> RotatableBond {
        let n = conformation.atomCount
        guard atoms.count == 4, Set(atoms).count == 4, atoms.allSatisfy({ (0..<n).contains($0) }) else {
            throw DataError(file: file, item: item, "a dihedral needs four distinct atom indices in 0..<\(n), got \(atoms)")
        }
        let (i, j, k, l) = (atoms[0], atoms[1], atoms[2], atoms[3])
        let bonded = Set(connectivity.bonds.map { [min($0.i, $0.j), max($0.i, $0.j)] })
        for (a, b) in [(i, j), (j, k), (k, l)] where !bonded.contains([min(a, b), max(a, b)]) {
            throw DataError(file: file, item: item, "atoms \(a) and \(b) are not bonded in the structure")
        }
        let moving = connectivity.movingSide(of: j, k)
        guard moving.count >= 2 else {  // movingSide gives [k] alone for a ring bond
            throw DataError(file: file, item: item, "bond \(j)–\(k) lies in a ring: a torsion about it cannot turn one side alone")
        }
        let bond = connectivity.bonds.first { Set([$0.i, $0.j]) == Set([j, k]) }!
        return RotatableBond(bond: bond, dihedral: atoms, movingAtoms: moving, isTerminal: false)
    }
}

/// A 2-D relaxed torsion map: two dihedrals φ₁ (`first`) and φ₂ (`second`) held on a grid,
/// optionally further dihedrals held at fixed angles, and every other degree of freedom
/// relaxed with the model — the α–γ maps of the 3BPA benchmark at fixed β (Kovács et al.,
/// J. Chem. Theory Comput. 17, 7696 (2021), doi:10.1021/acs.jctc.1c00647, Fig. 7).
///
/// Procedure:
/// 0. the structure is minimised without constraints (``RelaxedTorsionScan/minimised(_:)``);
///    φ₁⁰, φ₂⁰ are its dihedrals and the grid is (φ₁⁰ + a·step, φ₂⁰ + b·step),
///    a, b = 0 … 360/step − 1; a held dihedral without an angle is held at the minimum's;
/// 1. points are visited row by row; point (a, b) is relaxed from the last intact geometry
///    of its left neighbour (a, b − 1) and, for a > 0, of its lower neighbour (a − 1, b)
///    (the constraint turns each start onto the point's angles exactly), so every point
///    but the first has two candidates from different directions, which removes most of the
///    hysteresis of a one-way continuation;
/// 2. each point keeps its lowest candidate that keeps the molecule intact (the covalent
///    graph of the minimum and no non-bonded contact below `intactContactFactor` × the
///    radius sum), as in ``RelaxedTorsionScan``; a point whose candidates all break is a
///    hole of the model (kept, flagged);
/// 3. refinement sweeps (at most `refinementSweeps`, until one changes nothing): every
///    point is relaxed again from each of its four periodic neighbours that is intact and
///    lies more than 1 meV below it (every intact neighbour for a hole), and keeps an intact
///    result that is lower. A relaxed map is the
///    lowest energy over everything not held; continuation alone leaves points stuck in a
///    higher basin of the free coordinates (other torsions, ring puckers), which shows as
///    jumps of hundreds of meV between neighbouring points. Refinement removes most of
///    them; what remains is reported by the roughness and minima of ``TorsionMapMetrics``.
/// Relaxations are FIRE with ``DihedralConstraint`` holding every dihedral to ~1e-12°.
public struct RelaxedTorsionMap {
    /// A dihedral held at `angle` (degrees) during the whole map; `nil`: at the minimum's value.
    public struct Held: Sendable, Equatable {
        public var torsion: RotatableBond
        public var angle: Double?
        public init(_ torsion: RotatableBond, angle: Double? = nil) { self.torsion = torsion; self.angle = angle }
    }

    public var relaxer: RelaxedTorsionScan
    /// Most refinement sweeps after the first pass (step 3).
    public var refinementSweeps: Int

    public init(relaxer: RelaxedTorsionScan, refinementSweeps: Int = 2) {
        self.relaxer = relaxer
        self.refinementSweeps = refinementSweeps
    }

    /// The map of `first` × `second` of `builder`'s structure on a `step`° grid (360/step
    /// must be a whole number ≥ 3), with `held` dihedrals fixed throughout.
    public func map(_ builder: ScanBuilder, first: RotatableBond, second: RotatableBond, held: [Held] = [],
                    step: Double) throws -> TorsionMap {
        let count = Int((360 / step).rounded())
        precondition(step > 0 && abs(Double(count) * step - 360) < 1e-9 && count >= 3,
                     "the map step must divide 360° into at least 3 points (checked where it is read)")
        let check = RelaxedTorsionScan.Intactness(builder, contactFactor: relaxer.intactContactFactor)
        var minimum = try relaxer.minimised(builder.conformation)
        if !check.intact(minimum) { minimum = builder.conformation.positions }
        let phi1 = Geometry.dihedral(minimum, first.dihedral) * 180 / .pi
        let phi2 = Geometry.dihedral(minimum, second.dihedral) * 180 / .pi
        let fixed = held.map { DihedralConstraint.Held(atoms: $0.torsion.dihedral,
                                                        target: $0.angle ?? Geometry.dihedral(minimum, $0.torsion.dihedral) * 180 / .pi,
                                                        movingAtoms: $0.torsion.movingAtoms) }
        let firstAngles = (0..<count).map { Geometry.wrapDegrees(phi1 + Double($0) * step) }
        let secondAngles = (0..<count).map { Geometry.wrapDegrees(phi2 + Double($0) * step) }

        func relax(_ start: [SIMD3<Double>], _ a: Int, _ b: Int) throws -> RelaxedTorsionScan.Candidate {
            try relaxer.relax(start, holding: DihedralConstraint([
                .init(atoms: first.dihedral, target: firstAngles[a], movingAtoms: first.movingAtoms),
                .init(atoms: second.dihedral, target: secondAngles[b], movingAtoms: second.movingAtoms),
            ] + fixed), check)
        }
        var kept = [RelaxedTorsionScan.Candidate?](repeating: nil, count: count * count)
        // The geometry later points continue from: the point's own intact result, or the
        // intact geometry it was itself started from when all its candidates broke.
        var continuation = [[SIMD3<Double>]?](repeating: nil, count: count * count)
        for a in 0..<count {
            for b in 0..<count {
                var starts: [[SIMD3<Double>]] = []
                if a == 0 && b == 0 { starts = [minimum] }
                if b > 0, let p = continuation[a * count + b - 1] { starts.append(p) }
                if a > 0, let p = continuation[(a - 1) * count + b] { starts.append(p) }
                let candidates = try starts.map { try relax($0, a, b) }
                let sound = candidates.filter { !$0.broken }
                var best = (sound.isEmpty ? candidates : sound).min { $0.energy < $1.energy }!
                best.record.candidates = candidates.count
                best.record.clashingCandidates = candidates.count - sound.count
                kept[a * count + b] = best
                continuation[a * count + b] = sound.isEmpty ? starts[0] : best.positions
            }
        }
        var points = kept.map { $0! }
        // Refinement: reseed each point from lower neighbours until a sweep changes nothing.
        for _ in 0..<refinementSweeps {
            var improved = 0
            for a in 0..<count {
                for b in 0..<count {
                    let k = a * count + b
                    let neighbours = [((a + 1) % count, b), ((a + count - 1) % count, b), (a, (b + 1) % count), (a, (b + count - 1) % count)]
                        .map { $0.0 * count + $0.1 }
                    for m in Set(neighbours).sorted() where !points[m].broken && (points[k].broken || points[m].energy < points[k].energy - 1e-3) {
                        var candidate = try relax(points[m].positions, a, b)
                        points[k].record.candidates += 1
                        if candidate.broken { points[k].record.clashingCandidates += 1; continue }
                        if points[k].broken || candidate.energy < points[k].energy - 1e-6 {
                            candidate.record.candidates = points[k].record.candidates
                            candidate.record.clashingCandidates = points[k].record.clashingCandidates
                            points[k] = candidate
                            improved += 1
                        }
                    }
                }
            }
            if improved == 0 { break }
        }
        let label = { (t: RotatableBond) in ScanResult.atomLabel(t.dihedral, atomicNumbers: builder.conformation.atomicNumbers) }
        return TorsionMap(
            first: first.dihedral, second: second.dihedral,
            firstLabel: label(first), secondLabel: label(second),
            held: zip(held, fixed).map { TorsionMap.HeldAngle(atoms: $0.torsion.dihedral, label: label($0.torsion), angle: $1.target) },
            firstAngles: firstAngles, secondAngles: secondAngles,
            energies: points.map(\.energy), relaxation: points.map(\.record), broken: points.map(\.broken),
            positions: points.map(\.positions))
    }
}
