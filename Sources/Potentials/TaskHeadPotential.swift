import Autodiff
import Chemistry
import Descriptors

/// A potential with a small output head per task (per level of theory): every task t keeps
/// its own copy of the base model's readout layer, written as a deviation from the shared
/// one,
///
///     θ_t[readout] = θ[readout] + δ_t[readout],   every other parameter shared,
///
/// so the shared readout is the head of any task without one (validation tasks, a refit
/// target) and training moves each δ_t only on its own task's data (its gradient is zero
/// elsewhere). The readout is whatever the base model reports as layer `layerCount − 1`
/// (the last layer of each element network for ANI/ACSF, of the shared network for
/// eeACSF, the hierarchical energy readouts for HIP-NN), so the wrapper works for every
/// architecture.
///
/// **Multi-fidelity Δ heads.** A task may sit on another task's head (``deltaBases``,
/// high → low): its readout is the low-level head plus its own Δ,
///
///     θ_high[readout] = θ[readout] + δ_low[readout] + δ_high[readout],
///
/// so a high level with energies only (CCSD(T)/CBS) is learned as a correction to a low
/// level trained on energies and forces (ωB97x), as in the multi-fidelity HIP-NN of Messerly
/// et al. 2025 (arXiv 2505.01590) and hippynn's multi-target ANI-1x example; the high
/// level's energies also reach the low head and the trunk. One level of Δ: a low-level task
/// has no base of its own.
///
/// Head parameters are named `"head/<task>/<readout name>"` and start at zero (the model
/// starts as the base model). A conformation's task is taken from `AtomBatch.tasks`; a batch
/// mixing tasks is evaluated once per task present and the energies are masked, which is
/// exact but slower than task-homogeneous batches (what `Trainer` and `residualMetrics`
/// form for this model).
public struct TaskHeadPotential: AtomisticPotential {
    /// The shared model.
    public private(set) var base: any AtomisticPotential
    /// Tasks that have a head, in parameter order.
    public let tasks: [String]
    /// Names of the base model's readout parameters (layer `layerCount − 1`), in its order.
    public let readoutNames: [String]
    /// Δ heads: task → the task whose head it corrects (both in ``tasks``; empty: every
    /// head is a deviation from the shared readout only).
    public let deltaBases: [String: String]

    /// Prefix of every head parameter.
    public static let prefix = "head/"

    /// Heads for `tasks` (unique, non-empty names) on top of `base`; `deltaBases` (high →
    /// low, checked with ``checkDeltaBases(_:tasks:)``) makes some of them Δ heads.
    public init(base: any AtomisticPotential, tasks: [String], deltaBases: [String: String] = [:]) {
        precondition(!tasks.isEmpty && Set(tasks).count == tasks.count, "task heads need unique task names")
        precondition(!(base is TaskHeadPotential), "heads on heads")
        precondition(Self.checkDeltaBases(deltaBases, tasks: tasks) == nil, Self.checkDeltaBases(deltaBases, tasks: tasks) ?? "")
        self.base = base
        self.tasks = tasks
        self.deltaBases = deltaBases
        var g = SeededGenerator(seed: 0)
        let names: [String] = base.initialParameters(Float.self, using: &g).names
        readoutNames = names.filter { base.layer(ofParameter: $0) == base.layerCount - 1 }
    }

    public var architecture: ModelArchitecture { base.architecture }
    public var elements: [Int] { base.elements }
    public var selfEnergies: SelfEnergies {
        get { base.selfEnergies }
        set { base.selfEnergies = newValue }
    }
    public var neighbourRequest: NeighbourRequest { base.neighbourRequest }
    public var layerCount: Int { base.layerCount }

    /// What is wrong with a Δ-head map for `tasks`, or nil: every task and base must have a
    /// head, a task cannot be its own base, and a base cannot itself be a Δ head.
    public static func checkDeltaBases(_ bases: [String: String], tasks: [String]) -> String? {
        for (high, low) in bases.sorted(by: { $0.key < $1.key }) {
            guard tasks.contains(high) else { return "'\(high)' has no head (heads: \(tasks.joined(separator: ", ")))" }
            guard tasks.contains(low) else { return "'\(low)' (the base of '\(high)') has no head (heads: \(tasks.joined(separator: ", ")))" }
            guard high != low else { return "'\(high)' cannot be its own base" }
            guard bases[low] == nil else { return "'\(low)' is the base of '\(high)' and a Δ head itself (one level of Δ only)" }
        }
        return nil
    }

    /// The name of task `task`'s head deviation for readout parameter `name`.
    public static func headName(task: String, parameter name: String) -> String { "\(prefix)\(task)/\(name)" }

    /// The base model's random parameters followed by a zero head per task.
    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_ type: S.Type, using generator: inout G) -> ParameterSet<S> {
        let shared: ParameterSet<S> = base.initialParameters(type, using: &generator)
        let readout = Set(readoutNames)
        var entries = zip(shared.names, shared.tensors).map { ($0, $1) }
        for task in tasks {
            for (name, tensor) in zip(shared.names, shared.tensors) where readout.contains(name) {
                entries.append((Self.headName(task: task, parameter: name), Tensor<S>.zeros(shape: tensor.shape)))
            }
        }
        return ParameterSet(entries)
    }

    /// A head deviation belongs to the readout layer; a shared parameter to its base layer.
    public func layer(ofParameter name: String) -> Int {
        name.hasPrefix(Self.prefix) ? base.layerCount - 1 : base.layer(ofParameter: name)
    }

    /// The base model's parameters for `task`: the shared ones, with the readout plus the
    /// task's deviation (and its base's, for a Δ head; `task` nil or without a head: the
    /// shared readout). Differentiable in `parameters`.
    public func baseParameters<S>(for task: String?, in parameters: ParameterSet<S>) -> ParameterSet<S> {
        let hasHead = task.map(tasks.contains) ?? false
        let lower = task.flatMap { deltaBases[$0] }
        let readout = Set(readoutNames)
        var entries: [(String, Tensor<S>)] = []
        for (name, tensor) in zip(parameters.names, parameters.tensors) where !name.hasPrefix(Self.prefix) {
            if hasHead, readout.contains(name) {
                var value = tensor + parameters[Self.headName(task: task!, parameter: name)]
                if let lower { value = value + parameters[Self.headName(task: lower, parameter: name)] }
                entries.append((name, value))
            } else {
                entries.append((name, tensor))
            }
        }
        return ParameterSet(entries)
    }

    /// The base model's parameters with the mean head folded into the readout.
    public func baseParametersWithMeanHead<S>(in parameters: ParameterSet<S>) -> ParameterSet<S> {
        var shared = baseParameters(for: nil, in: parameters)
        for name in readoutNames {
            let heads = tasks.map { parameters[Self.headName(task: $0, parameter: name)] }
            shared[name] = shared[name] + heads.dropFirst().reduce(heads[0], +) * S(1 / Double(tasks.count))
        }
        return shared
    }

    public func networkEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        headEnergies(batch: batch, parameters: parameters) {
            base.networkEnergies(positions: positions, topology: topology, batch: batch, parameters: $0)
        }
    }

    public func networkEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        headEnergies(batch: batch, parameters: parameters) {
            base.networkEnergies(pairVectors: pairVectors, topology: topology, batch: batch, parameters: $0)
        }
    }

    /// The base model's energies (`energies` of base parameters) with each conformation's
    /// head: once when the batch holds one task, else once per task present, masked.
    private func headEnergies<S: TensorScalar>(batch: AtomBatch, parameters: ParameterSet<S>,
                                               _ energies: (ParameterSet<S>) -> Tensor<S>) -> Tensor<S> {
        let labels = (batch.tasks ?? Array(repeating: "", count: batch.conformationCount)).map { tasks.contains($0) ? $0 : nil }
        let present = Array(Set(labels.map { $0 ?? "" })).sorted()
        if present.count == 1 { return energies(baseParameters(for: labels.first ?? nil, in: parameters)) }
        var total: Tensor<S>?
        for task in present {
            let mask = Tensor<S>(labels.map { ($0 ?? "") == task ? S(1) : S(0) })
            let e = energies(baseParameters(for: task.isEmpty ? nil : task, in: parameters)) * mask
            total = total.map { $0 + e } ?? e
        }
        return total!
    }
}
