// Hyperparameters of the ANI atomic environment vector (AEV).

/// Hyperparameters of the ANI atomic environment vector (Smith, Isayev & Roitberg,
/// "ANI-1: an extensible neural network potential with DFT accuracy at force field
/// computational cost", Chem. Sci. 8, 3192 (2017), doi:10.1039/C6SC05720A), in the
/// form used by TorchANI's `AEVComputer`.
///
/// With the cosine cutoff `fc(r) = ½ cos(π r / Rc) + ½` for `r ≤ Rc` (0 beyond), the AEV of
/// atom i has
///
/// - **radial terms**, one block per neighbour species S and shift Rs ∈ `shfR`:
///   `G_R(i; S, Rs) = Σ_{j ∈ S, r_ij ≤ Rcr} ¼ · exp(−ηR (r_ij − Rs)²) · fc(r_ij; Rcr)`;
/// - **angular terms**, one block per unordered species pair {S₁, S₂}, shift Rs ∈ `shfA`
///   and angle θs ∈ `shfZ`, summed over unordered neighbour pairs {j, k} (each counted once):
///   `G_A(i; S₁S₂, Rs, θs) = Σ 2^(1−ζ) (1 + cos(θ_ijk − θs))^ζ
///   · exp(−ηA ((r_ij + r_ik)/2 − Rs)²) · fc(r_ij; Rca) · fc(r_ik; Rca)`.
///
/// TorchANI (and therefore this implementation) computes the angle with a damped cosine,
/// `θ_ijk = acos(0.95 · (r_ij · r_ik) / (|r_ij| |r_ik|))`, so that `acos` never sees ±1 (its
/// derivative diverges there). The factor 2^(1−ζ)(1 + cos)^ζ is evaluated as
/// `2 · ((1 + cos)/2)^ζ`, as TorchANI does.
///
/// Feature ordering (TorchANI's): the radial part first, `[species][shfR]`
/// (`species.count · shfR.count` values), then the angular part, `[pair][shfA][shfZ]`,
/// where the unordered species pairs are enumerated (a, b) with a ≤ b in `species` order:
/// (0,0), (0,1), …, (0,n−1), (1,1), (1,2), … (`torch.triu_indices`).
public struct AEVParameters: Equatable, Sendable, Codable {
    /// Radial cutoff Rcr, Å.
    public var radialCutoff: Double
    /// Angular cutoff Rca, Å (≤ Rcr: angular neighbours are taken from the radial list).
    public var angularCutoff: Double
    /// Radial Gaussian width ηR, Å⁻².
    public var etaR: Double
    /// Radial shifts Rs, Å.
    public var shfR: [Double]
    /// Angular Gaussian width ηA, Å⁻².
    public var etaA: Double
    /// Angular exponent ζ.
    public var zeta: Double
    /// Angular radial shifts Rs, Å.
    public var shfA: [Double]
    /// Angle shifts θs, radians.
    public var shfZ: [Double]
    /// The species, as atomic numbers, in feature order.
    public var species: [Int]

    public init(radialCutoff: Double, angularCutoff: Double, etaR: Double, shfR: [Double],
                etaA: Double, zeta: Double, shfA: [Double], shfZ: [Double], species: [Int]) {
        precondition(angularCutoff <= radialCutoff, "the angular cutoff must not exceed the radial cutoff")
        precondition(!species.isEmpty && Set(species).count == species.count, "species must be distinct and non-empty")
        self.radialCutoff = radialCutoff
        self.angularCutoff = angularCutoff
        self.etaR = etaR
        self.shfR = shfR
        self.etaA = etaA
        self.zeta = zeta
        self.shfA = shfA
        self.shfZ = shfZ
        self.species = species
    }

    /// The ANI-1x AEV (TorchANI `AEVComputer.like_1x`, NeuroChem's
    /// `rHCNO-5.2R_16-3.5A_a4-8.params`): species H, C, N, O; 64 radial + 320 angular = 384
    /// features. ShfR = 0.9 + 0.26875 k (k = 0…15), ShfA = 0.9 + 0.65 k (k = 0…3),
    /// ShfZ = π/16 + π/8 k (k = 0…7), written as TorchANI's literals.
    public static let ani1x = AEVParameters(
        radialCutoff: 5.2, angularCutoff: 3.5,
        etaR: 16,
        shfR: [0.9, 1.16875, 1.4375, 1.70625, 1.975, 2.24375, 2.5125, 2.78125,
               3.05, 3.31875, 3.5875, 3.85625, 4.125, 4.39375, 4.6625, 4.93125],
        etaA: 8, zeta: 32,
        shfA: [0.9, 1.55, 2.2, 2.85],
        shfZ: [0.19634954, 0.58904862, 0.9817477, 1.3744468,
               1.7671459, 2.1598449, 2.552544, 2.9452431],
        species: [1, 6, 7, 8])

    /// The same hyperparameters with another species list (e.g. `[14]` for silicon).
    public func with(species: [Int]) -> AEVParameters {
        var p = self
        precondition(!species.isEmpty && Set(species).count == species.count, "species must be distinct and non-empty")
        p.species = species
        return p
    }

    /// Number of species.
    public var speciesCount: Int { species.count }
    /// Number of unordered species pairs, n(n + 1)/2.
    public var speciesPairCount: Int { species.count * (species.count + 1) / 2 }
    /// Radial features per neighbour species (`shfR.count`).
    public var radialSublength: Int { shfR.count }
    /// Angular features per species pair (`shfA.count · shfZ.count`).
    public var angularSublength: Int { shfA.count * shfZ.count }
    /// Length of the radial part.
    public var radialLength: Int { speciesCount * radialSublength }
    /// Length of the angular part.
    public var angularLength: Int { speciesPairCount * angularSublength }
    /// Total AEV length (384 for ``ani1x``).
    public var featureCount: Int { radialLength + angularLength }

    /// The index of atomic number `z` in ``species``, or nil.
    public func speciesIndex(of z: Int) -> Int? { species.firstIndex(of: z) }

    /// The index of the unordered species pair {a, b} (species indices), in
    /// `torch.triu_indices` order.
    public func pairIndex(_ a: Int, _ b: Int) -> Int {
        let (lo, hi) = a <= b ? (a, b) : (b, a)
        let n = species.count
        return lo * n - lo * (lo - 1) / 2 + (hi - lo)
    }
}
