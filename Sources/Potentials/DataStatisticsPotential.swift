import Chemistry

/// A model with constants that are computed from its training conformations before
/// training starts and then stored with its architecture (deepmd-kit's environment
/// statistics `davg`/`dstd` and automatic `sel` for ``DeepPotPotential``; the average
/// neighbour count and force scale of ``MACEPotential``, mace-torch's `avg_num_neighbors`
/// and `rms_forces_scaling`).
///
/// Every place that builds a model from a manifest's `model:` section calls
/// ``fittingStatistics(to:file:)`` on the training conformations (never the test set) right
/// after building it, before any parameters are trained; a model read from a model file
/// already carries its constants.
public protocol DataStatisticsPotential: AtomisticPotential {
    /// The same model with its data-derived constants computed from `conformations`.
    ///
    /// - Throws: `DataError` naming `file` when the conformations cannot give the constants
    ///   (no conformations, an element the model lacks, a neighbour count above a fixed limit).
    func fittingStatistics(to conformations: [Conformation], file: String) throws -> Self
    /// The data constants as one log line ("average neighbours 16.7, scale 0.75 eV, …").
    var dataStatisticsSummary: String { get }
}

extension AtomisticPotential {
    /// This model with its data statistics computed from `conformations` when it has any
    /// (``DataStatisticsPotential``), else itself.
    public func withDataStatistics(from conformations: [Conformation], file: String) throws -> any AtomisticPotential {
        guard let model = self as? any DataStatisticsPotential else { return self }
        return try model.fittingStatistics(to: conformations, file: file)
    }
}
