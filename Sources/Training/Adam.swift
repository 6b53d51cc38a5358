// Adam (Kingma & Ba 2015) with optional decoupled weight decay (AdamW, Loshchilov & Hutter 2019).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autodiff

/// Adam with bias correction and optional decoupled weight decay (AdamW).
///
/// Per scalar weight `θ` with gradient `g` at step `t = 1, 2, …`, learning rate `η`,
/// decay rates `β₁, β₂`, `ε` and weight decay `λ` (PyTorch `AdamW` order):
///
///     θ ← θ (1 − η λ)                       (only when λ > 0: AdamW)
///     m ← β₁ m + (1 − β₁) g                  (m₀ = 0)
///     v ← β₂ v + (1 − β₂) g²                 (v₀ = 0)
///     m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
///     θ ← θ − η m̂ / (√v̂ + ε)
///
/// Defaults: `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`, `λ = 0` (plain Adam). `ε` has the units of the
/// gradient. State: buffers `"m"` and `"v"` per parameter and the step `t`.
public struct Adam<Scalar: TensorScalar>: Optimizer {
    /// Learning rate `η`.
    public var learningRate: Double
    /// First-moment decay rate `β₁`.
    public var beta1: Double
    /// Second-moment decay rate `β₂`.
    public var beta2: Double
    /// Denominator guard `ε`.
    public var epsilon: Double
    /// Decoupled weight decay `λ` (0: Adam, > 0: AdamW).
    public var weightDecay: Double
    /// Completed steps `t`.
    public private(set) var step = 0
    private var m: [String: [Double]] = [:]
    private var v: [String: [Double]] = [:]

    /// Adam (or AdamW when `weightDecay > 0`).
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0) {
        precondition(learningRate >= 0 && epsilon >= 0 && weightDecay >= 0)
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "betas must lie in [0, 1)")
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public mutating func update(_ parameters: inout ParameterSet<Scalar>, along gradient: ParameterSet<Scalar>) {
        let t = Double(step + 1)
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        let c1 = 1 - pow(b1, t), c2 = 1 - pow(b2, t)
        // The moments, taken out of the dictionaries so each array is uniquely referenced and
        // updated in place, on whichever thread updates its tensor.
        let names = parameters.names
        var moments = names.indices.map { i -> (m: [Double], v: [Double]) in
            let n = parameters[i].count
            return (m.removeValue(forKey: names[i]) ?? [Double](repeating: 0, count: n),
                    v.removeValue(forKey: names[i]) ?? [Double](repeating: 0, count: n))
        }
        moments.withUnsafeMutableBufferPointer { state in
            updateEachConcurrently(&parameters, gradient) { i, x, g in
                state[i].m.withUnsafeMutableBufferPointer { mb in
                    state[i].v.withUnsafeMutableBufferPointer { vb in
                        let xp = x.baseAddress!, gp = g.baseAddress!, mp = mb.baseAddress!, vp = vb.baseAddress!
                        let n = x.count
                        var k = 0
                        // Four weights at a time; each lane does the scalar loop's operations in its
                        // order (IEEE division and square root are exact per lane), so the numbers
                        // are bitwise those of the scalar loop below.
                        while k + 4 <= n {
                            var xk = load4(xp + k)
                            let gk = load4(gp + k)
                            if wd > 0 { xk *= 1 - lr * wd }
                            let mk = b1 * load4(mp + k) + (1 - b1) * gk
                            let vk = b2 * load4(vp + k) + (1 - b2) * gk * gk
                            store4(mp + k, mk)
                            store4(vp + k, vk)
                            store4(xp + k, xk - lr * (mk / c1) / ((vk / c2).squareRoot() + eps))
                            k += 4
                        }
                        while k < n {
                            if wd > 0 { x[k] *= 1 - lr * wd }
                            mb[k] = b1 * mb[k] + (1 - b1) * g[k]
                            vb[k] = b2 * vb[k] + (1 - b2) * g[k] * g[k]
                            x[k] -= lr * (mb[k] / c1) / ((vb[k] / c2).squareRoot() + eps)
                            k += 1
                        }
                    }
                }
            }
        }
        for (name, state) in zip(names, moments) { m[name] = state.m; v[name] = state.v }
        step += 1
    }

    public var state: OptimizerState {
        OptimizerState(kind: "Adam", step: step, learningRate: learningRate, buffers: ["m": m, "v": v])
    }

    public mutating func restore(_ state: OptimizerState) throws {
        try checkKind(state, "Adam")
        step = state.step; learningRate = state.learningRate
        m = state.buffers["m"] ?? [:]; v = state.buffers["v"] ?? [:]
    }
}

