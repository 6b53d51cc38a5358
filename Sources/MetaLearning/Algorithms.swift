// The meta-learning updates: the inner loop, Reptile, first- and second-order MAML.

import Autodiff
import Chemistry
import Training

/// Records the first non-finite loss that inner loops and meta-gradients meet: one scalar
/// check per loss they compute anyway, so watching changes no number.
public struct LossWatch: Sendable {
    /// The first non-finite loss seen (nil: all finite so far).
    public private(set) var reason: DivergenceReason?

    public init() {}

    mutating func check<S: TensorScalar>(_ loss: Tensor<S>, task: String, innerStep: Int?) {
        guard reason == nil, !loss.scalars[0].isFinite else { return }
        reason = .nonFiniteTaskLoss(task: task, innerStep: innerStep)
    }

    /// Takes `other`'s reason when this watch has none (watches merged in task order keep
    /// the first non-finite loss of a sequential sweep).
    mutating func merge(_ other: LossWatch) {
        if reason == nil { reason = other.reason }
    }

    /// The watch of one task as numbers that travel between ranks (``RankParallelism``):
    /// [1 when a non-finite loss was seen, its inner step (0: the query loss)].
    var encoded: [Double] {
        guard case .nonFiniteTaskLoss(_, let step)? = reason else { return [0, 0] }
        return [1, Double(step ?? 0)]
    }

    /// The watch of task `task` from ``encoded``.
    init(encoded: [Double], task: String) {
        if encoded[0] != 0 { reason = .nonFiniteTaskLoss(task: task, innerStep: encoded[1] == 0 ? nil : Int(encoded[1])) }
    }
}

/// The task-specific adaptation every algorithm shares: k optimizer steps on mini-batches
/// of one task, starting from the shared parameters (learn2learn's `clone → adapt`; with
/// parameters as values the clone is `var learner = meta`).
public struct InnerLoop: Codable, Equatable, Sendable {
    public enum OptimizerKind: String, Codable, Sendable { case sgd, adam }

    /// Inner steps k.
    public var steps: Int
    /// The inner optimizer; a fresh one (zero state) per adaptation.
    public var optimizer: OptimizerKind
    /// Inner learning rate α.
    public var learningRate: Double
    /// Conformations per inner mini-batch.
    public var batchSize: Int

    enum CodingKeys: String, CodingKey {
        case steps, optimizer
        case learningRate = "learning_rate", batchSize = "batch_size"
    }

    /// Decodes with the defaults of `init` for missing keys (manifests name what they change).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(steps: try c.decodeIfPresent(Int.self, forKey: .steps) ?? 10,
                  optimizer: try c.decodeIfPresent(OptimizerKind.self, forKey: .optimizer) ?? .adam,
                  learningRate: try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? 1e-3,
                  batchSize: try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? 16)
    }

    public init(steps: Int, optimizer: OptimizerKind = .adam, learningRate: Double = 1e-3, batchSize: Int = 16) {
        precondition(steps >= 1 && learningRate > 0 && batchSize >= 1)
        self.steps = steps; self.optimizer = optimizer; self.learningRate = learningRate; self.batchSize = batchSize
    }

    /// θ_k after k steps on `task` from `parameters` (plain values), drawing batches from
    /// `sampler` (defaults to a fresh one) with `generator`.
    public func adapt<T: MetaTask>(_ parameters: ParameterSet<T.Scalar>, on task: T, sampler: inout BatchSampler,
                                   using generator: inout SeededGenerator) -> ParameterSet<T.Scalar> {
        var watch = LossWatch()
        return adapt(parameters, on: task, sampler: &sampler, using: &generator, watch: &watch)
    }

    /// `adapt`, recording a non-finite inner-loop loss in `watch`.
    public func adapt<T: MetaTask>(_ parameters: ParameterSet<T.Scalar>, on task: T, sampler: inout BatchSampler,
                                   using generator: inout SeededGenerator, watch: inout LossWatch) -> ParameterSet<T.Scalar> {
        adapt(parameters, on: task, batches: drawBatches(&sampler, using: &generator), watch: &watch)
    }

    /// The `steps` inner mini-batches, drawn in order from `sampler` (all an adaptation takes
    /// from the generator, so drawing them first leaves the generator where a step-by-step
    /// adaptation would).
    public func drawBatches(_ sampler: inout BatchSampler, using generator: inout SeededGenerator) -> [[Int]] {
        (0..<steps).map { _ in sampler.next(batchSize, using: &generator) }
    }

    /// `adapt` on the given inner mini-batches (one per step).
    public func adapt<T: MetaTask>(_ parameters: ParameterSet<T.Scalar>, on task: T, batches: [[Int]],
                                   watch: inout LossWatch) -> ParameterSet<T.Scalar> {
        precondition(batches.count == steps, "\(batches.count) batches for \(steps) inner steps")
        var theta = parameters.detached()
        var sgd = SGD<T.Scalar>(learningRate: learningRate)
        var adam = Adam<T.Scalar>(learningRate: learningRate)
        for (j, indices) in batches.enumerated() {
            let p = theta.requiringGrad()
            let loss = task.loss(parameters: p, indices: indices, createGraph: true)
            watch.check(loss, task: task.name, innerStep: j + 1)
            let g = gradient(of: loss, withRespectTo: p)
            switch optimizer {
            case .sgd: sgd.update(&theta, along: g)
            case .adam: adam.update(&theta, along: g)
            }
        }
        return theta
    }

    /// `adapt` with a fresh sampler over the whole task.
    public func adapt<T: MetaTask>(_ parameters: ParameterSet<T.Scalar>, on task: T,
                                   using generator: inout SeededGenerator) -> ParameterSet<T.Scalar> {
        var sampler = BatchSampler(count: task.count)
        return adapt(parameters, on: task, sampler: &sampler, using: &generator)
    }

    /// `adapt` with a fresh sampler, recording a non-finite inner-loop loss in `watch`.
    public func adapt<T: MetaTask>(_ parameters: ParameterSet<T.Scalar>, on task: T, using generator: inout SeededGenerator,
                                   watch: inout LossWatch) -> ParameterSet<T.Scalar> {
        var sampler = BatchSampler(count: task.count)
        return adapt(parameters, on: task, sampler: &sampler, using: &generator, watch: &watch)
    }
}

/// Reptile (Nichol, Achiam, Schulman, arXiv:1803.02999, 2018), as Allen et al. use it
/// across levels of theory (npj Comput. Mater. 2024, doi 10.1038/s41524-024-01339-x):
///
///     θ ← θ + ε · (1/m) Σ_{t ∈ meta-batch} (U_t^k(θ) − θ)
///
/// where U_t^k is k inner-loop steps on task t. With k = 1, plain SGD and all tasks in the
/// meta-batch, the update is θ − εα · mean_t ∇L_t(θ): joint (multi-task) gradient descent
/// with learning rate εα.
public enum Reptile {
    public static func step<T: MetaTask>(_ meta: ParameterSet<T.Scalar>, tasks: [T], inner: InnerLoop, epsilon: Double,
                                         samplers: inout [BatchSampler], using generator: inout SeededGenerator,
                                         taskIndices: [Int]) -> ParameterSet<T.Scalar> {
        var watch = LossWatch()
        return step(meta, tasks: tasks, inner: inner, epsilon: epsilon, samplers: &samplers, using: &generator,
                    taskIndices: taskIndices, watch: &watch)
    }

    /// `step`, recording a non-finite inner-loop loss in `watch`.
    public static func step<T: MetaTask>(_ meta: ParameterSet<T.Scalar>, tasks: [T], inner: InnerLoop, epsilon: Double,
                                         samplers: inout [BatchSampler], using generator: inout SeededGenerator,
                                         taskIndices: [Int], watch: inout LossWatch) -> ParameterSet<T.Scalar> {
        precondition(!taskIndices.isEmpty, "empty meta-batch")
        // Batches first, in the sequential order; then the tasks adapt independently (on the
        // ranks of an MPI run and `StepParallelism` threads: `RankParallelism`) and their
        // differences are summed in meta-batch order.
        let batches = taskIndices.map { inner.drawBatches(&samplers[$0], using: &generator) }
        let costs = zip(taskIndices, batches).map { tasks[$0].workEstimate(of: $1) }
        let outcomes = RankParallelism.map(taskIndices.count, like: meta, extras: 2, costs: costs) { k -> RankParallelism.Piece<T.Scalar> in
            var taskWatch = LossWatch()
            return (inner.adapt(meta, on: tasks[taskIndices[k]], batches: batches[k], watch: &taskWatch), taskWatch.encoded)
        }
        var direction = ParameterSet.zero(like: meta)
        for (k, (adapted, taskWatch)) in outcomes.enumerated() {
            direction += adapted - meta
            watch.merge(LossWatch(encoded: taskWatch, task: tasks[taskIndices[k]].name))
        }
        return meta + direction.scaled(by: T.Scalar(epsilon / Double(taskIndices.count)))
    }
}

/// Model-agnostic meta-learning (Finn, Abbeel, Levine, ICML 2017, arXiv:1703.03400): the
/// meta-gradient of the post-adaptation query loss,
///
///     g = (1/m) Σ_t ∇_θ L_t^query(U_t^k(θ)),
///
/// handed to an outer optimizer. **First-order** (FOMAML) drops the derivative of U_t^k and
/// uses ∇L_t^query evaluated at the adapted parameters. **Second-order** differentiates
/// through the k inner SGD steps θ_{j+1} = θ_j − α ∇L_t^support(θ_j) (the inner gradients
/// are kept as graphs); it needs Hessian-vector products of the loss, so the inner and
/// query losses must be energy-only (a force loss would need third derivatives of the
/// network).
public enum MAML {
    /// The meta-gradient for tasks `taskIndices`: support batches from `samplers`, one
    /// query batch of `querySize` per task drawn after the support batches.
    public static func metaGradient<T: MetaTask>(_ meta: ParameterSet<T.Scalar>, tasks: [T], inner: InnerLoop,
                                                 secondOrder: Bool, querySize: Int, samplers: inout [BatchSampler],
                                                 using generator: inout SeededGenerator,
                                                 taskIndices: [Int]) -> ParameterSet<T.Scalar> {
        var watch = LossWatch()
        return metaGradient(meta, tasks: tasks, inner: inner, secondOrder: secondOrder, querySize: querySize,
                            samplers: &samplers, using: &generator, taskIndices: taskIndices, watch: &watch)
    }

    /// `metaGradient`, recording a non-finite inner-loop or query loss in `watch`.
    public static func metaGradient<T: MetaTask>(_ meta: ParameterSet<T.Scalar>, tasks: [T], inner: InnerLoop,
                                                 secondOrder: Bool, querySize: Int, samplers: inout [BatchSampler],
                                                 using generator: inout SeededGenerator, taskIndices: [Int],
                                                 watch: inout LossWatch) -> ParameterSet<T.Scalar> {
        precondition(!taskIndices.isEmpty, "empty meta-batch")
        precondition(!secondOrder || inner.optimizer == .sgd, "second-order MAML differentiates through SGD inner steps")
        // Support and query batches first, in the sequential order; then the tasks run
        // independently (`RankParallelism`: ranks, then threads) and their gradients are summed in meta-batch order.
        let draws = taskIndices.map { t -> (support: [[Int]], query: [Int]) in
            let support = inner.drawBatches(&samplers[t], using: &generator)
            return (support, samplers[t].next(querySize, using: &generator))
        }
        let costs = zip(taskIndices, draws).map { tasks[$0].workEstimate(of: $1.support + [$1.query]) }
        let outcomes = RankParallelism.map(taskIndices.count, like: meta, extras: 2, costs: costs) { k -> RankParallelism.Piece<T.Scalar> in
            let t = taskIndices[k]
            var watch = LossWatch()
            let g: ParameterSet<T.Scalar>
            if secondOrder {
                let theta0 = meta.detached().requiringGrad()
                var theta = theta0
                for (j, indices) in draws[k].support.enumerated() {
                    let loss = tasks[t].loss(parameters: theta, indices: indices, createGraph: true)
                    watch.check(loss, task: tasks[t].name, innerStep: j + 1)
                    let inner_g = gradient(of: loss, withRespectTo: theta, createGraph: true)
                    theta = theta - inner_g.scaled(by: T.Scalar(inner.learningRate))
                }
                let loss = tasks[t].loss(parameters: theta, indices: draws[k].query, createGraph: true)
                watch.check(loss, task: tasks[t].name, innerStep: nil)
                g = gradient(of: loss, withRespectTo: theta0)
            } else {
                let adapted = inner.adapt(meta, on: tasks[t], batches: draws[k].support, watch: &watch).requiringGrad()
                let loss = tasks[t].loss(parameters: adapted, indices: draws[k].query, createGraph: true)
                watch.check(loss, task: tasks[t].name, innerStep: nil)
                g = gradient(of: loss, withRespectTo: adapted)
            }
            return (g.detached(), watch.encoded)
        }
        var total = ParameterSet.zero(like: meta)
        for (k, (g, taskWatch)) in outcomes.enumerated() {
            total += g
            watch.merge(LossWatch(encoded: taskWatch, task: tasks[taskIndices[k]].name))
        }
        return total.scaled(by: T.Scalar(1 / Double(taskIndices.count)))
    }
}

/// The manifest's `inner:` section of a meta-learning variant (snake_case keys, every key
/// optional), with one set of defaults for every path that builds an ``InnerLoop``:
/// 10 steps, learning rate 10⁻³, batches of 16, and the optimizer the algorithm needs —
/// SGD for second-order `maml` (it differentiates through the inner steps), Adam otherwise.
public struct InnerLoopSettings: Codable, Equatable, Sendable {
    public var steps: Int?
    public var optimizer: InnerLoop.OptimizerKind?
    public var learningRate: Double?
    public var batchSize: Int?
    enum CodingKeys: String, CodingKey {
        case steps, optimizer
        case learningRate = "learning_rate", batchSize = "batch_size"
    }

    public init(steps: Int? = nil, optimizer: InnerLoop.OptimizerKind? = nil, learningRate: Double? = nil, batchSize: Int? = nil) {
        self.steps = steps; self.optimizer = optimizer; self.learningRate = learningRate; self.batchSize = batchSize
    }

    /// The inner optimizer of `algorithm` when the manifest names none.
    public static func defaultOptimizer(for algorithm: MetaConfiguration.Algorithm) -> InnerLoop.OptimizerKind {
        algorithm == .maml ? .sgd : .adam
    }

    /// The inner loop of an optional section for `algorithm`.
    ///
    /// - Throws: `DataError` naming `file` and `item`.<key> for steps or batch size < 1, a
    ///   learning rate that is not a finite positive number, or Adam with second-order MAML.
    public static func resolve(_ section: InnerLoopSettings?, algorithm: MetaConfiguration.Algorithm,
                               file: String, item: String) throws -> InnerLoop {
        let s = section ?? InnerLoopSettings()
        let steps = s.steps ?? 10, rate = s.learningRate ?? 1e-3, batch = s.batchSize ?? 16
        let optimizer = s.optimizer ?? defaultOptimizer(for: algorithm)
        guard steps >= 1 else { throw DataError(file: file, item: "\(item).steps", "must be ≥ 1, got \(steps)") }
        guard batch >= 1 else { throw DataError(file: file, item: "\(item).batch_size", "must be ≥ 1, got \(batch)") }
        guard rate.isFinite && rate > 0 else {
            throw DataError(file: file, item: "\(item).learning_rate", "must be a finite number > 0, got \(rate)")
        }
        if algorithm == .maml && optimizer != .sgd {
            throw DataError(file: file, item: "\(item).optimizer",
                            "second-order maml differentiates through SGD inner steps; use optimizer: sgd, or kind fomaml/reptile for Adam")
        }
        return InnerLoop(steps: steps, optimizer: optimizer, learningRate: rate, batchSize: batch)
    }
}
