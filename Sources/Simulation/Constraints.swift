import Chemistry
import Foundation

/// A holonomic constraint that a relaxation holds exactly: the optimiser sees forces with
/// the components that would change the constrained coordinates removed (`project`), and
/// after every step the positions are put back onto the constraint (`restore`), as ASE's
/// `FixInternals` does with `adjust_forces` / `adjust_positions`.
public protocol GeometryConstraint: Sendable {
    /// Removes from `forces` (eV/Å, shape (N,)) their components along the gradients of the
    /// constrained coordinates at `positions` (Å): the orthogonal projection onto the
    /// directions that keep every coordinate at first order.
    func project(_ forces: inout [SIMD3<Double>], positions: [SIMD3<Double>])
    /// Moves `positions` back onto the constraint.
    func restore(_ positions: inout [SIMD3<Double>])
    /// The largest deviation of a constrained coordinate from its target, in its own unit
    /// (degrees for dihedrals).
    func largestDeviation(_ positions: [SIMD3<Double>]) -> Double
}

/// Dihedral angles held at target values, for relaxed torsion scans (one dihedral) and
/// 2-D torsion maps (two).
///
/// Projection: with g_m = ∂φ_m/∂R (Blondel & Karplus, J. Comput. Chem. 17, 1132 (1996),
/// doi:10.1002/(SICI)1096-987X(19960715)17:9<1132::AID-JCC5>3.0.CO;2-T), F ← F − Σ λ_m g_m
/// with Σ_n (g_m·g_n) λ_n = g_m·F, so F·g_m = 0 for every held dihedral.
///
/// Restoring: each dihedral's `movingAtoms` (the l side of the bond j–k) are turned rigidly
/// about the j→k axis by φ_target − φ, which changes that dihedral by exactly that amount
/// and no bond length or angle; with two dihedrals this is repeated until both are within
/// 1e-9° (a few sweeps when one moving side contains the other's atoms).
public struct DihedralConstraint: GeometryConstraint {
    /// One held dihedral.
    public struct Held: Sendable, Equatable {
        /// Atoms i, j, k, l (0-based).
        public var atoms: [Int]
        /// Target angle, degrees.
        public var target: Double
        /// The atoms turned about j→k to restore the angle (the k side of the bond, k included).
        public var movingAtoms: [Int]

        public init(atoms: [Int], target: Double, movingAtoms: [Int]) {
            precondition(atoms.count == 4, "a dihedral has four atoms")
            self.atoms = atoms
            self.target = target
            self.movingAtoms = movingAtoms
        }
    }

    public var held: [Held]

    public init(_ held: [Held]) {
        precondition(!held.isEmpty, "no dihedral to hold")
        self.held = held
    }

    /// ∂φ/∂R of the dihedral `atoms` at `p`: the four non-zero rows (rad/Å), in atom order.
    public static func gradient(_ p: [SIMD3<Double>], _ atoms: [Int]) -> [SIMD3<Double>] {
        let f = p[atoms[0]] - p[atoms[1]], g = p[atoms[1]] - p[atoms[2]], h = p[atoms[3]] - p[atoms[2]]
        let a = Geometry.cross(f, g), b = Geometry.cross(h, g)
        let gn = Geometry.norm(g), a2 = Geometry.dot(a, a), b2 = Geometry.dot(b, b)
        let ga = -gn / a2 * a, gd = gn / b2 * b
        let fg = Geometry.dot(f, g) / (a2 * gn), hg = Geometry.dot(h, g) / (b2 * gn)
        let gb = -ga + fg * a - hg * b
        let gc = -gd - fg * a + hg * b
        return [ga, gb, gc, gd]
    }

    public func project(_ forces: inout [SIMD3<Double>], positions: [SIMD3<Double>]) {
        let m = held.count
        // Dense gradients, shape (m, N).
        var grads = [[SIMD3<Double>]](repeating: [SIMD3<Double>](repeating: .zero, count: forces.count), count: m)
        for (h, d) in held.enumerated() {
            for (row, atom) in zip(Self.gradient(positions, d.atoms), d.atoms) { grads[h][atom] += row }
        }
        func inner(_ u: [SIMD3<Double>], _ v: [SIMD3<Double>]) -> Double { zip(u, v).reduce(0) { $0 + Geometry.dot($1.0, $1.1) } }
        var gram = (0..<m).map { r in (0..<m).map { c in inner(grads[r], grads[c]) } }
        var rhs = (0..<m).map { inner(grads[$0], forces) }
        guard let lambda = Self.solve(&gram, &rhs) else { return }
        for h in 0..<m { for a in forces.indices { forces[a] -= lambda[h] * grads[h][a] } }
    }

    public func restore(_ positions: inout [SIMD3<Double>]) {
        for _ in 0..<50 {
            for d in held {
                let delta = Geometry.wrapRadians(d.target * .pi / 180 - Geometry.dihedral(positions, d.atoms))
                guard delta != 0 else { continue }
                Geometry.turn(&positions, d.movingAtoms, aboutBond: d.atoms[1], d.atoms[2], by: delta)
            }
            if largestDeviation(positions) < 1e-9 { return }
        }
    }

    public func largestDeviation(_ positions: [SIMD3<Double>]) -> Double {
        held.map { abs(Geometry.wrapRadians(Geometry.dihedral(positions, $0.atoms) - $0.target * .pi / 180)) * 180 / .pi }.max() ?? 0
    }

    /// Solves the small symmetric system a x = b by Gaussian elimination with partial
    /// pivoting; `nil` when it is singular (dependent constraints).
    static func solve(_ a: inout [[Double]], _ b: inout [Double]) -> [Double]? {
        let n = b.count
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }), abs(a[pivot][col]) > 1e-14 else { return nil }
            a.swapAt(col, pivot); b.swapAt(col, pivot)
            for r in (col + 1)..<n {
                let factor = a[r][col] / a[col][col]
                for c in col..<n { a[r][c] -= factor * a[col][c] }
                b[r] -= factor * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            x[r] = (b[r] - ((r + 1)..<n).reduce(0) { $0 + a[r][$1] * x[$1] }) / a[r][r]
        }
        return x
    }
}

