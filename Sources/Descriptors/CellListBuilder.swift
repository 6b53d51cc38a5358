/// Builds a `NeighbourList` with cell lists (binning) in time linear in the atom count.
///
/// 1. Periodic structures: wrap every atom into the cell along its periodic directions
///    (r'_j = r_j − w_j · cell, w_j integer), then add image points r'_j + m · cell for
///    every m whose fractional coordinates lie within rc / h_k of [0, 1) along each
///    periodic direction k (h_k the perpendicular cell height). Any point within rc of a
///    wrapped atom is among them, however small or skewed the cell.
/// 2. Bin all points (atoms and images) in a Cartesian grid of boxes with sides ≥ rc over
///    their bounding box; the candidates of atom i lie in the 27 boxes around it.
/// 3. Per center, sort the candidates by (j, n) with n = m − w_j + w_i, the image offset
///    relative to the positions as given, and keep those with |r_j + n · cell − r_i| < rc,
///    evaluated exactly as the brute-force reference does.
///
/// The search radius in steps 1–2 carries a small margin over rc so rounding in the
/// wrapped frame can only add candidates, never lose them; step 3 decides.
struct CellListBuilder {
    var positions: [SIMD3<Double>]
    var geometry: CellGeometry?
    var cutoff: Double
    var kind: NeighbourList.Kind

    /// One candidate neighbour of the current center.
    private struct Candidate {
        var j: Int32
        var n: SIMD3<Int32>
    }

    func build() -> NeighbourList {
        let count = positions.count
        // Margin against rounding differences between the wrapped and the given frame.
        let largest = positions.reduce(0.0) { max($0, abs($1.x), abs($1.y), abs($1.z)) }
        let search = cutoff + 1e-9 * max(1, cutoff) + 1e-12 * largest

        // Points: the wrapped atoms first (index = atom), then their images.
        var points: [SIMD3<Double>] = []
        var atoms: [Int32] = []
        var images: [SIMD3<Int32>] = []
        var wraps = [SIMD3<Int32>](repeating: .zero, count: count)
        points.reserveCapacity(count)
        atoms.reserveCapacity(count)
        images.reserveCapacity(count)
        if let geometry {
            var wrapped = positions
            var fractions: [SIMD3<Double>] = []
            fractions.reserveCapacity(count)
            for j in 0..<count {
                var f = geometry.fractional(positions[j])
                for k in 0..<3 where geometry.periodic[k] {
                    let w = f[k].rounded(.down)
                    f[k] -= w
                    wraps[j][k] = Int32(w)
                    wrapped[j] -= w * geometry.vectors[k]
                }
                fractions.append(f)
            }
            points = wrapped
            atoms = (0..<count).map { Int32($0) }
            images = Array(repeating: .zero, count: count)
            for j in 0..<count {
                let f = fractions[j]
                var lo = SIMD3<Int32>(0, 0, 0), hi = SIMD3<Int32>(0, 0, 0)
                for k in 0..<3 where geometry.periodic[k] {
                    let reach = search / geometry.heights[k]
                    lo[k] = Int32((-reach - f[k]).rounded(.up))
                    hi[k] = Int32((1 + reach - f[k]).rounded(.down))
                }
                guard lo.x <= hi.x, lo.y <= hi.y, lo.z <= hi.z else { continue }
                for mx in lo.x...hi.x { for my in lo.y...hi.y { for mz in lo.z...hi.z {
                    let m = SIMD3(mx, my, mz)
                    if m == .zero { continue }
                    points.append(wrapped[j] + NeighbourList.shift(m, geometry.vectors))
                    atoms.append(Int32(j))
                    images.append(m)
                } } }
            }
        } else {
            points = positions
            atoms = (0..<count).map { Int32($0) }
            images = Array(repeating: .zero, count: count)
        }

        // Bins over the bounding box, sides ≥ search, at most ~2 bins per point.
        let grid = BinGrid(points: points, side: search)

        // Pair estimate for the output: mean points per bin volume × sphere volume.
        let sphere = 4.0 / 3.0 * Double.pi * search * search * search
        let density = Double(points.count) / max(grid.volume, sphere)
        let perAtom = min(Double(points.count), density * sphere * 1.1 + 4)
        let estimate = count * Int(perAtom) / (kind == .half ? 2 : 1)
        var list = NeighbourList(cutoff: cutoff, kind: kind, atomCount: count, reserving: estimate)

        let search2 = search * search
        let rc2 = cutoff * cutoff
        let vectors = geometry?.vectors
        var candidates: [Candidate] = []
        candidates.reserveCapacity(Int(perAtom) + 16)
        positions.withUnsafeBufferPointer { given in
        points.withUnsafeBufferPointer { points in
            for i in 0..<count {
                candidates.removeAll(keepingCapacity: true)
                let ri = points[i]
                let b = grid.bin(of: ri)
                for bz in max(0, b.z - 1)...min(grid.counts.z - 1, b.z + 1) {
                    for by in max(0, b.y - 1)...min(grid.counts.y - 1, b.y + 1) {
                        for bx in max(0, b.x - 1)...min(grid.counts.x - 1, b.x + 1) {
                            let bin = grid.index(bx, by, bz)
                            for slot in grid.starts[bin]..<grid.starts[bin + 1] {
                                let p = grid.order[slot]
                                if p == i { continue }
                                let rp = points[p]
                                let dx = rp.x - ri.x, dy = rp.y - ri.y, dz = rp.z - ri.z
                                guard dx * dx + dy * dy + dz * dz < search2 else { continue }
                                let j = Int(atoms[p])
                                candidates.append(Candidate(j: Int32(j), n: images[p] &- wraps[j] &+ wraps[i]))
                            }
                        }
                    }
                }
                candidates.sort { a, b in
                    if a.j != b.j { return a.j < b.j }
                    if a.n.x != b.n.x { return a.n.x < b.n.x }
                    if a.n.y != b.n.y { return a.n.y < b.n.y }
                    return a.n.z < b.n.z
                }
                for c in candidates {
                    list.appendIfWithin(i, Int(c.j), c.n, given, vectors, rc2)
                }
                list.endCenter()
            }
        }
        }
        return list
    }
}

/// A Cartesian grid of bins over the bounding box of a point set, as a counting sort:
/// the points of bin b are `order[starts[b]..<starts[b + 1]]`.
struct BinGrid {
    /// Lower corner of the bounding box, Å.
    var origin: SIMD3<Double>
    /// Bin sides (each ≥ the requested side), Å.
    var widths: SIMD3<Double>
    /// Bins along x, y, z.
    var counts: SIMD3<Int>
    /// Prefix sums of bin occupancies, shape (bins + 1,).
    var starts: [Int]
    /// Point indices sorted by bin, shape (points,).
    var order: [Int]
    /// Volume of the grid, Å³.
    var volume: Double { widths.x * widths.y * widths.z * Double(counts.x * counts.y * counts.z) }

    init(points: [SIMD3<Double>], side: Double) {
        var lo = points.first ?? .zero, hi = lo
        for p in points {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        origin = lo
        let extent = hi - lo
        var counts = SIMD3<Int>(1, 1, 1)
        for k in 0..<3 { counts[k] = max(1, Int(min(extent[k] / side, 1e6).rounded(.down))) }
        // Sparse structures (far-apart molecules): coarsen so bins ≲ 2 · points + 8.
        let limit = 2 * points.count + 8
        while counts.x * counts.y * counts.z > limit {
            let k = counts.x >= counts.y && counts.x >= counts.z ? 0 : (counts.y >= counts.z ? 1 : 2)
            counts[k] = max(1, counts[k] / 2)
        }
        self.counts = counts
        var widths = SIMD3<Double>(side, side, side)
        for k in 0..<3 where counts[k] > 1 { widths[k] = extent[k] / Double(counts[k]) }
        self.widths = widths
        let total = counts.x * counts.y * counts.z
        var starts = [Int](repeating: 0, count: total + 1)
        var bins = [Int](repeating: 0, count: points.count)
        for (p, point) in points.enumerated() {
            let b = Self.bin(of: point, origin: lo, widths: widths, counts: counts)
            let index = b.x + counts.x * (b.y + counts.y * b.z)
            bins[p] = index
            starts[index + 1] += 1
        }
        for b in 0..<total { starts[b + 1] += starts[b] }
        var fill = starts
        var order = [Int](repeating: 0, count: points.count)
        for p in 0..<points.count {
            order[fill[bins[p]]] = p
            fill[bins[p]] += 1
        }
        self.starts = starts
        self.order = order
    }

    @inline(__always)
    func bin(of point: SIMD3<Double>) -> SIMD3<Int> {
        Self.bin(of: point, origin: origin, widths: widths, counts: counts)
    }

    @inline(__always)
    func index(_ x: Int, _ y: Int, _ z: Int) -> Int { x + counts.x * (y + counts.y * z) }

    @inline(__always)
    static func bin(of point: SIMD3<Double>, origin: SIMD3<Double>, widths: SIMD3<Double>,
                    counts: SIMD3<Int>) -> SIMD3<Int> {
        var b = SIMD3<Int>(0, 0, 0)
        for k in 0..<3 {
            let t = ((point[k] - origin[k]) / widths[k]).rounded(.down)
            b[k] = min(counts[k] - 1, max(0, Int(t)))
        }
        return b
    }
}
