import Autodiff

/// The channel-wise tensor products of one MACE layer into one message irrep, summed over
/// each atom's incoming edges, as one fused operation (no per-edge `[P, 2l+1, F]` tensors).
///
/// With edges e from sender s(e) to receiver r(e), radial weights W `[P, n·F]` of the n
/// paths into the irrep (path k in columns k·F ..< (k+1)·F), node features X `[A, D_in·F]`
/// (the input irreps concatenated, each `[2l+1, F]`), harmonics Y `[P, (lmax+1)²]`, and each
/// path's coupling entries (m, m′, M, v) with v = √(2l_out+1) C[m, m′, M], the messages are
///
///     A[r(e), (M n + k) F + c] += Σ_{(m, m′, M, v) ∈ k} v W[e, kF + c] X[s(e), m F + c] Y[e, m′]
///
/// laid out `[A, (2l+1)·n·F]` (`[2l+1, n·F]` per atom: the paths side by side), ready for
/// the linear map over paths. All four
/// arguments enter one 4-linear form Q(A, W, X, Y) = Σ_e Σ_k Σ_c (…); each operation here
/// computes the gradient of Q with respect to one slot from the other three, so the
/// vector–Jacobian product of any of them with respect to an argument is the operation for
/// that argument's slot with the cotangent in the output's slot: forces and force training
/// differentiate them to any order (`MACEKernelTests` checks them against the composed
/// products).
struct EdgeTensorProduct: Sendable {
    /// Slots of the form: messages A, weights W, features X, harmonics Y.
    enum Slot: Int, CaseIterable { case messages, weights, features, harmonics }

    /// One coupling entry of one path.
    struct Entry: Sendable {
        let weightColumn: Int      // k·F
        let featureColumn: Int     // m·F within the input concatenation
        let harmonic: Int          // l_Y² + m′
        let messageColumn: Int     // o_k(M): start of the F channels of (irrep, M, path)
        let value: Double
    }

    let receivers: [Int]
    let senders: [Int]
    let atomCount: Int
    let channels: Int
    let entries: [Entry]
    /// Row widths of the four slots.
    let widths: [Int]

    /// The product of `layer`'s paths into `irrep` over the edges (receiver = centre, sender
    /// = neighbour, as mace's edges), `channels` F.
    init(layer: MACELayer, into irrep: Irrep, receivers: [Int], senders: [Int], atomCount: Int, channels f: Int, harmonicCount: Int) {
        self.receivers = receivers; self.senders = senders; self.atomCount = atomCount; channels = f
        var inputOffset: [Irrep: Int] = [:], offset = 0
        for ir in layer.inputs { inputOffset[ir] = offset; offset += ir.dimension }
        let inputDimension = offset
        let paths = layer.paths(into: irrep)
        var entries: [Entry] = []
        for (k, path) in paths.enumerated() {
            let dIn = path.input.dimension, dY = 2 * path.harmonic + 1, dOut = path.output.dimension
            let alpha = Double(dOut).squareRoot()
            for m in 0..<dIn { for mp in 0..<dY { for mo in 0..<dOut {
                let c = path.coefficients[(m * dY + mp) * dOut + mo]
                guard c != 0 else { continue }
                entries.append(Entry(weightColumn: k * f, featureColumn: (inputOffset[path.input]! + m) * f,
                                     harmonic: path.harmonic * path.harmonic + mp,
                                     messageColumn: (mo * paths.count + k) * f, value: alpha * c))
            } } }
        }
        self.entries = entries
        widths = [irrep.dimension * paths.count * f, paths.count * f, inputDimension * f, harmonicCount]
    }

    /// The messages `[A, (2l+1)·n·F]` from weights `[P, n·F]`, features `[A, D_in·F]` and harmonics `[P, (lmax+1)²]`.
    func callAsFunction<S: TensorScalar>(weights: Tensor<S>, features: Tensor<S>, harmonics: Tensor<S>) -> Tensor<S> {
        apply(.messages, [weights, features, harmonics])
    }

    /// ∂Q/∂`slot` from the other three slots' tensors (in slot order).
    func apply<S: TensorScalar>(_ slot: Slot, _ inputs: [Tensor<S>]) -> Tensor<S> {
        let others = Slot.allCases.filter { $0 != slot }
        for (u, t) in zip(others, inputs) {
            precondition(t.rank == 2 && t.shape == [rows(u), widths[u.rawValue]], "edge product slot \(u): shape \(t.shape)")
        }
        return Tensor.custom("edgeTensorProduct.\(slot)", inputs: inputs, forward: { x in
            let out = run(slot, x.map(\.scalars))
            return Tensor(shape: [rows(slot), widths[slot.rawValue]], scalars: out)
        }, vjp: { g, x, _, needs in
            others.indices.map { i -> Tensor<S>? in
                guard needs[i] else { return nil }
                // Slot others[i]'s gradient: the cotangent takes `slot`'s place.
                var filled: [Slot: Tensor<S>] = [slot: g]
                for (j, u) in others.enumerated() where j != i { filled[u] = x[j] }
                let target = others[i]
                return apply(target, Slot.allCases.filter { $0 != target }.map { filled[$0]! })
            }
        })
    }

    private func rows(_ slot: Slot) -> Int {
        slot == .messages || slot == .features ? atomCount : receivers.count
    }

    /// The kernel for `slot`; `x` are the other slots' values in slot order. One pass over
    /// the edges; per edge and coupling entry a fused loop over the F channels.
    @_specialize(where S == Float) @_specialize(where S == Double)
    func run<S: TensorScalar>(_ slot: Slot, _ x: [[S]]) -> [S] {
        var slots: [[S]] = [], i = 0
        for s in Slot.allCases { if s == slot { slots.append([]) } else { slots.append(x[i]); i += 1 } }
        let f = channels, wA = widths[0], wW = widths[1], wX = widths[2], wY = widths[3]
        let n = entries.count
        let wc = entries.map(\.weightColumn), xc = entries.map(\.featureColumn), hc = entries.map(\.harmonic)
        let ac = entries.map(\.messageColumn), v = entries.map { S($0.value) }
        var out = [S](repeating: 0, count: rows(slot) * widths[slot.rawValue])
        withPointers(slots) { p in
            out.withUnsafeMutableBufferPointer { o in
                let a = p[0], w = p[1], xx = p[2], y = p[3], out = o.baseAddress!
                for e in 0..<receivers.count {
                    let aRow = a + receivers[e] * wA, xRow = xx + senders[e] * wX, wRow = w + e * wW, yRow = y + e * wY
                    switch slot {
                    case .messages:
                        let target = out + receivers[e] * wA
                        for k in 0..<n {
                            let coef = v[k] * yRow[hc[k]], t = target + ac[k], wv = wRow + wc[k], xv = xRow + xc[k]
                            for c in 0..<f { t[c] += coef * wv[c] * xv[c] }
                        }
                    case .weights:
                        let target = out + e * wW
                        for k in 0..<n {
                            let coef = v[k] * yRow[hc[k]], t = target + wc[k], av = aRow + ac[k], xv = xRow + xc[k]
                            for c in 0..<f { t[c] += coef * av[c] * xv[c] }
                        }
                    case .features:
                        let target = out + senders[e] * wX
                        for k in 0..<n {
                            let coef = v[k] * yRow[hc[k]], t = target + xc[k], av = aRow + ac[k], wv = wRow + wc[k]
                            for c in 0..<f { t[c] += coef * av[c] * wv[c] }
                        }
                    case .harmonics:
                        let target = out + e * wY
                        for k in 0..<n {
                            let av = aRow + ac[k], wv = wRow + wc[k], xv = xRow + xc[k]
                            var sum = S(0)
                            for c in 0..<f { sum += av[c] * wv[c] * xv[c] }
                            target[hc[k]] += v[k] * sum
                        }
                    }
                }
            }
        }
        return out
    }
}
