// What a meta-learner needs from a task: a size and a differentiable mini-batch loss.

import Autodiff
import Chemistry
import Potentials
import Training

/// One task of a meta-learning problem: `count` examples and a mini-batch loss
/// L_t(θ; indices) that is differentiable in the parameters θ.
///
/// The algorithms (``InnerLoop``, ``Reptile``, ``MAML``) see only this, so they are tested
/// on quadratic toy tasks with hand-computable answers and run on ``PotentialTask`` (one
/// level of theory of one dataset) unchanged.
public protocol MetaTask {
    associatedtype Scalar: TensorScalar
    /// A name for logs and results.
    var name: String { get }
    /// Number of examples (conformations) the loss can be drawn from.
    var count: Int { get }
    /// The mean loss over the examples at `indices` (a scalar tensor).
    ///
    /// - Parameter createGraph: record the loss's own derivative graph where the loss
    ///   contains a derivative (forces), so `gradient(of:withRespectTo:)` of the result with
    ///   respect to `parameters` works; second-order MAML additionally differentiates that
    ///   gradient.
    func loss(parameters: ParameterSet<Scalar>, indices: [Int], createGraph: Bool) -> Tensor<Scalar>
    /// An estimate of the work of a loss on the examples at `indices`, in any unit shared by
    /// the tasks of a run; it only decides which rank or thread adapts which task
    /// (``RankParallelism/balancedShares(costs:ranks:)``), never a number. Default: the
    /// number of examples.
    func workEstimate(of indices: [Int]) -> Double
}

extension MetaTask {
    public func workEstimate(of indices: [Int]) -> Double { Double(indices.count) }

    /// ``workEstimate(of:)`` summed over several batches.
    func workEstimate(of batches: [[Int]]) -> Double { batches.reduce(0) { $0 + workEstimate(of: $1) } }
}

/// One (dataset, level of theory) as a meta-learning task: an energy (and force) loss of a
/// potential on the task's prepared conformations, whose residual targets use the task's
/// own self-energies.
public struct PotentialTask<S: TensorScalar>: MetaTask, Sendable {
    public typealias Scalar = S
    public let name: String
    public let potential: any AtomisticPotential
    public let data: FittingSet
    public let loss: EnergyForceLoss

    public init(name: String, potential: any AtomisticPotential, data: FittingSet, loss: EnergyForceLoss) {
        self.name = name; self.potential = potential; self.data = data; self.loss = loss
    }

    public var count: Int { data.count }

    /// The atoms of the conformations at `indices`: a step's work grows with them (per-atom
    /// networks; the pairs and triplets of small molecules grow faster, which this ignores).
    public func workEstimate(of indices: [Int]) -> Double {
        indices.reduce(0) { $0 + Double(data.conformations[$1].atomicNumbers.count) }
    }

    public func loss(parameters: ParameterSet<S>, indices: [Int], createGraph: Bool) -> Tensor<S> {
        let batch: FittingBatch<S> = data.batch(indices, forces: loss.forceWeight > 0, as: S.self)
        return loss.loss(potential: potential, parameters: parameters, batch: batch, createGraph: createGraph).total
    }
}

/// Draws mini-batches from `count` examples: a seeded shuffle consumed in order and
/// reshuffled when exhausted (every example is seen once per pass, as in epochs).
public struct BatchSampler: Codable, Equatable, Sendable {
    public let count: Int
    private var order: [Int] = []
    private var position = 0

    public init(count: Int) {
        precondition(count > 0, "no examples to sample")
        self.count = count
    }

    /// The next `size` indices (fewer only if `size > count`).
    public mutating func next(_ size: Int, using generator: inout SeededGenerator) -> [Int] {
        let size = min(size, count)
        var batch: [Int] = []
        while batch.count < size {
            if position == order.count {
                order = Array(0..<count)
                generator.shuffle(&order)
                position = 0
            }
            let take = min(size - batch.count, order.count - position)
            batch += order[position..<(position + take)]
            position += take
        }
        return batch
    }
}
