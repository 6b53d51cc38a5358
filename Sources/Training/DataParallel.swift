// The data-parallel gradient of a training step: chunks of a batch on several threads.

import Autodiff
import Potentials

/// How a training batch is split for a data-parallel step.
public enum DataParallel {
    /// Conformations per chunk at most.
    public static let chunkSize = 16

    /// A batch split into consecutive chunks of at most ``chunkSize`` conformations, of
    /// sizes differing by at most one. The split depends only on the batch, never on the
    /// thread count, so a step's result does not either; a batch of at most 16
    /// conformations is one chunk (the single-pass step, unchanged).
    public static func chunks(of indices: [Int]) -> [[Int]] {
        guard indices.count > chunkSize else { return [indices] }
        let count = (indices.count + chunkSize - 1) / chunkSize
        return (0..<count).map { k in
            Array(indices[(k * indices.count / count)..<((k + 1) * indices.count / count)])
        }
    }
}

extension EnergyForceLoss {
    /// The loss of `potential` on the conformations `indices` of `set` and its gradient in
    /// `parameters`, computed chunk by chunk (``DataParallel/chunks(of:)``) on the ranks of
    /// the run (``RankParallelism``; one process: all chunks) and up to
    /// `StepParallelism.threads` threads in each: each chunk's loss is divided by the whole batch's
    /// counts (``LossNormalisation``) and the chunk gradients are summed in chunk order, so
    /// the result equals the one-pass gradient up to rounding and is bitwise the same for
    /// every thread count and every number of ranks.
    ///
    /// - Parameter extraTerm: a further training term that is a mean over conformations
    ///   (hippynn's hierarchicality); each chunk adds its value times B_k / B.
    public func dataParallelGradient<S: TensorScalar>(
        potential: any AtomisticPotential, parameters: ParameterSet<S>, set: FittingSet, indices: [Int], forces: Bool,
        extraTerm: ((FittingBatch<S>, ParameterSet<S>) -> Tensor<S>)? = nil
    ) -> (loss: Double, gradient: ParameterSet<S>) {
        let chunks = DataParallel.chunks(of: indices)
        let normalisation: LossNormalisation? = chunks.count == 1 ? nil : {
            let labelledAtoms = indices.filter { set.forceLabelled[$0] }.reduce(0) { $0 + set.conformations[$1].atomCount }
            return LossNormalisation(conformations: indices.count, forceComponents: Double(3 * labelledAtoms))
        }()
        let pieces = RankParallelism.map(chunks.count, like: parameters, extras: 1) { k -> RankParallelism.Piece<S> in
            let batch: FittingBatch<S> = set.batch(chunks[k], forces: forces, as: S.self)
            let p = parameters.requiringGrad()
            var total = loss(potential: potential, parameters: p, batch: batch, normalisation: normalisation).total
            if let extraTerm {
                let term = extraTerm(batch, p)
                total = total + (chunks.count == 1 ? term : term * S(Double(chunks[k].count) / Double(indices.count)))
            }
            return (gradient(of: total, withRespectTo: p), [Double(total.scalars[0])])
        }
        var g = pieces[0].parameters, value = pieces[0].values[0]
        for piece in pieces.dropFirst() {
            g += piece.parameters
            value += piece.values[0]
        }
        return (value, g)
    }
}
