// The continual resilient (CoRe) optimizer of Eckhoff & Reiher.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autodiff

/// The continual resilient (CoRe) optimizer: M. Eckhoff and M. Reiher, "Lifelong Machine
/// Learning Potentials", J. Chem. Theory Comput. 19, 3509 (2023), doi:10.1021/acs.jctc.3c00279;
/// and "CoRe Optimizer: An All-in-One Solution for Machine Learning", arXiv:2307.15663.
///
/// Re-implemented from the update rule of the authors' `core-optimizer` 1.1.0 package
/// (`_single_tensor_core`), operation by operation. It combines Adam-like moment averages with
/// RPROP-like per-weight step sizes and a stability–plasticity balance that freezes the weights
/// that have contributed most to lowering the loss.
///
/// Per scalar weight `θ` with gradient `G` at step `t = 1, 2, …` (`τ = t − 1`):
///
///     h  ← β₂ h + (1 − β₂) G²                                     (h₀ = 0)
///     β₁ = β₁ᵇ + (β₁ᵃ − β₁ᵇ) exp(−(τ / β₁ᶜ)²)
///     g  = β₁ g₋ + (1 − β₁) G                                      (g₋: previous g, 0 at first)
///     P  = 0 if score history t_hist > 0, τ ≥ t_hist, and S ≥ 0.999999 · (k-th largest S in the
///            tensor), k = ⌊p_frozen · tensor size⌋ > 0; then also S ← (1 − 1/t_hist) S.
///          P = 1 otherwise
///     s  ← clamp(s · {η₊ if g g₋ P > 0; η₋ if g g₋ P < 0; 1 otherwise}, s_min, s_max)   (s₀ = lr)
///     u  = s P · (g / (1 − β₁ᵗ)) / (√(h / (1 − β₂ᵗ)) + ε)        (u = s P sgn g if β₂ < 0)
///     S  ← S + g u / t_hist                                        (only if t_hist > 0)
///     θ  ← θ − d |u| θ − u
///     g₋ ← g
///
/// Note `β₁ᵗ` uses the current, step-dependent `β₁`. The learning rate only sets the initial
/// step size `s₀` of each weight; changing ``learningRate`` later affects no weight already
/// stepped (as in the reference package), so plateau schedules act on CoRe only through
/// `stepSizes`.
///
/// State (buffers): `"prev1"` (g₋), `"prev2"` (h), `"stepSize"` (s), `"score"` (S) per
/// parameter; counters `"frozen"` (k per parameter).
public struct CoReOptimizer<Scalar: TensorScalar>: Optimizer {
    /// Learning rate: the initial per-weight step size `s₀` (default 1e-3).
    public var learningRate: Double
    /// Minimal and maximal step sizes `(s_min, s_max)` (default (1e-6, 1e-2); the authors
    /// recommend `s_max` 1e-3 for mini-batch, 1 for full-batch and 1e-2 in between).
    public var stepSizes: (min: Double, max: Double)
    /// Step-size decrease and increase factors `(η₋, η₊)` with `0 < η₋ ≤ 1 ≤ η₊`
    /// (default (0.7375, 1.2)), applied when the averaged gradient changes or keeps its sign.
    public var etas: (minus: Double, plus: Double)
    /// Momentum schedule and second-moment decay `(β₁ᵃ, β₁ᵇ, β₁ᶜ, β₂)` (default
    /// (0.7375, 0.8125, 250, 0.99)): `β₁` moves from `β₁ᵃ` at the first step to `β₁ᵇ` on a Gaussian
    /// of width `β₁ᶜ` steps; `β₂ < 0` switches to sign updates (no second moment).
    public var betas: (beta1Initial: Double, beta1Final: Double, beta1Steps: Double, beta2: Double)
    /// Denominator guard `ε` (default 1e-8; units of the gradient).
    public var epsilon: Double
    /// Weight decay `d` (default 0.1): shrinks `θ` by `d |u| θ`, i.e. proportionally to the
    /// size of the step each weight takes.
    public var weightDecay: Double
    /// Per-parameter overrides of ``weightDecay`` (e.g. 0 for biases), by parameter name.
    public var weightDecayByName: [String: Double]
    /// Score history `t_hist` in steps (default 0: no freezing). After `t_hist` steps the score
    /// `S` (an exponential average of `g u`, the loss decrease each weight produced) decides which
    /// weights are frozen.
    public var scoreHistory: Int
    /// Fraction `p_frozen ∈ [0, 1]` of each tensor's weights frozen once the score history is
    /// built (default 0; needs `scoreHistory > 0`). `k = ⌊p_frozen · size⌋` per tensor.
    public var frozenFraction: Double
    /// Completed steps.
    public private(set) var step = 0

    private var prev1: [String: [Double]] = [:]
    private var prev2: [String: [Double]] = [:]
    private var stepSize: [String: [Double]] = [:]
    private var score: [String: [Double]] = [:]
    private var frozen: [String: Int] = [:]

    /// CoRe with the reference package's defaults.
    public init(learningRate: Double = 1e-3,
                stepSizes: (min: Double, max: Double) = (1e-6, 1e-2),
                etas: (minus: Double, plus: Double) = (0.7375, 1.2),
                betas: (beta1Initial: Double, beta1Final: Double, beta1Steps: Double, beta2: Double) = (0.7375, 0.8125, 250, 0.99),
                epsilon: Double = 1e-8,
                weightDecay: Double = 0.1,
                weightDecayByName: [String: Double] = [:],
                scoreHistory: Int = 0,
                frozenFraction: Double = 0) {
        precondition(learningRate > 0, "invalid learning rate \(learningRate)")
        precondition(0 < stepSizes.min && stepSizes.min <= stepSizes.max, "invalid step sizes \(stepSizes)")
        precondition(0 < etas.minus && etas.minus <= 1 && 1 <= etas.plus, "invalid etas \(etas)")
        precondition((0..<1).contains(betas.beta1Initial) && (0..<1).contains(betas.beta1Final)
                     && betas.beta1Steps > 0 && betas.beta2 < 1, "invalid betas \(betas)")
        precondition(epsilon >= 0 && weightDecay >= 0 && scoreHistory >= 0)
        precondition((0...1).contains(frozenFraction), "frozen fraction must lie in [0, 1]")
        self.learningRate = learningRate; self.stepSizes = stepSizes; self.etas = etas
        self.betas = betas; self.epsilon = epsilon; self.weightDecay = weightDecay
        self.weightDecayByName = weightDecayByName
        self.scoreHistory = scoreHistory; self.frozenFraction = frozenFraction
    }

    public mutating func update(_ parameters: inout ParameterSet<Scalar>, along gradient: ParameterSet<Scalar>) {
        let tau = step
        let (b1a, b1b, b1c, b2) = betas
        let beta1 = b1b + (b1a - b1b) * exp(-pow(Double(tau) / b1c, 2))
        let c1 = 1 - pow(beta1, Double(tau + 1)), c2 = 1 - pow(b2, Double(tau + 1))
        let eps = epsilon, hist = scoreHistory, lr = learningRate
        let (smin, smax) = stepSizes, (etaMinus, etaPlus) = etas
        var p1 = prev1, p2 = prev2, ss = stepSize, sc = score, fr = frozen
        let fraction = frozenFraction, wdDefault = weightDecay, wdByName = weightDecayByName

        updateEach(&parameters, gradient) { _, name, x, G in
            let n = x.count
            var g1 = p1[name] ?? [Double](repeating: 0, count: n)
            var h = p2[name] ?? [Double](repeating: 0, count: n)
            var s = ss[name] ?? [Double](repeating: lr, count: n)
            var S = sc[name] ?? [Double](repeating: 0, count: n)
            let k = fr[name] ?? Int(fraction * Double(n))
            fr[name] = k
            let d = wdByName[name] ?? wdDefault

            if b2 >= 0 { for i in 0..<n { h[i] = h[i] * b2 + (1 - b2) * G[i] * G[i] } }
            // torch.lerp(G, g₋, β₁) for β₁ ≥ 0.5: end − (end − start)(1 − w).
            var g = [Double](repeating: 0, count: n)
            for i in 0..<n {
                g[i] = beta1 < 0.5 ? G[i] + beta1 * (g1[i] - G[i]) : g1[i] - (g1[i] - G[i]) * (1 - beta1)
            }

            var plastic = [Double](repeating: 1, count: n)
            if hist > 0, tau >= hist, k > 0 {
                let kth = S.sorted(by: >)[k - 1]
                for i in 0..<n where S[i] >= 0.999999 * kth { plastic[i] = 0 }
                for i in 0..<n { S[i] *= 1 - 1 / Double(hist) }
            }

            for i in 0..<n {
                var prod = g[i] * g1[i]
                if hist > 0 { prod *= plastic[i] }
                let factor = prod > 0 ? etaPlus : (prod < 0 ? etaMinus : 1)
                s[i] = Swift.min(Swift.max(s[i] * factor, smin), smax)

                var u: Double
                if b2 >= 0 {
                    u = (g[i] / c1) / ((h[i] / c2).squareRoot() + eps)
                } else {
                    u = g[i] > 0 ? 1 : (g[i] < 0 ? -1 : 0)
                }
                u *= s[i]
                if hist > 0 {
                    u *= plastic[i]
                    S[i] += (1 / Double(hist)) * g[i] * u
                }
                x[i] += -d * Swift.abs(u) * x[i]
                x[i] -= u
            }
            g1 = g
            p1[name] = g1; p2[name] = h; ss[name] = s; sc[name] = S
        }
        prev1 = p1; prev2 = p2; stepSize = ss; score = sc; frozen = fr
        step += 1
    }

    /// Current per-weight step sizes `s` of the parameter called `name` (nil before its first step).
    public func stepSizes(of name: String) -> [Double]? { stepSize[name] }

    public var state: OptimizerState {
        OptimizerState(kind: "CoRe", step: step, learningRate: learningRate,
                       counters: ["frozen": frozen],
                       buffers: ["prev1": prev1, "prev2": prev2, "stepSize": stepSize, "score": score])
    }

    public mutating func restore(_ state: OptimizerState) throws {
        try checkKind(state, "CoRe")
        step = state.step; learningRate = state.learningRate
        prev1 = state.buffers["prev1"] ?? [:]; prev2 = state.buffers["prev2"] ?? [:]
        stepSize = state.buffers["stepSize"] ?? [:]; score = state.buffers["score"] ?? [:]
        frozen = state.counters["frozen"] ?? [:]
    }
}
