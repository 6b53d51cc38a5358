import Chemistry
import Descriptors

extension MACEPotential: DataStatisticsPotential {
    /// mace-torch's statistics of the training set for the constants not given:
    /// `averageNeighbours` = pairs within the cutoff per atom (`avg_num_neighbors`), and
    /// `scale` = the RMS force component √⟨F²⟩ in eV/Å (`rms_forces_scaling`; 1 when no
    /// conformation has forces). The shift stays as given (mace's `MACE` model uses 0).
    ///
    /// - Throws: `DataError` from the neighbour topology (an element the model lacks, …).
    public func fitted(to conformations: [Conformation], limit: Int = 500) throws -> MACEPotential {
        let h = hyperparameters
        guard h.averageNeighbours == nil || h.scale == nil, !conformations.isEmpty else { return self }
        let step = max(1, conformations.count / max(1, limit))
        let sample = stride(from: 0, to: conformations.count, by: step).prefix(limit).map { conformations[$0] }
        var fitted = h
        if h.averageNeighbours == nil {
            let topology = try topology(of: sample, label: "MACE neighbour statistics")
            fitted.averageNeighbours = topology.atomCount > 0 && topology.pairCount > 0
                ? Double(topology.pairCount) / Double(topology.atomCount) : 1
        }
        if h.scale == nil {
            let forces = sample.compactMap(\.forces).flatMap { $0 }
            let squares = forces.reduce(0.0) { $0 + ($1 * $1).sum() }
            fitted.scale = forces.isEmpty || squares == 0 ? 1 : (squares / Double(3 * forces.count)).squareRoot()
        }
        return MACEPotential(fitted, selfEnergies: selfEnergies)
    }

    /// ``DataStatisticsPotential``: the constants from at most 500 evenly spaced conformations.
    public func fittingStatistics(to conformations: [Conformation], file: String) throws -> MACEPotential {
        try fitted(to: conformations, limit: 500)
    }

    public var dataStatisticsSummary: String {
        let h = hyperparameters
        func rounded(_ x: Double?) -> String { x.map { "\(($0 * 10_000).rounded() / 10_000)" } ?? "unset (1)" }
        return "average neighbours \(rounded(h.averageNeighbours)), scale \(rounded(h.scale)) eV, shift \(h.shift) eV"
    }
}
