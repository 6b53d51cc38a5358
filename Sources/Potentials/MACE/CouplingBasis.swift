/// The generalised Clebsch–Gordan coefficients U_ν of MACE's symmetric contraction: every
/// way of coupling ν copies of a feature with irreps `coupling` (one copy of each irrep, e.g.
/// 0e + 1o + 2e + 3o, dimension D) to one output irrep L, as in mace-torch's `U_matrix_real`
/// (`mace/tools/cg.py`, e3nn's `_wigner_nj`, "component" normalisation) without cuequivariance.
///
/// Paths are coupling trees ((x ⊗ x) → L₂) ⊗ x → L₃ … → L. Level 1 is the identity on each
/// irrep's slice; a level-n path of irrep L_left with coefficients E_left `[2L_left+1, Dⁿ⁻¹]`
/// extends, for every irrep l of `coupling` at offset o and every L_out in L_left ⊗ l, to
///
///     E[M, I, o + m] = √(2L_out+1) Σ_{m′} C^{L_out L_left l}[M, m′, m] E_left[m′, I]
///
/// with C from ``Wigner3j``. Paths of a level are listed left path by left path (each level
/// sorted by irrep, stably, as e3nn sorts), then by l in `coupling` order, then by L_out
/// ascending; U_ν stacks the paths ending in the output irrep along a last axis, in that order
/// — the order of the second axis of mace's weights `[elements, K_ν, channels]`. Contracted
/// with ν copies of a feature x, Σ U[M, i₁…i_ν, k] x_{i₁} ⋯ x_{i_ν} is a symmetric
/// polynomial, so U itself is not symmetrised (mace's "use_reduced_cg" basis is not used).
public struct CouplingBasis: Sendable {
    /// The output irrep L.
    public let output: Irrep
    /// The correlation order ν.
    public let correlation: Int
    /// D, the dimension of one copy of the coupled feature.
    public let inputDimension: Int
    /// K_ν, the number of coupling paths (0 when none reaches the output).
    public let pathCount: Int
    /// U_ν flattened row-major, shape `[2L+1, D^ν, K_ν]` (index M, then i₁ … i_ν, then k).
    public let values: [Double]

    /// The coupling of `correlation` copies of irreps `coupling` (one copy each) to `output`.
    public init(coupling: [Irrep], output: Irrep, correlation: Int) {
        precondition(correlation >= 1 && !coupling.isEmpty, "need correlation ≥ 1 and some irreps")
        self.output = output
        self.correlation = correlation
        let d = coupling.reduce(0) { $0 + $1.dimension }
        inputDimension = d
        let paths = Self.paths(coupling, level: correlation, dimension: d, last: output)
        pathCount = paths.count
        let m = output.dimension, inner = Self.power(d, correlation), k = paths.count
        var values = [Double](repeating: 0, count: m * inner * k)
        for (p, path) in paths.enumerated() {
            for row in 0..<m { for i in 0..<inner where path.values[row * inner + i] != 0 {
                values[(row * inner + i) * k + p] = path.values[row * inner + i]
            } }
        }
        self.values = values
    }

    /// A path: its irrep and coefficients `[2L+1, D^level]`.
    struct Path { let irrep: Irrep; let values: [Double] }

    /// All paths of `level` (only those ending in `last` at the final level), sorted by irrep.
    static func paths(_ coupling: [Irrep], level: Int, dimension d: Int, last: Irrep?) -> [Path] {
        if level == 1 {
            var out: [Path] = [], offset = 0
            for ir in coupling {
                var e = [Double](repeating: 0, count: ir.dimension * d)
                for m in 0..<ir.dimension { e[m * d + offset + m] = 1 }
                if last == nil || last == ir { out.append(Path(irrep: ir, values: e)) }
                offset += ir.dimension
            }
            return out
        }
        let left = paths(coupling, level: level - 1, dimension: d, last: nil)
        let inner = power(d, level - 1)
        var out: [Path] = []
        for path in left {
            var offset = 0
            for ir in coupling {
                for irOut in path.irrep.product(ir) where last == nil || last == irOut {
                    let c = Wigner3j.coefficients(irOut.l, path.irrep.l, ir.l)
                    let scale = Double(irOut.dimension).squareRoot()
                    let dl = path.irrep.dimension, dr = ir.dimension
                    var e = [Double](repeating: 0, count: irOut.dimension * inner * d)
                    for mOut in 0..<irOut.dimension { for mLeft in 0..<dl { for mRight in 0..<dr {
                        let w = c[(mOut * dl + mLeft) * dr + mRight] * scale
                        if w == 0 { continue }
                        for i in 0..<inner {
                            let x = path.values[mLeft * inner + i]
                            if x != 0 { e[(mOut * inner + i) * d + offset + mRight] += w * x }
                        }
                    } } }
                    out.append(Path(irrep: irOut, values: e))
                }
                offset += ir.dimension
            }
        }
        return out.enumerated().sorted { ($0.element.irrep, $0.offset) < ($1.element.irrep, $1.offset) }.map(\.element)
    }

    static func power(_ d: Int, _ n: Int) -> Int { (0..<n).reduce(1) { r, _ in r * d } }
}
