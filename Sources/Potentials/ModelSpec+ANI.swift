import Chemistry
import Descriptors

extension ModelSpec {
    /// The keys of kind `ani`.
    static let aniKeys: Set<String> = ["preset", "widths", "celu_alpha"]

    /// An ``ANIPotential``: the ANI-1x preset, or ANI-1x AEVs over `elements` with networks of
    /// hidden `widths` (default 160, 128, 96) and CELU α `celu_alpha` (default 0.1).
    func makeANI(elements: [Int], selfEnergies: SelfEnergies, file: String) throws -> ANIPotential {
        if let widths, widths.isEmpty || widths.contains(where: { $0 <= 0 }) {
            throw DataError(file: file, item: "model.widths", "hidden widths must be positive, got \(widths)")
        }
        let alpha = celuAlpha ?? 0.1
        guard alpha > 0, alpha.isFinite else { throw DataError(file: file, item: "model.celu_alpha", "must be positive") }
        switch preset {
        case "ani1x":
            guard widths == nil else {
                throw DataError(file: file, item: "model.widths", "the ani1x preset fixes the widths; drop one of the two")
            }
            guard Set(elements).isSubset(of: [1, 6, 7, 8]) else {
                throw DataError(file: file, item: "model.preset",
                                "ani1x covers H C N O; the data has \(elements.map { Element.symbol(for: $0) })")
            }
            return ANIPotential.ani1x(selfEnergies: selfEnergies, alpha: alpha)
        case nil:
            let aev = AEVParameters.ani1x.with(species: elements)
            let hidden = widths ?? [160, 128, 96]
            return ANIPotential(aev: AEVComputer(aev),
                                networks: ElementNetworks(elements: elements, widths: [aev.featureCount] + hidden + [1], alpha: alpha),
                                selfEnergies: selfEnergies)
        case let other?:
            throw DataError(file: file, item: "model.preset", "unknown preset '\(other)' for kind ani (known: ani1x)")
        }
    }
}
