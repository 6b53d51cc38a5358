import Autodiff
import Chemistry
import Descriptors

extension ModelSpec {
    /// The `acsf` and `eeacsf` kinds: ``ACSFPotential`` on ``ACSFParameters/molecules`` or
    /// ``ElementEmbracingPotential`` on ``EEACSFParameters/molecules``, for `elements`, with
    /// hidden `widths` (default 64-64) and `cutoff` (default 5.2 Å). Their features are
    /// scaled by the cube root only; `metamlip train` then standardises them over the
    /// training set (``FeatureScaledPotential/fittingScales(to:limit:)``).
    ///
    /// - Throws: `DataError` naming `model.preset` (these kinds have none), `model.cutoff`
    ///   (not positive) or `model.kind` (an element the eeACSF table lacks, beyond Xe).
    func makeSymmetryFunctionPotential(elements: [Int], selfEnergies: SelfEnergies, alpha: Double,
                                       file: String) throws -> any AtomisticPotential {
        let kind = kind ?? "ani"
        if let preset {
            throw DataError(file: file, item: "model.preset", "kind \(kind) has no presets (got '\(preset)'); drop preset")
        }
        let cutoff = cutoff ?? ACSFParameters.molecules.cutoff
        guard cutoff > 0, cutoff.isFinite else { throw DataError(file: file, item: "model.cutoff", "must be positive, got \(cutoff)") }
        let hidden = widths ?? [64, 64]
        if kind == "acsf" {
            let p = ACSFParameters.molecules.with(species: elements).with(cutoff: cutoff)
            return ACSFPotential(acsf: ACSFComputer(p),
                                 networks: ElementNetworks(elements: elements, widths: [p.featureCount] + hidden + [1], alpha: alpha),
                                 selfEnergies: selfEnergies)
        }
        guard elements.allSatisfy(ElementProperties.covers) else {
            throw DataError(file: file, item: "model.kind",
                            "eeacsf covers H…Xe; the data has \(elements.filter { !ElementProperties.covers($0) }.map { Element.symbol(for: $0) })")
        }
        let p = EEACSFParameters.molecules.with(elements: elements).with(cutoff: cutoff)
        return ElementEmbracingPotential(eeacsf: EEACSFComputer(p), network: MLP(widths: [p.featureCount] + hidden + [1], alpha: alpha),
                                         selfEnergies: selfEnergies)
    }
}
