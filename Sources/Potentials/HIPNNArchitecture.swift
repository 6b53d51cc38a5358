import Chemistry

/// The hyperparameters of a ``HIPNNPotential``, stored in model files as
///
///     {"kind": "hipnn", "species": [1, 6, 7, 8], "width": 128, "interactions": 2, "atomLayers": 3,
///      "sensitivities": 20, "softMin": 0.75, "softMax": 5.5, "cutoff": 6.5}
///
/// plus `"resnet": true` for hippynn's residual layers (``resnet``; absent means false, so
/// model files written before the key existed read as they were written).
///
/// Distances in Å. The defaults of ``init(species:width:interactions:atomLayers:sensitivities:softMin:softMax:cutoff:)``
/// are those of hippynn's ANI-1x example (`examples/ani1x_training.py`: 128 features,
/// 2 interaction blocks of 3 atom layers, 20 sensitivities, soft range 0.75 Å … cutoff − 1 Å,
/// hard cutoff 6.5 Å).
public struct HIPNNArchitecture: Codable, Equatable, Sendable {
    /// Atomic numbers, in one-hot order.
    public var species: [Int]
    /// Feature width F of every interaction block.
    public var width: Int
    /// Number of interaction blocks L (≥ 1).
    public var interactions: Int
    /// On-site (atom) layers after each interaction layer (≥ 0).
    public var atomLayers: Int
    /// Number of sensitivity functions ν.
    public var sensitivities: Int
    /// Initial centre of the shortest-range sensitivity, Å.
    public var softMin: Double
    /// Initial centre of the longest-range sensitivity, Å.
    public var softMax: Double
    /// Hard cutoff r_c of φ and of the neighbour list, Å.
    public var cutoff: Double
    /// hippynn's residual form (`Hipnn(resnet=True)`, hippynn's default, `ResNetWrapper` in
    /// `hippynn/layers/transform.py`): every interaction and on-site layer becomes
    /// z ← f(layer(z)) R + c + z A (A = identity when the widths agree), with no activation
    /// on the sum. false: the paper's plain form z ← f(layer(z)). See ``HIPNNPotential``.
    public var resnet: Bool

    public init(species: [Int], width: Int = 128, interactions: Int = 2, atomLayers: Int = 3, sensitivities: Int = 20,
                softMin: Double = 0.75, softMax: Double? = nil, cutoff: Double = 6.5, resnet: Bool = false) {
        self.species = species; self.width = width; self.interactions = interactions; self.atomLayers = atomLayers
        self.sensitivities = sensitivities; self.softMin = softMin; self.softMax = softMax ?? cutoff - 1; self.cutoff = cutoff
        self.resnet = resnet
    }

    enum CodingKeys: String, CodingKey {
        case species, width, interactions, atomLayers, sensitivities, softMin, softMax, cutoff, resnet
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(species: try c.decode([Int].self, forKey: .species), width: try c.decode(Int.self, forKey: .width),
                  interactions: try c.decode(Int.self, forKey: .interactions),
                  atomLayers: try c.decode(Int.self, forKey: .atomLayers),
                  sensitivities: try c.decode(Int.self, forKey: .sensitivities),
                  softMin: try c.decode(Double.self, forKey: .softMin), softMax: try c.decode(Double.self, forKey: .softMax),
                  cutoff: try c.decode(Double.self, forKey: .cutoff),
                  resnet: try c.decodeIfPresent(Bool.self, forKey: .resnet) ?? false)
    }

    /// Writes `resnet` only when true, so plain models' files are unchanged.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(species, forKey: .species); try c.encode(width, forKey: .width)
        try c.encode(interactions, forKey: .interactions); try c.encode(atomLayers, forKey: .atomLayers)
        try c.encode(sensitivities, forKey: .sensitivities); try c.encode(softMin, forKey: .softMin)
        try c.encode(softMax, forKey: .softMax); try c.encode(cutoff, forKey: .cutoff)
        if resnet { try c.encode(true, forKey: .resnet) }
    }

    func makePotential(selfEnergies: SelfEnergies, file: String) throws -> HIPNNPotential {
        func fail(_ key: String, _ reason: String) -> DataError { DataError(file: file, item: "architecture.\(key)", reason) }
        guard !species.isEmpty, Set(species).count == species.count,
              species.allSatisfy({ Element(atomicNumber: $0) != nil }) else {
            throw fail("species", "species must be distinct, known atomic numbers, got \(species)")
        }
        for (key, value, minimum) in [("width", width, 1), ("interactions", interactions, 1),
                                      ("atomLayers", atomLayers, 0), ("sensitivities", sensitivities, 1)] where value < minimum {
            throw fail(key, "must be at least \(minimum), got \(value)")
        }
        guard cutoff > 0, cutoff.isFinite else { throw fail("cutoff", "must be positive, got \(cutoff)") }
        guard softMin > 0, softMin < softMax else { throw fail("softMin", "need 0 < softMin < softMax, got \(softMin), \(softMax)") }
        guard softMax <= cutoff else { throw fail("softMax", "must not exceed the cutoff \(cutoff), got \(softMax)") }
        return HIPNNPotential(self, selfEnergies: selfEnergies)
    }
}
