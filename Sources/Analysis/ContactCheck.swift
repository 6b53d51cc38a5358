import Chemistry

/// Atom clashes along a scan: non-bonded pairs closer than a fraction of their covalent
/// bond length.
///
/// Pairs are non-bonded when they are neither bonded nor share a bonded neighbour (1–2 and
/// 1–3 pairs are excluded) in the covalent graph of the starting structure
/// (``Connectivity``). A point's closest contact is min over those pairs of
/// d_ij / (r_i + r_j) with r the covalent radii (``CovalentRadii``); the point clashes when
/// that ratio is below `clashFactor` (default 1: two non-bonded atoms nearer than a
/// covalent bond between them would be). Equilibrium structures stay far above it
/// (H···H contacts ≈ 3.5, an N–H···O hydrogen bond ≈ 1.9); a rigid rotation that drives a
/// hydrogen to 0.4 Å of a carbon gives ≈ 0.4.
public struct ContactCheck: Sendable {
    /// The non-bonded pairs (i < j).
    public let pairs: [(Int, Int)]
    /// r_i + r_j of each pair, Å.
    let radiusSums: [Double]
    /// Ratio below which a point clashes.
    public var clashFactor: Double

    public init(_ connectivity: Connectivity, clashFactor: Double = 1.0) {
        let n = connectivity.atomCount
        var excluded = Set<[Int]>()
        for a in 0..<n {
            for b in connectivity.neighbours[a] {
                excluded.insert([min(a, b), max(a, b)])
                for c in connectivity.neighbours[b] where c != a { excluded.insert([min(a, c), max(a, c)]) }
            }
        }
        var pairs: [(Int, Int)] = [], sums: [Double] = []
        for i in 0..<n {
            for j in (i + 1)..<n where !excluded.contains([i, j]) {
                pairs.append((i, j))
                sums.append((CovalentRadii.radius(of: connectivity.atomicNumbers[i]) ?? 0.7)
                            + (CovalentRadii.radius(of: connectivity.atomicNumbers[j]) ?? 0.7))
            }
        }
        self.pairs = pairs
        radiusSums = sums
        self.clashFactor = clashFactor
    }

    /// The closest contact of `positions` as d/(r_i + r_j), or `nil` when the molecule has
    /// no non-bonded pair.
    public func closestContact(_ positions: [SIMD3<Double>]) -> Double? {
        var best: Double? = nil
        for (p, (i, j)) in pairs.enumerated() {
            let ratio = Geometry.norm(positions[i] - positions[j]) / radiusSums[p]
            if best == nil || ratio < best! { best = ratio }
        }
        return best
    }

    /// Whether `positions` clash.
    public func clashes(_ positions: [SIMD3<Double>]) -> Bool {
        (closestContact(positions) ?? .infinity) < clashFactor
    }
}
