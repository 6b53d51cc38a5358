import Chemistry
import Descriptors

/// The `model:` section of a manifest: which architecture to build, and its sizes. Keys
/// are snake_case; a key that does not apply to the chosen `kind` is an error.
///
///     model: {kind: ani, preset: ani1x}                     # the ANI-1x networks
///     model: {kind: ani, widths: [64, 32], celu_alpha: 0.1} # AEV with smaller networks
///     model: {kind: acsf, widths: [64, 64], cutoff: 6.0}    # Behler–Parrinello ACSFs
///     model: {kind: eeacsf}                                 # one network on eeACSFs
///
/// The elements come from the data (``makePotential(elements:selfEnergies:file:)``), so one
/// spec serves every task of a study.
public struct ModelSpec: Codable, Equatable, Sendable {
    /// The architecture: `ani` (default), `acsf` or `eeacsf`.
    public var kind: String?
    /// A named size: `ani1x` (kind `ani`).
    public var preset: String?
    /// Hidden-layer widths of the atomic networks.
    public var widths: [Int]?
    /// CELU α of the atomic networks (default 0.1).
    public var celuAlpha: Double?
    /// Cutoff of the symmetry functions, Å (kinds `acsf`, `eeacsf`; default 5.2).
    public var cutoff: Double?

    enum CodingKeys: String, CodingKey {
        case kind, preset, widths, cutoff
        case celuAlpha = "celu_alpha"
    }

    public init(kind: String? = nil, preset: String? = nil, widths: [Int]? = nil, celuAlpha: Double? = nil,
                cutoff: Double? = nil) {
        self.kind = kind; self.preset = preset; self.widths = widths; self.celuAlpha = celuAlpha; self.cutoff = cutoff
    }

    /// The kinds `kind` may name.
    public static let kinds = ["ani", "acsf", "eeacsf"]

    /// The model for data with `elements`, fitted to a level of theory with `selfEnergies`.
    ///
    /// - Throws: `DataError` naming `file` and the key (`model.kind`, `model.widths`, …)
    ///   for an unknown kind or preset, a non-positive width, or an element the
    ///   architecture cannot describe.
    public func makePotential(elements: [Int], selfEnergies: SelfEnergies, file: String) throws -> any AtomisticPotential {
        let elements = Array(Set(elements)).sorted()
        guard !elements.isEmpty else { throw DataError(file: file, item: "model", "no elements to build a model for") }
        if let widths, widths.isEmpty || widths.contains(where: { $0 <= 0 }) {
            throw DataError(file: file, item: "model.widths", "hidden widths must be positive, got \(widths)")
        }
        let alpha = celuAlpha ?? 0.1
        guard alpha > 0, alpha.isFinite else { throw DataError(file: file, item: "model.celu_alpha", "must be positive") }
        switch kind ?? "ani" {
        case "acsf", "eeacsf":
            return try makeSymmetryFunctionPotential(elements: elements, selfEnergies: selfEnergies, alpha: alpha, file: file)
        case "ani":
            guard cutoff == nil else {
                throw DataError(file: file, item: "model.cutoff", "kind ani takes its cutoffs from the AEV; drop cutoff")
            }
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
        case let other:
            throw DataError(file: file, item: "model.kind", "unknown model kind '\(other)' (known: \(Self.kinds.joined(separator: ", ")))")
        }
    }
}
