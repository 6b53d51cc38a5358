import Chemistry

extension ScanPath {
    /// The direction t = dR/ds in which point `i` moves when its scan coordinate grows,
    /// shape (N,) xyz, Å per unit of s (rad for angles, Å for lengths), used for the
    /// energy–force consistency at that point (``ScanEvaluator``):
    /// - torsion with dihedral [i, j, k, l] and moving (k-side) atoms: the rigid rotation of
    ///   the moving atoms about j→k, t_a = û × (r_a − r_k), û = (r_k − r_j)/|r_k − r_j|;
    /// - stretch of bond [a, b] with moving atoms: their translation along the bond, away
    ///   from the fixed end;
    /// - bend [a, j, b] with moving atoms: their rotation about the plane's normal through j
    ///   that opens the angle;
    /// - otherwise (proton transfers, reference paths without a definition): the path's own
    ///   tangent from three-point differences of the geometries (`PathStencils`).
    /// The direction is evaluated at point i's own geometry, so it is exact for relaxed
    /// points too. `nil` when it cannot be formed (fewer than 3 points and no definition).
    public func localDirection(at index: Int) -> [SIMD3<Double>]? {
        let p = conformations[index].positions
        var t = [SIMD3<Double>](repeating: .zero, count: p.count)
        let moving = Set(movingAtoms)
        switch kind {
        case .torsion where definingAtoms.count == 4 && !movingAtoms.isEmpty:
            let j = definingAtoms[1], k = definingAtoms[2]
            let u = (p[k] - p[j]) / Geometry.norm(p[k] - p[j])
            for a in movingAtoms { t[a] = Geometry.cross(u, p[a] - p[k]) }
            return t
        case .stretch where definingAtoms.count == 2 && !movingAtoms.isEmpty:
            let (a, b) = (definingAtoms[0], definingAtoms[1])
            let (fixed, end) = moving.contains(b) ? (a, b) : (b, a)
            let u = (p[end] - p[fixed]) / Geometry.norm(p[end] - p[fixed])
            for m in movingAtoms { t[m] = u }
            return t
        case .bend where definingAtoms.count == 3 && !movingAtoms.isEmpty:
            let (a, j, b) = (definingAtoms[0], definingAtoms[1], definingAtoms[2])
            let (still, moved) = moving.contains(b) ? (a, b) : (b, a)
            let u = p[still] - p[j], v = p[moved] - p[j]
            let n = Geometry.cross(u, v)
            let normal = Geometry.norm(n) > 1e-8 * Geometry.norm(u) * Geometry.norm(v)
                ? n / Geometry.norm(n) : Geometry.perpendicular(to: u / Geometry.norm(u))
            for m in movingAtoms { t[m] = Geometry.cross(normal, p[m] - p[j]) }
            return t
        default:
            guard count >= 3 else { return nil }
            return PathStencils(s: pathParameter, period: period).tangent(at: index, conformations.map(\.positions))
        }
    }
}
