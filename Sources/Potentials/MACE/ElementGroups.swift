import Autodiff

/// The atoms of a topology grouped by species, for the per-element maps of MACE (mace-torch
/// contracts with the one-hot node attributes; grouping computes only the selected terms).
/// Each map gathers a group's rows, applies the species' weights, and the results are
/// concatenated and put back in atom order by one gather — all differentiable to any order.
struct ElementGroups {
    /// (species index, its atoms in increasing order) for each species present.
    let groups: [(species: Int, atoms: [Int])]
    /// Row of atom a in the concatenation of the groups.
    let inverse: [Int]

    init(speciesIndices: [Int], speciesCount: Int) {
        var members = [[Int]](repeating: [], count: speciesCount)
        for (a, s) in speciesIndices.enumerated() { members[s].append(a) }
        groups = members.enumerated().filter { !$0.element.isEmpty }.map { ($0.offset, $0.element) }
        var inverse = [Int](repeating: 0, count: speciesIndices.count), row = 0
        for (_, atoms) in groups { for a in atoms { inverse[a] = row; row += 1 } }
        self.inverse = inverse
    }

    /// `body(species, rows of x for its atoms)` for each group, reassembled in atom order
    /// (along axis 0; `body` must keep the row count).
    func map<S: TensorScalar>(_ x: Tensor<S>, _ body: (Int, Tensor<S>) -> Tensor<S>) -> Tensor<S> {
        if groups.count == 1 { return body(groups[0].species, x) }
        let parts = groups.map { body($0.species, x.gather(indices: $0.atoms)) }
        return Tensor.concatenate(parts, alongAxis: 0).gather(indices: inverse)
    }

    /// y[a] = x[a] W[Z_a] for x `[A, d, F]` and weights `[N, F, F′]` → `[A, d, F′]`.
    func linear<S: TensorScalar>(_ x: Tensor<S>, _ weights: Tensor<S>) -> Tensor<S> {
        let d = x.shape[1], fIn = weights.shape[1], fOut = weights.shape[2]
        return map(x) { s, rows in
            let w = weights.gather(indices: [s]).reshaped([fIn, fOut])
            return matmul(rows.reshaped([rows.shape[0] * d, fIn]), w).reshaped([rows.shape[0], d, fOut])
        }
    }

    /// MACE's symmetric contraction of x `[A, D, F]` (the coupled feature A, irreps in the
    /// order of the bases' coupling) to one output irrep of dimension M, `[A, M, F]`:
    ///
    ///     B[a, M, c] = Σ_n Σ_k W_n[Z_a, k, c] Σ_{i₁…i_n} U_n[M, i₁…i_n, k] x[a, i₁, c] ⋯ x[a, i_n, c]
    ///
    /// evaluated as mace-torch does (`symmetric_contraction.py`, Horner-like): with
    /// T_n = U_n W_n[Z] `[F, M·D^{n−1}, D]`, start from T_ν x (contracting the last index), add
    /// T_{ν−1}, contract with x again, …, down to n = 1. Weights are `<prefix><n>` `[N, K_n, F]`
    /// in `parameters`; orders without paths (K_n = 0) contribute nothing, as mace's zeroed ones.
    func symmetricContraction<S: TensorScalar>(_ x: Tensor<S>, bases: [CouplingBasis], parameters p: ParameterSet<S>,
                                               prefix: String) -> Tensor<S> {
        let d = x.shape[1], f = x.shape[2], m = bases[0].output.dimension
        let u = bases.map { $0.pathCount > 0 ? Tensor(shape: [$0.values.count / $0.pathCount, $0.pathCount],
                                                        scalars: $0.values.map { S($0) }) : nil }
        return map(x) { s, rows in
            let count = rows.shape[0]
            let xt = rows.permuted([2, 1, 0])                                                       // [F, D, n]
            var out: Tensor<S>?
            for (index, basis) in bases.enumerated().reversed() {
                let nu = basis.correlation, inner = CouplingBasis.power(d, nu - 1) * m
                let tn = u[index].map { un in
                    matmul(p["\(prefix)\(nu)"].gather(indices: [s]).reshaped([basis.pathCount, f]), un,
                           transposeA: true, transposeB: true)                                      // [F, M·D^n]
                }
                if let current = out {
                    let c = tn.map { current + $0.reshaped([f, inner * d, 1]) } ?? current          // [F, M·D^n, n]
                    out = (c.reshaped([f, inner, d, count]) * xt.reshaped([f, 1, d, count])).sum(alongAxes: [2])
                } else if let tn {
                    out = matmul(tn.reshaped([f, inner, d]), xt)                                    // [F, M·D^{n−1}, n]
                }
            }
            guard let out else { return Tensor.zeros(shape: [count, m, f]) }
            return out.reshaped([f, m, count]).permuted([2, 1, 0])
        }
    }
}
