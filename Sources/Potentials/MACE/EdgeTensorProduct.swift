import Autodiff

/// The channel-wise tensor products of one MACE layer, summed over each atom's incoming
/// edges, as one fused operation (no per-edge `[P, 2l+1, F]` tensors are stored).
///
/// With edges e from sender s(e) to receiver r(e), radial weights W `[P, K·F]` (path k in
/// columns k·F ..< (k+1)·F), node features X `[A, D_in·F]` (the input irreps concatenated,
/// each `[2l+1, F]`), harmonics Y `[P, (lmax+1)²]`, and each path's coupling entries
/// (m, m′, M, v) with v = √(2l_out+1) C[m, m′, M], the messages are
///
///     A[r(e), o_k(M) + c] += Σ_{(m, m′, M, v) ∈ k} v W[e, kF + c] X[s(e), m F + c] Y[e, m′]
///
/// laid out `[A, Σ_ir (2l_ir+1)·n_ir·F]`: one block per message irrep ir, `[2l+1, n_ir·F]`
/// (the n_ir paths into ir side by side), ready for the linear map over paths. All four
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

    /// The product of `layer`'s paths over the edges of `topology` (receiver = centre,
    /// sender = neighbour, as mace's edges), `channels` F.
    init(layer: MACELayer, receivers: [Int], senders: [Int], atomCount: Int, channels f: Int, harmonicCount: Int) {
        self.receivers = receivers; self.senders = senders; self.atomCount = atomCount; channels = f
        var inputOffset: [Irrep: Int] = [:], offset = 0
        for ir in layer.inputs { inputOffset[ir] = offset; offset += ir.dimension }
        let inputDimension = offset
        var messageOffset: [Irrep: Int] = [:], messageWidth = 0
        for ir in layer.messages {
            messageOffset[ir] = messageWidth
            messageWidth += ir.dimension * layer.paths(into: ir).count * f
        }
        var entries: [Entry] = []
        for (k, path) in layer.paths.enumerated() {
            let siblings = layer.paths(into: path.output).count
            let j = layer.paths[..<k].filter { $0.output == path.output }.count
            let dIn = path.input.dimension, dY = 2 * path.harmonic + 1, dOut = path.output.dimension
            let alpha = Double(dOut).squareRoot()
            for m in 0..<dIn { for mp in 0..<dY { for mo in 0..<dOut {
                let c = path.coefficients[(m * dY + mp) * dOut + mo]
                guard c != 0 else { continue }
                entries.append(Entry(weightColumn: k * f, featureColumn: (inputOffset[path.input]! + m) * f,
                                     harmonic: path.harmonic * path.harmonic + mp,
                                     messageColumn: messageOffset[path.output]! + (mo * siblings + j) * f, value: alpha * c))
            } } }
        }
        self.entries = entries
        widths = [messageWidth, layer.paths.count * f, inputDimension * f, harmonicCount]
    }

    /// The messages `[A, message width]` from weights `[P, K·F]`, features `[A, D_in·F]` and harmonics `[P, (lmax+1)²]`.
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

    /// The kernel for `slot`; `x` are the other slots' values in slot order.
    @_specialize(where S == Float) @_specialize(where S == Double)
    func run<S: TensorScalar>(_ slot: Slot, _ x: [[S]]) -> [S] {
        var slots: [[S]] = [], i = 0
        for s in Slot.allCases { if s == slot { slots.append([]) } else { slots.append(x[i]); i += 1 } }
        let f = channels, wA = widths[0], wW = widths[1], wX = widths[2], wY = widths[3]
        var out = [S](repeating: 0, count: rows(slot) * widths[slot.rawValue])
        slots[0].withUnsafeBufferPointer { a in slots[1].withUnsafeBufferPointer { w in
        slots[2].withUnsafeBufferPointer { xx in slots[3].withUnsafeBufferPointer { y in
        out.withUnsafeMutableBufferPointer { o in
            for e in 0..<receivers.count {
                let r = receivers[e], s = senders[e]
                for entry in entries {
                    switch slot {
                    case .messages:
                        let coef = S(entry.value) * y[e * wY + entry.harmonic]
                        if coef == 0 { continue }
                        let out = o.baseAddress! + r * wA + entry.messageColumn
                        let wv = w.baseAddress! + e * wW + entry.weightColumn, xv = xx.baseAddress! + s * wX + entry.featureColumn
                        for c in 0..<f { out[c] += coef * wv[c] * xv[c] }
                    case .weights:
                        let coef = S(entry.value) * y[e * wY + entry.harmonic]
                        if coef == 0 { continue }
                        let out = o.baseAddress! + e * wW + entry.weightColumn
                        let av = a.baseAddress! + r * wA + entry.messageColumn, xv = xx.baseAddress! + s * wX + entry.featureColumn
                        for c in 0..<f { out[c] += coef * av[c] * xv[c] }
                    case .features:
                        let coef = S(entry.value) * y[e * wY + entry.harmonic]
                        if coef == 0 { continue }
                        let out = o.baseAddress! + s * wX + entry.featureColumn
                        let av = a.baseAddress! + r * wA + entry.messageColumn, wv = w.baseAddress! + e * wW + entry.weightColumn
                        for c in 0..<f { out[c] += coef * av[c] * wv[c] }
                    case .harmonics:
                        let av = a.baseAddress! + r * wA + entry.messageColumn
                        let wv = w.baseAddress! + e * wW + entry.weightColumn, xv = xx.baseAddress! + s * wX + entry.featureColumn
                        var sum = S(0)
                        for c in 0..<f { sum += av[c] * wv[c] * xv[c] }
                        o[e * wY + entry.harmonic] += S(entry.value) * sum
                    }
                }
            }
        } } } } }
        return out
    }
}
