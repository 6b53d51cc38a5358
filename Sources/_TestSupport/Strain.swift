import Chemistry

extension Conformation {
    /// This structure under the homogeneous strain ε: positions and lattice vectors (rows)
    /// r → r (I + ε), for checking virials W = −∂E/∂ε against finite differences.
    public func strained(by epsilon: [[Double]]) -> Conformation {
        func apply(_ r: SIMD3<Double>) -> SIMD3<Double> {
            var out = r
            for b in 0..<3 { for a in 0..<3 { out[b] += r[a] * epsilon[a][b] } }
            return out
        }
        var s = self
        s.positions = positions.map(apply)
        s.cell = cell.map { Cell(vectors: $0.vectors.map(apply), periodic: $0.periodic) }
        return s
    }
}
