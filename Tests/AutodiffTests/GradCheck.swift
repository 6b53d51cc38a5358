import Chemistry
import Autodiff

typealias T = Tensor<Double>


func randomTensor(_ shape: [Int], in range: ClosedRange<Double> = -1...1, seed: UInt64) -> T {
    var g = SeededGenerator(seed: seed)
    return T.randomUniform(shape: shape, in: range, using: &g)
}

/// Relative error `|a − b| / max(1, |a|, |b|)`.
func relErr(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(1, abs(a), abs(b)) }

/// Replaces element `i` of input `k` by `value + delta`.
func perturbed(_ inputs: [T], _ k: Int, _ i: Int, _ delta: Double) -> [T] {
    var xs = inputs.map { $0.detached() }
    var s = xs[k].scalars; s[i] += delta
    xs[k] = T(shape: xs[k].shape, scalars: s)
    return xs
}

/// Compares the reverse-mode gradient of the scalar function `f` at `inputs` with central
/// finite differences in Float64. Returns the largest relative error over all elements.
func checkGradient(of f: ([T]) -> T, at inputs: [T], eps: Double = 1e-6) -> Double {
    let leaves = inputs.map { $0.requiringGrad() }
    let grads = gradient(of: f(leaves), withRespectTo: leaves)
    var worst = 0.0
    for k in inputs.indices {
        for i in 0..<inputs[k].count {
            let fd = (f(perturbed(inputs, k, i, eps)).item - f(perturbed(inputs, k, i, -eps)).item) / (2 * eps)
            worst = max(worst, relErr(grads[k].scalars[i], fd))
        }
    }
    return worst
}

/// Compares the Hessian–vector product `H v` of the scalar `f` at `inputs`, computed by
/// differentiating `⟨∇f, v⟩` (a createGraph gradient differentiated again), with the central
/// difference of gradients `(∇f(x + εv) − ∇f(x − εv)) / 2ε`. Returns the largest relative error.
func checkHessianVectorProduct(of f: ([T]) -> T, at inputs: [T], direction v: [T], eps: Double = 1e-5) -> Double {
    let leaves = inputs.map { $0.requiringGrad() }
    let g = gradient(of: f(leaves), withRespectTo: leaves, createGraph: true)
    var inner = (g[0] * v[0]).sum()
    for k in 1..<max(inputs.count, 1) where k < inputs.count { inner = inner + (g[k] * v[k]).sum() }
    let hv = gradient(of: inner, withRespectTo: leaves)
    func gradAt(_ sign: Double) -> [T] {
        let xs = zip(inputs, v).map { (x, d) in T(shape: x.shape, scalars: zip(x.scalars, d.scalars).map { $0 + sign * eps * $1 }).requiringGrad() }
        return gradient(of: f(xs), withRespectTo: xs)
    }
    let gp = gradAt(1), gm = gradAt(-1)
    var worst = 0.0
    for k in inputs.indices {
        for i in 0..<inputs[k].count {
            worst = max(worst, relErr(hv[k].scalars[i], (gp[k].scalars[i] - gm[k].scalars[i]) / (2 * eps)))
        }
    }
    return worst
}

/// Makes a scalar test function from a tensor op: `Σ sin(op(x)) ⊙ w` with fixed random
/// weights `w`, so the Hessian is non-trivial even for linear ops.
func scalarized(_ op: @escaping ([T]) -> T, seed: UInt64 = 99) -> ([T]) -> T {
    { xs in
        let y = op(xs)
        let w = randomTensor(y.shape, seed: seed)
        return (y.sin() * w).sum()
    }
}

/// Checks first and second order for `op` at `inputs`; returns (gradient error, HVP error).
func checkBothOrders(_ op: @escaping ([T]) -> T, at inputs: [T]) -> (Double, Double) {
    let f = scalarized(op)
    let v = inputs.enumerated().map { randomTensor($0.element.shape, seed: 1000 + UInt64($0.offset)) }
    return (checkGradient(of: f, at: inputs), checkHessianVectorProduct(of: f, at: inputs, direction: v))
}
