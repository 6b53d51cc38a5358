import Chemistry

/// The lattice geometry a neighbour search needs: lattice vectors, their duals, the
/// perpendicular heights and which directions are periodic.
///
/// Non-periodic directions never carry an image shift, so their vectors only serve to
/// complete a basis for fractional coordinates; a zero (or missing) non-periodic vector, as
/// ASE writes for slabs and wires, is replaced internally by a unit vector orthogonal to
/// the others. A structure without a cell, or with no periodic direction, is a molecule.
struct CellGeometry {
    /// Lattice vectors a, b, c (rows, Å) as given by the cell; used for image shifts.
    var vectors: [SIMD3<Double>]
    /// The completed basis used for fractional coordinates (equal to `vectors` except for
    /// zero non-periodic vectors), Å.
    var basis: [SIMD3<Double>]
    /// Dual vectors: fractional coordinate k of r is r · dual[k], Å⁻¹.
    var dual: [SIMD3<Double>]
    /// Perpendicular heights V / |b × c|, V / |c × a|, V / |a × b| of the basis, Å.
    var heights: [Double]
    /// |a · (b × c)| of the (completed) basis, Å³.
    var volume: Double
    /// Periodicity along a, b, c.
    var periodic: [Bool]

    /// The geometry of `cell`, or `nil` for a molecule (no cell or no periodic direction).
    ///
    /// Throws a `DataError` for non-finite vectors or a degenerate cell (the periodic
    /// vectors are zero or (nearly) linearly dependent: |V| ≤ 1e-10 · |a| |b| |c|).
    init?(cell: Cell?, label: String) throws {
        guard let cell, cell.isPeriodic else { return nil }
        let names = ["a", "b", "c"]
        for k in 0..<3 where !isFinite(cell.vectors[k]) {
            throw DataError(file: label, item: "cell vector \(names[k])",
                            "is not finite (\(cell.vectors[k]))")
        }
        vectors = cell.vectors
        periodic = cell.periodic
        let pbc = cell.periodic
        var basis = cell.vectors
        // Complete the basis where a non-periodic vector is (numerically) zero.
        let scale = max(1e-300, cell.vectors.map { norm($0) }.max() ?? 0)
        let zero = (0..<3).map { !pbc[$0] && norm(cell.vectors[$0]) <= 1e-12 * scale }
        let kept = (0..<3).filter { !zero[$0] }
        if zero.filter({ $0 }).count == 2, let k = kept.first {
            let u = basis[k] / norm(basis[k])
            let trial = abs(u.x) < 0.9 ? SIMD3<Double>(1, 0, 0) : SIMD3<Double>(0, 1, 0)
            var v = cross(u, trial)
            v /= norm(v)
            let w = cross(u, v)
            let others = (0..<3).filter { zero[$0] }
            basis[others[0]] = v * norm(basis[k])
            basis[others[1]] = w * norm(basis[k])
        } else if zero.filter({ $0 }).count == 1, let k = zero.firstIndex(of: true) {
            let p = kept[0], q = kept[1]
            let n = cross(basis[p], basis[q])
            let length = norm(n)
            if length > 0 { basis[k] = n / length * (norm(basis[p]) * norm(basis[q])).squareRoot() }
        }
        self.basis = basis
        let (a, b, c) = (basis[0], basis[1], basis[2])
        let bc = cross(b, c), ca = cross(c, a), ab = cross(a, b)
        let volume = (a * bc).sum()
        let lengths = norm(a) * norm(b) * norm(c)
        guard lengths > 0, abs(volume) > 1e-10 * lengths else {
            throw DataError(file: label, item: "cell",
                            "degenerate cell: volume \(abs(volume)) Å³ for vectors a = \(cell.vectors[0]), b = \(cell.vectors[1]), c = \(cell.vectors[2])")
        }
        dual = [bc / volume, ca / volume, ab / volume]
        heights = [abs(volume) / norm(bc), abs(volume) / norm(ca), abs(volume) / norm(ab)]
        self.volume = abs(volume)
    }

    /// Fractional coordinates of `r` in the (completed) basis.
    @inline(__always)
    func fractional(_ r: SIMD3<Double>) -> SIMD3<Double> {
        let u = dual[0], v = dual[1], w = dual[2]
        return SIMD3(r.x * u.x + r.y * u.y + r.z * u.z, r.x * v.x + r.y * v.y + r.z * v.z,
                     r.x * w.x + r.y * w.y + r.z * w.z)
    }
}

@inline(__always) func cross(_ u: SIMD3<Double>, _ v: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x)
}

@inline(__always) func norm(_ u: SIMD3<Double>) -> Double { (u * u).sum().squareRoot() }

@inline(__always) func isFinite(_ u: SIMD3<Double>) -> Bool {
    u.x.isFinite && u.y.isFinite && u.z.isFinite
}
