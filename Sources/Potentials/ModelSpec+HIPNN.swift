import Chemistry

extension ModelSpec {
    /// The keys of kind `hipnn`.
    static let hipnnKeys: Set<String> = ["width", "interactions", "atom_layers", "sensitivities", "soft_min", "soft_max", "cutoff", "resnet"]

    /// A ``HIPNNPotential`` over `elements`; unset keys take the defaults of
    /// ``HIPNNArchitecture`` (hippynn's ANI-1x example; `soft_max` = `cutoff` − 1; `resnet`
    /// false, the paper's plain layers — hippynn's own default is `resnet=True`).
    func makeHIPNN(elements: [Int], selfEnergies: SelfEnergies, file: String) throws -> HIPNNPotential {
        for (key, value, minimum) in [("width", width, 1), ("interactions", interactions, 1),
                                      ("atom_layers", atomLayers, 0), ("sensitivities", sensitivities, 1)] {
            if let value, value < minimum {
                throw DataError(file: file, item: "model.\(key)", "must be at least \(minimum), got \(value)")
            }
        }
        let defaults = HIPNNArchitecture(species: elements, cutoff: cutoff ?? 6.5)
        guard defaults.cutoff > 0, defaults.cutoff.isFinite else {
            throw DataError(file: file, item: "model.cutoff", "must be positive, got \(defaults.cutoff)")
        }
        let softMin = self.softMin ?? defaults.softMin, softMax = self.softMax ?? defaults.softMax
        guard softMin > 0, softMin.isFinite else {
            throw DataError(file: file, item: "model.soft_min", "must be positive, got \(softMin)")
        }
        guard softMin < softMax, softMax <= defaults.cutoff else {
            throw DataError(file: file, item: self.softMax == nil ? "model.cutoff" : "model.soft_max",
                            "need soft_min (\(softMin)) < soft_max (\(softMax)) ≤ cutoff (\(defaults.cutoff))")
        }
        let architecture = HIPNNArchitecture(
            species: elements, width: width ?? defaults.width, interactions: interactions ?? defaults.interactions,
            atomLayers: atomLayers ?? defaults.atomLayers, sensitivities: sensitivities ?? defaults.sensitivities,
            softMin: softMin, softMax: softMax, cutoff: defaults.cutoff, resnet: resnet ?? false)
        return try architecture.makePotential(selfEnergies: selfEnergies, file: file)
    }
}
