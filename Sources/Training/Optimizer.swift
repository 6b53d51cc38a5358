// The optimizer protocol and the plain-array state that checkpoints store.

import Autodiff

/// A first-order optimizer: given gradients, moves a ``ParameterSet`` one step.
///
/// Optimizers are values. Their state (moment estimates, step counters, per-weight step sizes)
/// lives inside the value, so copying an optimizer copies its state — a Reptile inner loop can
/// start from `var inner = outer` and throw `inner` away afterwards.
///
/// Arithmetic is done in `Double` whatever `Scalar` is, and state is kept in `Double`, so
/// ``state`` → ``restore(_:)`` round-trips exactly and a restored run continues bit-identically.
public protocol Optimizer {
    /// The parameter scalar type (`Float` or `Double`).
    associatedtype Scalar: TensorScalar

    /// The learning rate `η` (dimensionless factor on the update); schedulers may change it
    /// between steps. See each optimizer for how it enters the update.
    var learningRate: Double { get set }

    /// Number of completed ``update(_:along:)`` calls.
    var step: Int { get }

    /// One optimisation step: `parameters ← parameters − Δ(gradient, state)`; updates the state.
    /// `gradient` must have the same names and shapes as `parameters`. The new parameters are
    /// plain values (not graph nodes).
    mutating func update(_ parameters: inout ParameterSet<Scalar>, along gradient: ParameterSet<Scalar>)

    /// The full optimizer state as plain arrays (for checkpoints).
    var state: OptimizerState { get }

    /// Replaces the state by `state` (from ``state`` of an optimizer of the same kind).
    /// Throws ``OptimizerStateError`` if the kind differs.
    mutating func restore(_ state: OptimizerState) throws
}

/// Serialisable optimizer state: scalars, counters and per-parameter buffers as plain arrays.
///
/// `buffers[bufferName][parameterName]` is a flat array in the parameter's row-major order,
/// e.g. Adam's `buffers["m"]["W0"]`. Encode with any `Encoder` (JSON, property lists).
public struct OptimizerState: Codable, Equatable, Sendable {
    /// The optimizer kind, e.g. `"SGD"`, `"Adam"`, `"CoRe"`.
    public var kind: String
    /// Completed steps.
    public var step: Int
    /// The learning rate at the time of export.
    public var learningRate: Double
    /// Per-parameter integer counters (e.g. CoRe's frozen-weight counts).
    public var counters: [String: [String: Int]]
    /// Per-parameter buffers (name of buffer → name of parameter → flat values).
    public var buffers: [String: [String: [Double]]]

    enum CodingKeys: String, CodingKey { case kind, step, learningRate, counters, buffers }

    /// Encodes like the synthesized encoder (``NumberArrayJSON`` writes the buffers fast).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(step, forKey: .step)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(counters, forKey: .counters)
        var outer = c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .buffers)
        for (buffer, perParameter) in buffers {
            var inner = outer.nestedContainer(keyedBy: AnyCodingKey.self, forKey: AnyCodingKey(buffer))
            for (parameter, values) in perParameter { try NumberArrayJSON.encode(values, forKey: AnyCodingKey(parameter), in: &inner) }
        }
    }

    /// A state with the given fields.
    public init(kind: String, step: Int, learningRate: Double,
                counters: [String: [String: Int]] = [:], buffers: [String: [String: [Double]]] = [:]) {
        self.kind = kind; self.step = step; self.learningRate = learningRate
        self.counters = counters; self.buffers = buffers
    }
}

/// Restoring an optimizer from state written by a different kind of optimizer.
public struct OptimizerStateError: Error, CustomStringConvertible, Equatable {
    /// The kind the optimizer expected.
    public var expected: String
    /// The kind found in the state.
    public var found: String
    /// A readable message.
    public var description: String { "optimizer state is for \(found), expected \(expected)" }
}

extension Optimizer {
    /// Checks that `state.kind` is `kind`.
    func checkKind(_ state: OptimizerState, _ kind: String) throws {
        guard state.kind == kind else { throw OptimizerStateError(expected: kind, found: state.kind) }
    }
}

/// Applies `body(index, name, parameterValues, gradientValues)` to every tensor of
/// `parameters` in order, in `Double`: `parameterValues` holds the parameter widened to `Double`
/// and is updated in place by `body`; the results are written back as fresh plain tensors,
/// rounded to `S`.
///
/// Both `Double` views live in pooled buffers (``PooledBuffer``), so a steady-state training
/// loop allocates nothing here: widening every parameter and gradient into fresh arrays was a
/// third of a DeepPot-SE training step (2.1 M parameters, about 50 MB of new pages per step).
/// The arithmetic, and so every number, is the same as with arrays.
func updateEach<S: TensorScalar>(
    _ parameters: inout ParameterSet<S>, _ gradient: ParameterSet<S>,
    _ body: (Int, String, UnsafeMutableBufferPointer<Double>, UnsafeBufferPointer<Double>) -> Void
) {
    precondition(parameters.names == gradient.names, "gradient names differ from parameter names")
    var entries: [(String, Tensor<S>)] = []
    entries.reserveCapacity(parameters.count)
    for i in 0..<parameters.count {
        let name = parameters.names[i]
        entries.append((name, updated(parameters[i], along: gradient[i], name: name) { body(i, name, $0, $1) }))
    }
    parameters = ParameterSet(entries)
}

/// Tensor `p` after `body(parameterValues, gradientValues)` updated its values widened to
/// `Double` (pooled buffers), rounded back to `S`: one tensor of ``updateEach(_:_:_:)`` and
/// ``updateEachConcurrently(_:_:_:)``.
private func updated<S: TensorScalar>(_ p: Tensor<S>, along g: Tensor<S>, name: String,
                                      _ body: (UnsafeMutableBufferPointer<Double>, UnsafeBufferPointer<Double>) -> Void) -> Tensor<S> {
    precondition(p.shape == g.shape, "gradient of \(name) has shape \(g.shape), parameter \(p.shape)")
    let x = p.pooledDoubles, gx = g.pooledDoubles
    // `gx` must outlive `body`, which reads it through a pointer: released after its last
    // use, its memory could go back to the pool and be handed out while `body` runs.
    withExtendedLifetime(gx) { body(UnsafeMutableBufferPointer(start: x.pointer, count: x.count), gx.buffer) }
    return Tensor<S>(shape: p.shape, doubles: x)
}

/// ``updateEach(_:_:_:)`` with the tensors shared among ``StepParallelism`` threads (the largest
/// first): `body(index, parameterValues, gradientValues)` must touch nothing but its own
/// tensor's values and state, so the result is bitwise that of the sequential loop. With one
/// thread it is that loop.
func updateEachConcurrently<S: TensorScalar>(
    _ parameters: inout ParameterSet<S>, _ gradient: ParameterSet<S>,
    _ body: (Int, UnsafeMutableBufferPointer<Double>, UnsafeBufferPointer<Double>) -> Void
) {
    precondition(parameters.names == gradient.names, "gradient names differ from parameter names")
    let tensors = StepParallelism.map(parameters.count, costs: parameters.tensors.map { Double($0.count) }) { i in
        updated(parameters[i], along: gradient[i], name: parameters.names[i]) { body(i, $0, $1) }
    }
    parameters = ParameterSet(Array(zip(parameters.names, tensors)))
}
