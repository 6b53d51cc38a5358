import Chemistry

/// A model with architecture constants that are statistics of the training data, set once
/// before training (as ``FeatureScaledPotential`` standardises descriptors): MACE's average
/// neighbour count and output scale (mace-torch's `avg_num_neighbors`, `rms_forces_scaling`).
/// Constants already set (by the manifest or a model file) are kept.
public protocol DataFittedPotential: AtomisticPotential {
    /// The same model with its unset data constants computed from `conformations` (at most
    /// `limit`, evenly spaced, are used).
    func fitted(to conformations: [Conformation], limit: Int) throws -> Self
    /// The constants as a log line ("average neighbours 16.7, scale 0.75 eV/Å").
    var dataConstants: String { get }
}

/// `potential` with its data constants fitted to `conformations` when it has any
/// (``DataFittedPotential``); otherwise `potential` unchanged.
public func fittingDataConstants(_ potential: any AtomisticPotential, to conformations: [Conformation],
                                 limit: Int = 500) throws -> any AtomisticPotential {
    guard let fitted = potential as? any DataFittedPotential, !conformations.isEmpty else { return potential }
    return try fitted.fitted(to: conformations, limit: limit)
}
