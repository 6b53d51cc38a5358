import Chemistry
import Descriptors

/// The `model:` section of a manifest: which architecture to build, and its sizes. Keys
/// are snake_case; a key that does not apply to the chosen `kind` is an error.
///
///     model: {kind: ani, preset: ani1x}                     # the ANI-1x networks
///     model: {kind: ani, widths: [64, 32], celu_alpha: 0.1} # AEV with smaller networks
///     model: {kind: acsf, widths: [64, 64], cutoff: 6.0}    # Behler–Parrinello ACSFs
///     model: {kind: eeacsf}                                 # one network on eeACSFs
///     model: {kind: hipnn}                                  # HIP-NN, hippynn's ANI-1x sizes
///     model: {kind: hipnn, width: 64, interactions: 2, atom_layers: 3, sensitivities: 20,
///             soft_min: 0.75, soft_max: 5.5, cutoff: 6.5, resnet: true}
///     model: {kind: deeppot, rcut: 6.0, rcut_smth: 0.5, sel: auto, neuron: [25, 50, 100],
///             axis_neuron: 16, fitting_neuron: [240, 240, 240]}   # DeepPot-SE (se_e2_a)
///     model: {kind: mace, preset: medium}                   # MACE, 64x0e + 64x1o
///     model: {kind: mace, channels: 32, hidden_degree: 0, sh_degree: 3, correlation: 3,
///             interactions: 2, cutoff: 5.0, radial_mlp: [64, 64, 64]}
///
/// The elements come from the data (``makePotential(elements:selfEnergies:file:)``), so one
/// spec serves every task of a study. Each kind's keys and builder live in an extension
/// (`ModelSpec+ANI.swift`, `ModelSpec+SymmetryFunctions.swift`, `ModelSpec+HIPNN.swift`,
/// `ModelSpec+DeepPot.swift`, `ModelSpec+MACE.swift`).
public struct ModelSpec: Codable, Equatable, Sendable {
    /// The architecture: `ani` (default), `acsf`, `eeacsf`, `hipnn`, `deeppot` or `mace`.
    public var kind: String?
    /// A named size: `ani1x` (kind `ani`); `small`, `medium` (kind `mace`).
    public var preset: String?
    /// Hidden-layer widths of the atomic networks (kind `ani`).
    public var widths: [Int]?
    /// CELU α of the atomic networks (kind `ani`, default 0.1).
    public var celuAlpha: Double?
    /// Feature width of every interaction block (kind `hipnn`, default 128).
    public var width: Int?
    /// Number of interaction blocks (kinds `hipnn`, `mace`, default 2).
    public var interactions: Int?
    /// On-site layers per interaction block (kind `hipnn`, default 3).
    public var atomLayers: Int?
    /// Number of sensitivity functions (kind `hipnn`, default 20).
    public var sensitivities: Int?
    /// Initial centre of the shortest sensitivity, Å (kind `hipnn`, default 0.75).
    public var softMin: Double?
    /// Initial centre of the longest sensitivity, Å (kind `hipnn`, default cutoff − 1).
    public var softMax: Double?
    /// Cutoff, Å (kinds `acsf`, `eeacsf`: default 5.2; `hipnn`: hard cutoff, default 6.5; `mace`: 5.0).
    public var cutoff: Double?
    /// hippynn's residual layers (kind `hipnn`, default false: the paper's plain layers).
    public var resnet: Bool?
    /// Cutoff r_c, Å (kind `deeppot`, default 6).
    public var rcut: Double?
    /// Start of the switch r_s, Å (kind `deeppot`, default 0.5).
    public var rcutSmth: Double?
    /// Neighbour slots per element (kind `deeppot`, default `auto`, deepmd-kit's `auto:1.1`).
    public var sel: DeepPotSelection?
    /// Embedding-network widths (kind `deeppot`, default [10, 20, 40]).
    public var neuron: [Int]?
    /// Columns of G in the descriptor's second factor (kind `deeppot`, default 4).
    public var axisNeuron: Int?
    /// Hidden widths of the fitting networks (kind `deeppot`, default [120, 120, 120]).
    public var fittingNeuron: [Int]?
    /// One embedding network per neighbour element (kind `deeppot`, default false: one
    /// per (centre, neighbour) pair).
    public var typeOneSide: Bool?
    /// Timestep idt in the embedding network's shortcut layers (kind `deeppot`, default false).
    public var resnetDt: Bool?
    /// Timestep idt in the fitting networks' shortcut layers (kind `deeppot`, default true).
    public var fittingResnetDt: Bool?
    /// MACE (kind `mace`, see ``MACEArchitecture`` for the defaults): channels per irrep,
    /// highest hidden degree (`max_L`), highest edge harmonic (`max_ell`), correlation order,
    /// Bessel functions, envelope exponent, radial MLP widths, readout width, and the data
    /// constants (average neighbours, scale: fitted to the training data when absent; shift).
    public var channels: Int?
    public var hiddenDegree: Int?
    public var shDegree: Int?
    public var correlation: Int?
    public var radialBasis: Int?
    public var envelopeExponent: Int?
    public var radialMLP: [Int]?
    public var readoutWidth: Int?
    public var averageNeighbours: Double?
    public var scale: Double?
    public var shift: Double?

    enum CodingKeys: String, CodingKey {
        case kind, preset, widths, width, interactions, sensitivities, cutoff, resnet
        case celuAlpha = "celu_alpha", atomLayers = "atom_layers", softMin = "soft_min", softMax = "soft_max"
        case rcut, rcutSmth = "rcut_smth", sel, neuron, axisNeuron = "axis_neuron", fittingNeuron = "fitting_neuron"
        case typeOneSide = "type_one_side", resnetDt = "resnet_dt", fittingResnetDt = "fitting_resnet_dt"
        case channels, correlation, scale, shift
        case hiddenDegree = "hidden_degree", shDegree = "sh_degree", radialBasis = "radial_basis"
        case envelopeExponent = "envelope_exponent", radialMLP = "radial_mlp", readoutWidth = "readout_width"
        case averageNeighbours = "average_neighbours"
    }

    public init(kind: String? = nil, preset: String? = nil, widths: [Int]? = nil, celuAlpha: Double? = nil,
                width: Int? = nil, interactions: Int? = nil, atomLayers: Int? = nil, sensitivities: Int? = nil,
                softMin: Double? = nil, softMax: Double? = nil, cutoff: Double? = nil, resnet: Bool? = nil,
                rcut: Double? = nil, rcutSmth: Double? = nil, sel: DeepPotSelection? = nil, neuron: [Int]? = nil,
                axisNeuron: Int? = nil, fittingNeuron: [Int]? = nil, typeOneSide: Bool? = nil, resnetDt: Bool? = nil,
                fittingResnetDt: Bool? = nil) {
        self.kind = kind; self.preset = preset; self.widths = widths; self.celuAlpha = celuAlpha
        self.width = width; self.interactions = interactions; self.atomLayers = atomLayers
        self.sensitivities = sensitivities; self.softMin = softMin; self.softMax = softMax; self.cutoff = cutoff
        self.resnet = resnet
        self.rcut = rcut; self.rcutSmth = rcutSmth; self.sel = sel; self.neuron = neuron; self.axisNeuron = axisNeuron
        self.fittingNeuron = fittingNeuron; self.typeOneSide = typeOneSide; self.resnetDt = resnetDt
        self.fittingResnetDt = fittingResnetDt
    }

    /// The model of a manifest without a `model:` section, the same for `metamlip train`
    /// and every study kind: the ANI-1x networks (`{kind: ani, preset: ani1x}`).
    public static let standard = ModelSpec(kind: "ani", preset: "ani1x")

    /// The kinds `kind` may name.
    public static let kinds = ["ani", "acsf", "eeacsf", "hipnn", "deeppot", "mace"]

    /// The manifest keys that are set, by their snake_case name (`kind` excluded).
    var keysSet: [String] {
        let values: [(CodingKeys, Any?)] = [(.preset, preset), (.widths, widths), (.celuAlpha, celuAlpha), (.width, width),
                                            (.interactions, interactions), (.atomLayers, atomLayers),
                                            (.sensitivities, sensitivities), (.softMin, softMin), (.softMax, softMax),
                                            (.cutoff, cutoff), (.resnet, resnet), (.rcut, rcut), (.rcutSmth, rcutSmth),
                                            (.sel, sel), (.neuron, neuron), (.axisNeuron, axisNeuron),
                                            (.fittingNeuron, fittingNeuron), (.typeOneSide, typeOneSide),
                                            (.resnetDt, resnetDt), (.fittingResnetDt, fittingResnetDt), (.channels, channels),
                                            (.hiddenDegree, hiddenDegree), (.shDegree, shDegree), (.correlation, correlation),
                                            (.radialBasis, radialBasis), (.envelopeExponent, envelopeExponent),
                                            (.radialMLP, radialMLP), (.readoutWidth, readoutWidth),
                                            (.averageNeighbours, averageNeighbours), (.scale, scale), (.shift, shift)]
        return values.filter { $0.1 != nil }.map(\.0.stringValue)
    }

    /// The model for data with `elements`, fitted to a level of theory with `selfEnergies`.
    ///
    /// - Throws: `DataError` naming `file` and the key (`model.kind`, `model.widths`, …)
    ///   for an unknown kind or preset, a key that does not apply to the kind, a
    ///   non-positive size, or an element the architecture cannot describe.
    public func makePotential(elements: [Int], selfEnergies: SelfEnergies, file: String) throws -> any AtomisticPotential {
        let elements = Array(Set(elements)).sorted()
        guard !elements.isEmpty else { throw DataError(file: file, item: "model", "no elements to build a model for") }
        let kind = self.kind ?? "ani"
        let applicable: Set<String>
        switch kind {
        case "ani": applicable = Self.aniKeys
        case "hipnn": applicable = Self.hipnnKeys
        case "deeppot": applicable = Self.deepPotKeys
        case "mace": applicable = Self.maceKeys
        case "acsf", "eeacsf": applicable = ["widths", "celu_alpha", "cutoff"]
        default:
            throw DataError(file: file, item: "model.kind", "unknown model kind '\(kind)' (known: \(Self.kinds.joined(separator: ", ")))")
        }
        if let key = keysSet.first(where: { !applicable.contains($0) }) {
            throw DataError(file: file, item: "model.\(key)", "does not apply to model kind \(kind) (its keys: \(applicable.sorted().joined(separator: ", ")))")
        }
        switch kind {
        case "hipnn": return try makeHIPNN(elements: elements, selfEnergies: selfEnergies, file: file)
        case "deeppot": return try makeDeepPot(elements: elements, selfEnergies: selfEnergies, file: file)
        case "mace": return try makeMACE(elements: elements, selfEnergies: selfEnergies, file: file)
        case "acsf", "eeacsf":
            if let widths, widths.isEmpty || widths.contains(where: { $0 <= 0 }) {
                throw DataError(file: file, item: "model.widths", "hidden widths must be positive, got \(widths)")
            }
            let alpha = celuAlpha ?? 0.1
            guard alpha > 0, alpha.isFinite else { throw DataError(file: file, item: "model.celu_alpha", "must be positive") }
            return try makeSymmetryFunctionPotential(elements: elements, selfEnergies: selfEnergies, alpha: alpha, file: file)
        default: return try makeANI(elements: elements, selfEnergies: selfEnergies, file: file)
        }
    }
}
