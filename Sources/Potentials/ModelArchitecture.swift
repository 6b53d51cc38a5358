import Chemistry
import Descriptors

/// The hyperparameters of a model, one case per architecture, stored in model files as a
/// JSON object whose `"kind"` names the case and whose other keys are that case's fields:
///
///     {"kind": "ani", "aev": {…}, "widths": {"H": [384, 160, 128, 96, 1], …}, "celuAlpha": 0.1}
///
/// ``makePotential(selfEnergies:file:)`` checks the fields and builds the model, throwing a
/// `DataError` that names the offending key.
public enum ModelArchitecture: Codable, Equatable, Sendable {
    /// Per-element networks on ANI AEVs (``ANIPotential``).
    case ani(ANIArchitecture)
    /// Per-element networks on Behler–Parrinello ACSFs (``ACSFPotential``).
    case acsf(ACSFArchitecture)
    /// One shared network on element-embracing ACSFs (``ElementEmbracingPotential``).
    case eeacsf(EEACSFArchitecture)
    /// HIP-NN message passing (``HIPNNPotential``).
    case hipnn(HIPNNArchitecture)
    /// Deep Potential, smooth edition: deepmd-kit's `se_e2_a` (``DeepPotPotential``).
    case deeppot(DeepPotArchitecture)

    /// MACE equivariant message passing (``MACEPotential``).
    case mace(MACEArchitecture)

    /// The `"kind"` values this build reads.
    public static let kinds = ["ani", "acsf", "eeacsf", "hipnn", "deeppot", "mace"]

    /// The `"kind"` of this architecture.
    public var kind: String {
        switch self {
        case .ani: "ani"
        case .acsf: "acsf"
        case .eeacsf: "eeacsf"
        case .hipnn: "hipnn"
        case .deeppot: "deeppot"
        case .mace: "mace"
        }
    }

    private enum Key: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: Key.self).decode(String.self, forKey: .kind)
        switch kind {
        case "ani": self = .ani(try ANIArchitecture(from: decoder))
        case "acsf": self = .acsf(try ACSFArchitecture(from: decoder))
        case "eeacsf": self = .eeacsf(try EEACSFArchitecture(from: decoder))
        case "hipnn": self = .hipnn(try HIPNNArchitecture(from: decoder))
        case "deeppot": self = .deeppot(try DeepPotArchitecture(from: decoder))
        case "mace": self = .mace(try MACEArchitecture(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [Key.kind],
                debugDescription: "unknown architecture '\(kind)' (known: \(Self.kinds.joined(separator: ", ")))"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .ani(let a): try a.encode(to: encoder)
        case .acsf(let a): try a.encode(to: encoder)
        case .eeacsf(let a): try a.encode(to: encoder)
        case .hipnn(let h): try h.encode(to: encoder)
        case .deeppot(let d): try d.encode(to: encoder)
        case .mace(let m): try m.encode(to: encoder)
        }
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(kind, forKey: .kind)
    }

    /// The model this architecture describes, with `selfEnergies`; `DataError` (naming
    /// `file` and the key under `architecture`) when the hyperparameters are inconsistent.
    public func makePotential(selfEnergies: SelfEnergies, file: String = "model") throws -> any AtomisticPotential {
        switch self {
        case .ani(let a): try a.makePotential(selfEnergies: selfEnergies, file: file)
        case .acsf(let a): try a.makePotential(selfEnergies: selfEnergies, file: file)
        case .eeacsf(let a): try a.makePotential(selfEnergies: selfEnergies, file: file)
        case .hipnn(let h): try h.makePotential(selfEnergies: selfEnergies, file: file)
        case .deeppot(let d): try d.makePotential(selfEnergies: selfEnergies, file: file)
        case .mace(let m): try m.makePotential(selfEnergies: selfEnergies, file: file)
        }
    }
}

/// Per-element widths keyed by element symbol, checked against a feature length: each
/// network maps `featureCount` inputs to one atomic energy.
func elementWidths(_ widths: [String: [Int]], featureCount: Int, file: String) throws -> [Int: [Int]] {
    var result: [Int: [Int]] = [:]
    for (symbol, w) in widths {
        guard let e = Element(symbol: symbol) else {
            throw DataError(file: file, item: "architecture.widths.\(symbol)", "unknown element symbol")
        }
        guard w.count >= 2, w.allSatisfy({ $0 > 0 }), w.first == featureCount, w.last == 1 else {
            throw DataError(file: file, item: "architecture.widths.\(symbol)",
                            "widths \(w) must run from the feature length \(featureCount) to 1")
        }
        result[e.atomicNumber] = w
    }
    guard !result.isEmpty else { throw DataError(file: file, item: "architecture.widths", "no element networks") }
    return result
}

/// A CELU α from a model file: positive and finite.
func validatedCELUAlpha(_ alpha: Double, file: String) throws -> Double {
    guard alpha > 0, alpha.isFinite else {
        throw DataError(file: file, item: "architecture.celuAlpha", "CELU α must be positive")
    }
    return alpha
}
