// THE rule table: the vector–Jacobian product of every primitive, in one place.
//
// Each rule is written with differentiable tensor operations. When `gradient(...)` runs with
// `createGraph: true`, rules receive the real (graph) inputs and output, so the gradients they
// build are graph nodes and can be differentiated again. With `createGraph: false` they receive
// detached copies, so the same code computes plain values and records nothing.

/// A recorded primitive operation: what `Tensor.record` stores in a graph node.
enum Primitive<Scalar: TensorScalar> {
    case unary(UnaryKernel<Scalar>)
    case binary(BinaryKernel)
    case matmul(transposeA: Bool, transposeB: Bool)
    case sumToShape
    case broadcast
    case reshape
    case permute([Int])
    case concat(axis: Int)
    case slice(axis: Int, start: Int)
    case pad(axis: Int, start: Int)
    case gather(axis: Int, indices: [Int])
    case scatterAdd(axis: Int, indices: [Int])
    case custom(CustomRule<Scalar>)

    typealias T = Tensor<Scalar>

    /// VJPs `[∂⟨g, y⟩/∂xᵢ]` for output `y = op(x)` and cotangent `g` (shape of `y`).
    /// Entries where `needs[i]` is false may be nil.
    func vjp(_ g: T, _ x: [T], _ y: T, _ needs: [Bool]) -> [T?] {
        switch self {
        case .unary(let k):
            let a = x[0]
            switch k {
            case .neg: return [-g]
            case .exp: return [g * y]
            case .log: return [g / a]
            case .sqrt: return [(g / y) * 0.5]
            case .sin: return [g * a.cos()]
            case .cos: return [-(g * a.sin())]
            case .tanh: return [g * (1 - y * y)]
            case .sigmoid: return [g * (y * (1 - y))]
            case .softplus: return [g * a.sigmoid()]
            case .silu:
                let s = a.sigmoid()
                return [g * (s * (1 + a * (1 - s)))]
            case .pow(let p): return [g * (a.pow(p - 1) * p)]
            case .addScalar: return [g]
            case .scale(let c): return [g * c]
            case .celu(let alpha): return [g * a.celuDerivative(alpha: alpha)]
            case .celuPrime(let alpha):
                // d/dx [x > 0 ? 1 : exp(x/α)] = x > 0 ? 0 : exp(x/α)/α = y (1 − [x > 0]) / α
                let negative = 1 - a.positiveMask()
                return [g * (y * negative) * (1 / alpha)]
            case .clamp(let lo, let hi): return [g * a.mask(inRange: lo, hi)]
            case .inRange, .positive: return [nil]
            }
        case .binary(let k):
            let a = x[0], b = x[1]
            switch k {
            case .add: return [needs[0] ? g.sum(toShape: a.shape) : nil, needs[1] ? g.sum(toShape: b.shape) : nil]
            case .sub: return [needs[0] ? g.sum(toShape: a.shape) : nil, needs[1] ? (-g).sum(toShape: b.shape) : nil]
            case .mul: return [needs[0] ? (g * b).sum(toShape: a.shape) : nil, needs[1] ? (g * a).sum(toShape: b.shape) : nil]
            case .div:
                // ∂(a/b)/∂b = −a/b² = −y/b
                return [needs[0] ? (g / b).sum(toShape: a.shape) : nil,
                        needs[1] ? (-(g * y) / b).sum(toShape: b.shape) : nil]
            }
        case .matmul(let tA, let tB):
            // C = op(A) op(B):  dA = g op(B)ᵀ (or its transpose),  dB = op(A)ᵀ g (or its transpose).
            let a = x[0], b = x[1]
            let da = !needs[0] ? nil : (tA ? Autodiff.matmul(b, g, transposeA: tB, transposeB: true)
                                          : Autodiff.matmul(g, b, transposeA: false, transposeB: !tB))
            let db = !needs[1] ? nil : (tB ? Autodiff.matmul(g, a, transposeA: true, transposeB: tA)
                                          : Autodiff.matmul(a, g, transposeA: !tA, transposeB: false))
            return [da, db]
        case .sumToShape: return [g.broadcast(to: x[0].shape)]
        case .broadcast: return [g.sum(toShape: x[0].shape)]
        case .reshape: return [g.reshaped(x[0].shape)]
        case .permute(let p):
            var inverse = p
            for (i, j) in p.enumerated() { inverse[j] = i }
            return [g.permuted(inverse)]
        case .concat(let axis):
            var offset = 0
            return x.enumerated().map { i, t in
                defer { offset += t.shape[axis] }
                return needs[i] ? g.slice(alongAxis: axis, start: offset, length: t.shape[axis]) : nil
            }
        case .slice(let axis, let start): return [g.padded(alongAxis: axis, start: start, extent: x[0].shape[axis])]
        case .pad(let axis, let start): return [g.slice(alongAxis: axis, start: start, length: x[0].shape[axis])]
        case .gather(let axis, let indices): return [g.scatterAdd(indices: indices, into: x[0].shape[axis], axis: axis)]
        case .scatterAdd(let axis, let indices): return [g.gather(indices: indices, axis: axis)]
        case .custom(let rule): return rule.vjp(g, x, y, needs)
        }
    }
}
