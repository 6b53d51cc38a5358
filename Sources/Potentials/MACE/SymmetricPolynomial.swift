import Autodiff

/// The basis of MACE's product block as one fused, sparse operation: for a coupling basis
/// U_ν `[M, D^ν, K]` and a coupled feature x `[A, D·F]` (`[D, F]` per atom),
///
///     G[a, (M, k), c] = Σ_{i₁…i_ν} U[M, i₁…i_ν, k] x[a, i₁, c] ⋯ x[a, i_ν, c]
///
/// `[A, M·K·F]`. Because x ⊗ ⋯ ⊗ x is symmetric, only U's non-zero entries summed over the
/// orderings of each index tuple are kept (for 0e + 1o + 2e + 3o → 0e at ν = 3, 276 entries
/// instead of 94,208 dense numbers), and the product costs A·F·ν per entry.
///
/// Derivatives of every order come from the symmetric ν-linear form F(g, y₁…y_ν) with
/// F(g, x, …, x) = ⟨g, G(x)⟩: with directions d₁…d_q and the remaining slots x,
///
///     F(g, d₁…d_q, x^{ν−q}) = ((ν−q)!/ν!) Σ_t v_t g_{o_t} Σ_{injective j ↦ r_j} Π_j d_j[t_{r_j}] Π_{other r} x[t_r]
///
/// (polarisation of the polynomial). The operations are F with either the g slot free
/// (``Free/output``: G itself when q = 0) or one feature slot free (``Free/feature``: the
/// gradient ν F(g, ·, x, …)); the vector–Jacobian product of each is another of them, so
/// forces and force training differentiate it to any order.
struct SymmetricPolynomial: Sendable {
    /// Which slot of the form an operation leaves free (its output).
    enum Free { case output, feature }

    /// A sorted index tuple t, its output column o = M·K + k, and v_t.
    struct Entry: Sendable { let output: Int; let indices: [Int]; let value: Double }

    let order: Int
    let dimension: Int
    /// M · K, the output columns per channel.
    let outputs: Int
    let entries: [Entry]

    init(_ basis: CouplingBasis) {
        order = basis.correlation; dimension = basis.inputDimension
        let k = basis.pathCount, inner = CouplingBasis.power(dimension, order)
        outputs = basis.output.dimension * k
        var merged: [[Int]: Double] = [:]
        for row in 0..<(basis.output.dimension * inner) {
            let m = row / inner
            var rest = row % inner, tuple = [Int](repeating: 0, count: order)
            for r in stride(from: order - 1, through: 0, by: -1) { tuple[r] = rest % dimension; rest /= dimension }
            tuple.sort()
            for p in 0..<k {
                let v = basis.values[row * k + p]
                if v != 0 { merged[[m * k + p] + tuple, default: 0] += v }
            }
        }
        entries = merged.filter { abs($0.value) > 1e-14 }.map { Entry(output: $0.key[0], indices: Array($0.key.dropFirst()), value: $0.value) }
            .sorted { $0.output != $1.output ? $0.output < $1.output : $0.indices.lexicographicallyPrecedes($1.indices) }
    }

    /// G(x) `[A, M·K·F]` of features `[A, D·F]`.
    func callAsFunction<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> { apply(.output, g: nil, directions: [], x: x) }

    /// F with slot `free` open: the g slot filled by `g` (feature-free operations only),
    /// `directions` in the next slots and x in the rest (x nil when no slot is left).
    func apply<S: TensorScalar>(_ free: Free, g: Tensor<S>?, directions: [Tensor<S>], x: Tensor<S>?) -> Tensor<S> {
        let q = directions.count, xSlots = order - q - (free == .feature ? 1 : 0)
        precondition(xSlots >= 0 && (xSlots > 0) == (x != nil) && (free == .feature) == (g != nil), "symmetric polynomial: bad slots")
        let inputs = (g.map { [$0] } ?? []) + directions + (x.map { [$0] } ?? [])
        let atoms = inputs[0].shape[0], channels = inputs.last!.shape[1] / (free == .feature && x == nil && q == 0 ? outputs : dimension)
        return Tensor.custom("symmetricPolynomial.\(free)\(q)", inputs: inputs, forward: { t in
            let width = free == .output ? outputs * channels : dimension * channels
            return Tensor(shape: [atoms, width], scalars: run(free, t.map(\.scalars), q: q, hasX: x != nil, atoms: atoms,
                                                             channels: channels))
        }, vjp: { h, t, _, needs in
            var grads: [Tensor<S>?] = []
            let gIn = free == .feature ? t[0] : nil
            let dIn = Array(t[(gIn == nil ? 0 : 1)..<((gIn == nil ? 0 : 1) + q)])
            let xIn = x == nil ? nil : t.last
            if let gIn {
                // ∂/∂g of F(g, d…, h, x…): the output slot free, h one more direction.
                grads.append(needs[0] ? apply(.output, g: nil, directions: dIn + [h], x: xIn) : nil)
                for j in 0..<q {
                    var rest = dIn; rest.remove(at: j)
                    grads.append(needs[1 + j] ? apply(.feature, g: gIn, directions: rest + [h], x: xIn) : nil)
                }
                if let xIn {
                    let i = t.count - 1
                    grads.append(needs[i] ? apply(.feature, g: gIn, directions: dIn + [h], x: xSlots > 1 ? xIn : nil) * S(xSlots) : nil)
                }
            } else {
                // F(h, d…, x…) with h in the g slot: ∂/∂d_j frees d_j's slot; ∂/∂x frees one x slot.
                for j in 0..<q {
                    var rest = dIn; rest.remove(at: j)
                    grads.append(needs[j] ? apply(.feature, g: h, directions: rest, x: xIn) : nil)
                }
                if let xIn {
                    grads.append(needs[q] ? apply(.feature, g: h, directions: dIn, x: xSlots > 1 ? xIn : nil) * S(xSlots) : nil)
                }
            }
            return grads
        })
    }

    /// One product term of an operation: ν factor columns (factor i comes from g when the
    /// g slot is filled and i = 0, from direction i′ for the next q, else from x) into one
    /// output column, all in units of F.
    struct Term { let scale: Double; let output: Int; let factors: [Int] }

    /// The terms of the operation with slot `free` open and q directions: assignments of the
    /// roles to tuple positions that pick the same indices are merged with their multiplicity.
    func terms(_ free: Free, q: Int) -> [Term] {
        let ν = order, roles = q + (free == .feature ? 1 : 0)
        let coefficient = Self.factorial(ν - roles) / Self.factorial(ν)
        let assignments = Self.injections(roles, into: ν)
        var terms: [Term] = []
        for entry in entries {
            var merged: [[Int]: Int] = [:], order: [[Int]] = []
            for assignment in assignments {
                let key = assignment.map { entry.indices[$0] }
                if merged[key] == nil { order.append(key) }
                merged[key, default: 0] += 1
            }
            for key in order {
                var rest = entry.indices
                for i in key { rest.remove(at: rest.firstIndex(of: i)!) }
                terms.append(Term(scale: coefficient * entry.value * Double(merged[key]!),
                                  output: free == .output ? entry.output : key[q],
                                  factors: (free == .feature ? [entry.output] : []) + Array(key.prefix(q)) + rest))
            }
        }
        return terms
    }

    /// The kernel: `t` = (g?, d₁…d_q, x?) values, `[A, width]` each.
    @_specialize(where S == Float) @_specialize(where S == Double)
    func run<S: TensorScalar>(_ free: Free, _ t: [[S]], q: Int, hasX: Bool, atoms: Int, channels f: Int) -> [S] {
        let terms = terms(free, q: q), ν = order
        let outWidth = free == .output ? outputs * f : dimension * f, xWidth = dimension * f
        var out = [S](repeating: 0, count: atoms * outWidth)
        return withPointers(t) { buffers in
            // Factor i's source and row width: g, then the directions, then x for the rest.
            let filled = (free == .feature ? 1 : 0) + q
            let bases = (0..<ν).map { i -> (UnsafePointer<S>, Int) in
                if i < filled { return (buffers[i], free == .feature && i == 0 ? outputs * f : xWidth) }
                return (buffers[t.count - 1], xWidth)
            }
            precondition(hasX || filled == ν, "symmetric polynomial: x missing")
            let scales = terms.map { S($0.scale) }
            out.withUnsafeMutableBufferPointer { o in
                for a in 0..<atoms {
                    let outRow = o.baseAddress! + a * outWidth
                    let rows = bases.map { $0.0 + a * $0.1 }
                    for (n, term) in terms.enumerated() {
                        let scale = scales[n], target = outRow + term.output * f
                        let p0 = rows[0] + term.factors[0] * f
                        if ν == 1 { for c in 0..<f { target[c] += scale * p0[c] }; continue }
                        let p1 = rows[1] + term.factors[1] * f
                        if ν == 2 { for c in 0..<f { target[c] += scale * p0[c] * p1[c] }; continue }
                        let p2 = rows[2] + term.factors[2] * f
                        for c in 0..<f { target[c] += scale * p0[c] * p1[c] * p2[c] }
                    }
                }
            }
            return out
        }
    }

    /// Every injective map from `roles` items into positions 0..<n, as position lists.
    static func injections(_ roles: Int, into n: Int) -> [[Int]] {
        guard roles > 0 else { return [[]] }
        return injections(roles - 1, into: n).flatMap { prefix in (0..<n).filter { !prefix.contains($0) }.map { prefix + [$0] } }
    }

    static func factorial(_ n: Int) -> Double { (1...max(n, 1)).reduce(1.0) { $0 * Double($1) } }
}

/// `body` with a pointer to each array's elements (valid only inside `body`; a dangling
/// non-nil pointer for an empty array, never dereferenced by the kernels).
func withPointers<S, R>(_ arrays: [[S]], _ body: ([UnsafePointer<S>]) -> R) -> R {
    var pointers: [UnsafePointer<S>] = []
    pointers.reserveCapacity(arrays.count)
    func step(_ i: Int) -> R {
        if i == arrays.count { return body(pointers) }
        return arrays[i].withUnsafeBufferPointer { b in
            pointers.append(b.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<S>.alignment)!)
            return step(i + 1)
        }
    }
    return step(0)
}
