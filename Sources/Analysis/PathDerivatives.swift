/// Finite differences along a scan grid s (uniform or not, open or periodic).
///
/// Three-point Lagrange stencils: at interior points the nodes i−1, i, i+1; at the ends of
/// an open path the one-sided nodes 0, 1, 2 and n−3, n−2, n−1; on a periodic path the
/// neighbours wrap with s shifted by the period. First derivatives are second-order
/// accurate everywhere (O(h²): on a uniform grid the central difference
/// (f₊ − f₋)/2h); second derivatives are second-order accurate at interior points of a
/// uniform grid ((f₋ − 2f + f₊)/h²) and first-order at ends and on uneven grids.
public struct PathStencils: Sendable {
    /// Grid values, shape (n,), strictly increasing.
    public let s: [Double]
    /// The period of s, or `nil` for an open path.
    public let period: Double?

    public init(s: [Double], period: Double? = nil) {
        precondition(s.count >= 3, "finite differences need at least 3 points")
        self.s = s
        self.period = period
    }

    public var count: Int { s.count }

    /// The three (index, node) pairs used at point `i`.
    func nodes(at i: Int) -> [(index: Int, s: Double)] {
        let n = count
        if let period {
            let prev = i == 0 ? (n - 1, s[n - 1] - period) : (i - 1, s[i - 1])
            let next = i == n - 1 ? (0, s[0] + period) : (i + 1, s[i + 1])
            return [prev, (i, s[i]), next]
        }
        let start = min(max(i - 1, 0), n - 3)
        return (start..<start + 3).map { ($0, s[$0]) }
    }

    /// Weights w such that f'(s_i) ≈ Σ w_m f(node_m).
    public func firstDerivativeWeights(at i: Int) -> [(index: Int, weight: Double)] {
        let x = nodes(at: i), at = s[i]
        return (0..<3).map { m in
            let (a, b) = ((m + 1) % 3, (m + 2) % 3)
            let w = (2 * at - x[a].s - x[b].s) / ((x[m].s - x[a].s) * (x[m].s - x[b].s))
            return (x[m].index, w)
        }
    }

    /// Weights w such that f''(s_i) ≈ Σ w_m f(node_m).
    public func secondDerivativeWeights(at i: Int) -> [(index: Int, weight: Double)] {
        let x = nodes(at: i)
        return (0..<3).map { m in
            let (a, b) = ((m + 1) % 3, (m + 2) % 3)
            return (x[m].index, 2 / ((x[m].s - x[a].s) * (x[m].s - x[b].s)))
        }
    }

    /// df/ds at every point, shape (n,).
    public func derivative(_ f: [Double]) -> [Double] {
        precondition(f.count == count)
        return (0..<count).map { i in firstDerivativeWeights(at: i).reduce(0) { $0 + $1.weight * f[$1.index] } }
    }

    /// d²f/ds² at every point, shape (n,).
    public func secondDerivative(_ f: [Double]) -> [Double] {
        precondition(f.count == count)
        return (0..<count).map { i in secondDerivativeWeights(at: i).reduce(0) { $0 + $1.weight * f[$1.index] } }
    }

    /// The path tangent dR/ds at point `i` from the geometries `positions` (shape (n,) of
    /// (N,) xyz, Å), shape (N,) xyz, Å per unit of s.
    public func tangent(at i: Int, _ positions: [[SIMD3<Double>]]) -> [SIMD3<Double>] {
        precondition(positions.count == count)
        var t = [SIMD3<Double>](repeating: .zero, count: positions[i].count)
        for (index, weight) in firstDerivativeWeights(at: i) {
            for a in t.indices { t[a] += weight * positions[index][a] }
        }
        return t
    }
}
