import Chemistry

/// The hyperparameters of a ``MACEPotential``, stored in model files as
///
///     {"kind": "mace", "species": [1, 6, 7, 8], "cutoff": 5.0, "radialBasis": 8, "envelopeExponent": 5,
///      "shDegree": 3, "channels": 64, "hiddenDegree": 0, "correlation": 3, "interactions": 2,
///      "radialMLP": [64, 64, 64], "readoutWidth": 16, "averageNeighbours": 15.6, "scale": 1.0, "shift": 0.0}
///
/// Their names in mace-torch (`mace/tools/arg_parser.py`): `r_max`, `num_radial_basis`,
/// `num_cutoff_basis`, `max_ell`, `num_channels`, `max_L`, `correlation`, `num_interactions`,
/// `radial_MLP`, `MLP_irreps` (`"16x0e"`), `avg_num_neighbors`, and the `scale_shift` of
/// `ScaleShiftMACE`. The defaults are mace-torch's, with hidden irreps `64x0e` ("small";
/// `hiddenDegree` 1 gives `64x0e + 64x1o`, "medium"). Distances in Å, energies in eV.
///
/// `averageNeighbours` and `scale` come from the training data in mace-torch
/// (`avg_num_neighbors`, and `rms_forces_scaling`: the RMS force component, with shift 0).
/// Here they may be absent (nil): ``MACEPotential/fitted(to:)`` then sets them from the
/// training conformations before training (every trainer does), and an unfitted model uses 1.
public struct MACEArchitecture: Codable, Equatable, Sendable {
    /// Atomic numbers, in one-hot (node attribute) order.
    public var species: [Int]
    /// Cutoff r_max of the neighbour list, the Bessel basis and the envelope, Å.
    public var cutoff: Double
    /// Number of Bessel functions (8).
    public var radialBasis: Int
    /// Exponent p of the polynomial envelope (5).
    public var envelopeExponent: Int
    /// Highest degree of the edge spherical harmonics (`max_ell`, 3).
    public var shDegree: Int
    /// Channels F of every irrep of the node features (`num_channels`).
    public var channels: Int
    /// Highest degree of the hidden node features (`max_L`): hidden irreps
    /// Σ_{l ≤ hiddenDegree} F × l(−1)^l; the last layer keeps only the scalars.
    public var hiddenDegree: Int
    /// Correlation order ν of the symmetric contraction (body order ν + 1).
    public var correlation: Int
    /// Number of interaction layers.
    public var interactions: Int
    /// Hidden widths of the radial MLP that gives the tensor-product weights.
    public var radialMLP: [Int]
    /// Hidden width of the last (non-linear) readout (`MLP_irreps` = "16x0e").
    public var readoutWidth: Int
    /// Messages are divided by this (mace-torch's `avg_num_neighbors`, the mean number of
    /// neighbours within the cutoff over the training set).
    public var averageNeighbours: Double?
    /// `ScaleShiftMACE`: atomic interaction energies are scale · e_i + shift (eV).
    public var scale: Double?
    public var shift: Double

    public init(species: [Int], cutoff: Double = 5, radialBasis: Int = 8, envelopeExponent: Int = 5, shDegree: Int = 3,
                channels: Int = 64, hiddenDegree: Int = 0, correlation: Int = 3, interactions: Int = 2,
                radialMLP: [Int] = [64, 64, 64], readoutWidth: Int = 16, averageNeighbours: Double? = nil,
                scale: Double? = nil, shift: Double = 0) {
        self.species = species; self.cutoff = cutoff; self.radialBasis = radialBasis; self.envelopeExponent = envelopeExponent
        self.shDegree = shDegree; self.channels = channels; self.hiddenDegree = hiddenDegree; self.correlation = correlation
        self.interactions = interactions; self.radialMLP = radialMLP; self.readoutWidth = readoutWidth
        self.averageNeighbours = averageNeighbours; self.scale = scale; self.shift = shift
    }

    /// The irreps of the hidden node features (each with ``channels`` copies), sorted.
    public var hiddenIrreps: [Irrep] { (0...hiddenDegree).map { Irrep.sphericalHarmonic($0) } }

    /// The first inconsistent key and the reason, or nil.
    func problem() -> (key: String, reason: String)? {
        if species.isEmpty || Set(species).count != species.count || !species.allSatisfy({ Element(atomicNumber: $0) != nil }) {
            return ("species", "species must be distinct, known atomic numbers, got \(species)")
        }
        guard cutoff > 0, cutoff.isFinite else { return ("cutoff", "must be positive, got \(cutoff)") }
        for (key, value, minimum, maximum) in [("radialBasis", radialBasis, 1, 64), ("envelopeExponent", envelopeExponent, 2, 12),
                                               ("shDegree", shDegree, 0, 6), ("channels", channels, 1, 1024),
                                               ("correlation", correlation, 1, 3), ("interactions", interactions, 1, 6),
                                               ("readoutWidth", readoutWidth, 1, 1024)]
        where value < minimum || value > maximum {
            return (key, "must be between \(minimum) and \(maximum), got \(value)")
        }
        guard hiddenDegree >= 0, hiddenDegree <= shDegree else {
            return ("hiddenDegree", "must be between 0 and shDegree (\(shDegree)), got \(hiddenDegree)")
        }
        guard !radialMLP.isEmpty, radialMLP.allSatisfy({ $0 > 0 }) else { return ("radialMLP", "hidden widths must be positive, got \(radialMLP)") }
        if let averageNeighbours, !(averageNeighbours > 0 && averageNeighbours.isFinite) {
            return ("averageNeighbours", "must be positive, got \(averageNeighbours)")
        }
        if let scale, !(scale.isFinite && scale != 0) { return ("scale", "must be finite and non-zero, got \(scale)") }
        guard shift.isFinite else { return ("shift", "must be finite, got \(shift)") }
        return nil
    }

    func makePotential(selfEnergies: SelfEnergies, file: String) throws -> MACEPotential {
        if let (key, reason) = problem() { throw DataError(file: file, item: "architecture.\(key)", reason) }
        return MACEPotential(self, selfEnergies: selfEnergies)
    }
}
