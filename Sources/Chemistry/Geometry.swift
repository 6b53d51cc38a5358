import Chemistry
import Foundation

/// Vector helpers and internal coordinates on `SIMD3<Double>` positions (Å), shared by the
/// scans (Analysis), the constrained optimisers (Simulation) and the reports.
///
/// Angles are returned in radians by the `Geometry` functions and in degrees by the
/// `Conformation` conveniences, which are what users read.
public enum Geometry {
    @inlinable public static func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

    @inlinable public static func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    }

    @inlinable public static func norm(_ a: SIMD3<Double>) -> Double { dot(a, a).squareRoot() }

    /// The angle a–b–c at `b`, radians in [0, π].
    public static func angle(_ a: SIMD3<Double>, _ b: SIMD3<Double>, _ c: SIMD3<Double>) -> Double {
        let u = a - b, v = c - b
        return atan2(norm(cross(u, v)), dot(u, v))
    }

    /// The dihedral a–b–c–d, radians in (−π, π], IUPAC sign: positive when, looking along
    /// b→c, the bond c–d is turned clockwise from a–b.
    ///
    /// φ = atan2(|b₂| b₁·(b₂×b₃), (b₁×b₂)·(b₂×b₃)) with b₁ = b − a, b₂ = c − b, b₃ = d − c
    /// (Blondel & Karplus, J. Comput. Chem. 1996, doi:10.1002/(SICI)1096-987X(19960715)17:9<1132::AID-JCC5>3.0.CO;2-T).
    public static func dihedral(_ a: SIMD3<Double>, _ b: SIMD3<Double>, _ c: SIMD3<Double>,
                                _ d: SIMD3<Double>) -> Double {
        let b1 = b - a, b2 = c - b, b3 = d - c
        let n1 = cross(b1, b2), n2 = cross(b2, b3)
        return atan2(norm(b2) * dot(b1, n2), dot(n1, n2))
    }

    /// `p` rotated by `angle` (radians, right-handed) about the line through `origin` along
    /// the unit vector `axis` (Rodrigues' formula).
    public static func rotate(_ p: SIMD3<Double>, about origin: SIMD3<Double>, axis: SIMD3<Double>,
                              by angle: Double) -> SIMD3<Double> {
        let v = p - origin, c = cos(angle), s = sin(angle)
        return origin + v * c + cross(axis, v) * s + axis * (dot(axis, v) * (1 - c))
    }

    /// The dihedral of atoms `atoms` = [i, j, k, l] of `positions`, radians in (−π, π].
    public static func dihedral(_ positions: [SIMD3<Double>], _ atoms: [Int]) -> Double {
        dihedral(positions[atoms[0]], positions[atoms[1]], positions[atoms[2]], positions[atoms[3]])
    }

    /// Turns the atoms `moving` of `positions` rigidly by `angle` (radians, right-handed)
    /// about the axis from atom `j` to atom `k` through `k`: with `moving` the k side of
    /// the bond j–k, the dihedral i–j–k–l changes by exactly `angle` and no bond length or
    /// bond angle changes. The one fragment rotation behind rigid torsion scans and the
    /// dihedral restoring step of constrained relaxations.
    public static func turn(_ positions: inout [SIMD3<Double>], _ moving: [Int], aboutBond j: Int, _ k: Int, by angle: Double) {
        let origin = positions[k], axisVector = origin - positions[j]
        let axis = axisVector / norm(axisVector)
        for a in moving { positions[a] = rotate(positions[a], about: origin, axis: axis, by: angle) }
    }

    /// A unit vector perpendicular to the unit vector `u` (for degenerate planes).
    public static func perpendicular(to u: SIMD3<Double>) -> SIMD3<Double> {
        let trial = abs(u.x) < 0.9 ? SIMD3<Double>(1, 0, 0) : SIMD3<Double>(0, 1, 0)
        let p = cross(u, trial)
        return p / norm(p)
    }

    /// Wraps an angle in degrees into (−180, 180].
    public static func wrapDegrees(_ x: Double) -> Double {
        var y = x.truncatingRemainder(dividingBy: 360)
        if y <= -180 { y += 360 } else if y > 180 { y -= 360 }
        return y
    }

    /// Wraps an angle in radians into (−π, π].
    public static func wrapRadians(_ x: Double) -> Double {
        var y = x.truncatingRemainder(dividingBy: 2 * .pi)
        if y <= -.pi { y += 2 * .pi } else if y > .pi { y -= 2 * .pi }
        return y
    }
}

extension Conformation {
    /// Distance between atoms `i` and `j`, Å.
    public func distance(_ i: Int, _ j: Int) -> Double { Geometry.norm(positions[i] - positions[j]) }

    /// Angle i–j–k at `j`, degrees in [0, 180].
    public func angle(_ i: Int, _ j: Int, _ k: Int) -> Double {
        Geometry.angle(positions[i], positions[j], positions[k]) * 180 / .pi
    }

    /// Dihedral i–j–k–l, degrees in (−180, 180] (IUPAC sign, see `Geometry.dihedral`).
    public func dihedral(_ i: Int, _ j: Int, _ k: Int, _ l: Int) -> Double {
        Geometry.dihedral(positions[i], positions[j], positions[k], positions[l]) * 180 / .pi
    }
}
