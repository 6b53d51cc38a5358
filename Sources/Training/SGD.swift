// Stochastic gradient descent with optional heavy-ball momentum.

import Autodiff

/// Stochastic gradient descent with optional momentum (PyTorch convention).
///
/// Per scalar weight `θ` with gradient `g`, momentum `μ`, learning rate `η`:
///
///     v ← μ v + g          (v₀ = 0; skipped when μ = 0)
///     θ ← θ − η v
///
/// With `μ = 0` this is plain `θ ← θ − η g`. State: the velocity `v` per parameter
/// (buffer `"velocity"`).
public struct SGD<Scalar: TensorScalar>: Optimizer {
    /// Learning rate `η`.
    public var learningRate: Double
    /// Momentum `μ ∈ [0, 1)`.
    public var momentum: Double
    /// Completed steps.
    public private(set) var step = 0
    /// Velocity per parameter name.
    private var velocity: [String: [Double]] = [:]

    /// SGD with learning rate `η` and momentum `μ` (default 0: none).
    public init(learningRate: Double, momentum: Double = 0) {
        precondition(learningRate >= 0, "negative learning rate")
        precondition(momentum >= 0 && momentum < 1, "momentum must lie in [0, 1)")
        self.learningRate = learningRate; self.momentum = momentum
    }

    public mutating func update(_ parameters: inout ParameterSet<Scalar>, along gradient: ParameterSet<Scalar>) {
        let lr = learningRate, mu = momentum
        var vel = velocity
        updateEach(&parameters, gradient) { _, name, x, g in
            if mu == 0 {
                for k in x.indices { x[k] -= lr * g[k] }
            } else {
                var v = vel[name] ?? [Double](repeating: 0, count: x.count)
                for k in x.indices { v[k] = mu * v[k] + g[k]; x[k] -= lr * v[k] }
                vel[name] = v
            }
        }
        velocity = vel
        step += 1
    }

    public var state: OptimizerState {
        OptimizerState(kind: "SGD", step: step, learningRate: learningRate, buffers: ["velocity": velocity])
    }

    public mutating func restore(_ state: OptimizerState) throws {
        try checkKind(state, "SGD")
        step = state.step; learningRate = state.learningRate
        velocity = state.buffers["velocity"] ?? [:]
    }
}
