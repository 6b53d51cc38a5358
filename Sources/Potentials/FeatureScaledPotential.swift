import Autodiff
import Chemistry
import Descriptors

/// A model whose descriptor is normalised by constants stored in its architecture
/// (``FeatureScaling``), which can be fitted to training data before training.
public protocol FeatureScaledPotential: AtomisticPotential {
    /// The normalisation applied to the raw descriptor.
    var scaling: FeatureScaling { get }
    /// The raw descriptor `[A, F]` of the atoms at `positions` (before scaling).
    func rawFeatures<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology) -> Tensor<S>
    /// The same model with another normalisation.
    func with(scaling: FeatureScaling) -> Self
}

extension FeatureScaledPotential {
    /// The same model with its features standardised over `conformations` (at most
    /// `limit`, evenly spaced, are used): μ and σ of the cube-root-compressed descriptor.
    ///
    /// - Throws: `DataError` from the neighbour topology (an element the model lacks, …).
    public func fittingScales(to conformations: [Conformation], limit: Int = 500) throws -> Self {
        precondition(!conformations.isEmpty, "need conformations to fit feature scales")
        let step = max(1, conformations.count / limit)
        let sample = stride(from: 0, to: conformations.count, by: step).prefix(limit).map { conformations[$0] }
        let topology = try topology(of: sample, label: "feature scaling")
        let g = rawFeatures(positions: Tensor<Double>(positions: sample.flatMap(\.positions)), topology: topology)
        return with(scaling: FeatureScaling.fitted(to: g))
    }
}
