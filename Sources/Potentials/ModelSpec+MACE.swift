import Chemistry

extension ModelSpec {
    /// The keys of kind `mace`.
    static let maceKeys: Set<String> = ["preset", "channels", "hidden_degree", "sh_degree", "correlation", "interactions",
                                        "cutoff", "radial_basis", "envelope_exponent", "radial_mlp", "readout_width",
                                        "average_neighbours", "scale", "shift"]

    /// A ``MACEPotential`` over `elements`. Presets: `small` (64x0e, mace-torch's defaults)
    /// and `medium` (64x0e + 64x1o); keys given beside a preset override it. Unset
    /// `average_neighbours` and `scale` are fitted to the training data before training
    /// (``DataStatisticsPotential``).
    func makeMACE(elements: [Int], selfEnergies: SelfEnergies, file: String) throws -> MACEPotential {
        func fail(_ key: String, _ reason: String) -> DataError { DataError(file: file, item: "model.\(key)", reason) }
        var a = MACEArchitecture(species: elements)
        switch preset {
        case nil, "small": break
        case "medium": a.hiddenDegree = 1
        case let other?: throw fail("preset", "unknown preset '\(other)' for kind mace (known: small, medium)")
        }
        let sizes: [(String, Int?, Int, Int, WritableKeyPath<MACEArchitecture, Int>)] = [
            ("channels", channels, 1, 1024, \.channels), ("hidden_degree", hiddenDegree, 0, 3, \.hiddenDegree),
            ("sh_degree", shDegree, 0, 6, \.shDegree), ("correlation", correlation, 1, 3, \.correlation),
            ("interactions", interactions, 1, 6, \.interactions), ("radial_basis", radialBasis, 1, 64, \.radialBasis),
            ("envelope_exponent", envelopeExponent, 2, 12, \.envelopeExponent), ("readout_width", readoutWidth, 1, 1024, \.readoutWidth)]
        for (key, value, minimum, maximum, path) in sizes {
            guard let value else { continue }
            guard value >= minimum && value <= maximum else { throw fail(key, "must be between \(minimum) and \(maximum), got \(value)") }
            a[keyPath: path] = value
        }
        guard a.hiddenDegree <= a.shDegree else {
            throw fail(hiddenDegree == nil ? "sh_degree" : "hidden_degree",
                       "the hidden degree (\(a.hiddenDegree)) cannot exceed the harmonics' degree sh_degree (\(a.shDegree))")
        }
        if let cutoff {
            guard cutoff > 0, cutoff.isFinite else { throw fail("cutoff", "must be positive, got \(cutoff)") }
            a.cutoff = cutoff
        }
        if let radialMLP {
            guard !radialMLP.isEmpty, radialMLP.allSatisfy({ $0 > 0 }) else { throw fail("radial_mlp", "hidden widths must be positive, got \(radialMLP)") }
            a.radialMLP = radialMLP
        }
        if let averageNeighbours {
            guard averageNeighbours > 0, averageNeighbours.isFinite else { throw fail("average_neighbours", "must be positive, got \(averageNeighbours)") }
            a.averageNeighbours = averageNeighbours
        }
        if let scale {
            guard scale.isFinite, scale != 0 else { throw fail("scale", "must be finite and non-zero, got \(scale)") }
            a.scale = scale
        }
        if let shift {
            guard shift.isFinite else { throw fail("shift", "must be finite, got \(shift)") }
            a.shift = shift
        }
        return try a.makePotential(selfEnergies: selfEnergies, file: file)
    }
}
