// Hyperparameters of Behler–Parrinello atom-centred symmetry functions (ACSF).

/// Hyperparameters of Behler–Parrinello atom-centred symmetry functions (Behler, "Atom-centered
/// symmetry functions for constructing high-dimensional neural network potentials",
/// J. Chem. Phys. 134, 074106 (2011), doi:10.1063/1.3553717).
///
/// With the cosine cutoff `f_c(r) = ½ (cos(π r / r_c) + 1)` for r ≤ r_c (0 beyond), atom i
/// has
///
/// - **radial G2**, one per neighbour species S and radial function (η, r_s):
///   `G2_i(S; η, r_s) = Σ_{j ∈ S} exp(−η (r_ij − r_s)²) f_c(r_ij)`;
/// - **angular G5**, one per unordered neighbour-species pair {S₁, S₂} and angular function
///   (η, ζ, λ), summed over unordered neighbour pairs {j, k} (j ≠ k, each pair once):
///   `G5_i(S₁S₂; η, ζ, λ) = Σ_{j<k} 2^(1−ζ) (1 + λ cos θ_ijk)^ζ exp(−η (r_ij² + r_ik²))
///   f_c(r_ij) f_c(r_ik)`, θ_ijk the angle between r_ij and r_ik.
///
/// Behler's G5 sums over ordered pairs (j, k ≠ j); summing unordered pairs halves every
/// value, which a network absorbs. The angular cutoff is the radial one (``request``): every
/// neighbour within r_c takes part in triplets. η in Å⁻², r_s and r_c in Å, λ = ±1, ζ ≥ 1.
///
/// Feature order: radial part `[species][radial]`, then angular part `[pair][angular]`,
/// species pairs (a, b), a ≤ b, enumerated as in ``AEVParameters/pairIndex(_:_:)``.
public struct ACSFParameters: Codable, Equatable, Sendable {
    /// A radial function exp(−η (r − r_s)²): η in Å⁻², r_s in Å.
    public struct Radial: Codable, Equatable, Sendable {
        public var eta: Double
        public var rs: Double
        public init(eta: Double, rs: Double) { self.eta = eta; self.rs = rs }
    }

    /// An angular function 2^(1−ζ) (1 + λ cos θ)^ζ exp(−η (r_ij² + r_ik²)): η in Å⁻².
    public struct Angular: Codable, Equatable, Sendable {
        public var eta: Double
        public var zeta: Double
        public var lambda: Double
        public init(eta: Double, zeta: Double, lambda: Double) { self.eta = eta; self.zeta = zeta; self.lambda = lambda }
    }

    /// Cutoff r_c (Å) of both radial and angular terms.
    public var cutoff: Double
    /// The radial functions.
    public var radial: [Radial]
    /// The angular functions.
    public var angular: [Angular]
    /// Species (atomic numbers) in feature order.
    public var species: [Int]

    public init(cutoff: Double, radial: [Radial], angular: [Angular], species: [Int]) {
        self.cutoff = cutoff; self.radial = radial; self.angular = angular; self.species = species
    }

    /// A preset for organic molecules (this project's choice, following Behler 2011, Sec. IV:
    /// shifted radial Gaussians resolve the distance shells, λ = ±1 centres the angular
    /// functions on θ = 0 and θ = π, and ζ sharpens them). r_c = 5.2 Å (the ANI-1x radial
    /// cutoff, enough for second neighbours in molecules);
    /// radial: 8 Gaussians with r_s = 0.8 + 0.6 k Å (k = 0…7, covering 0.8–5.0 Å) and
    /// η = 1/0.6² ≈ 2.78 Å⁻² (neighbouring Gaussians cross at e^(−¼) ≈ 0.78);
    /// angular: η ∈ {0.01, 0.05, 0.2} Å⁻² × ζ ∈ {1, 4} × λ ∈ {−1, +1} (12 functions).
    /// Species H C N O: 32 radial + 120 angular = 152 features.
    public static let molecules = ACSFParameters(
        cutoff: 5.2,
        radial: (0..<8).map { Radial(eta: 1 / (0.6 * 0.6), rs: 0.8 + 0.6 * Double($0)) },
        angular: [0.01, 0.05, 0.2].flatMap { eta in
            [1.0, 4.0].flatMap { zeta in [-1.0, 1.0].map { Angular(eta: eta, zeta: zeta, lambda: $0) } }
        },
        species: [1, 6, 7, 8])

    /// The same functions with another species list.
    public func with(species: [Int]) -> ACSFParameters {
        var p = self
        p.species = species
        return p
    }

    /// The same functions with another cutoff (Å).
    public func with(cutoff: Double) -> ACSFParameters {
        var p = self
        p.cutoff = cutoff
        return p
    }

    /// Number of unordered species pairs, n(n + 1)/2.
    public var speciesPairCount: Int { species.count * (species.count + 1) / 2 }
    /// Length of the radial part.
    public var radialLength: Int { species.count * radial.count }
    /// Length of the angular part.
    public var angularLength: Int { speciesPairCount * angular.count }
    /// Total feature length F.
    public var featureCount: Int { radialLength + angularLength }

    /// Pairs within r_c, triplets with both legs within r_c.
    public var request: NeighbourRequest {
        NeighbourRequest(radialCutoff: cutoff, angularCutoff: angular.isEmpty ? 0 : cutoff, species: species)
    }

    /// The index of the unordered species pair {a, b} (species indices), triu order.
    public func pairIndex(_ a: Int, _ b: Int) -> Int {
        let (lo, hi) = a <= b ? (a, b) : (b, a)
        return lo * species.count - lo * (lo - 1) / 2 + (hi - lo)
    }

    /// Why these parameters cannot describe a model (nil when they can): a non-positive or
    /// non-finite cutoff, no radial functions, η < 0, ζ < 1, |λ| ≠ 1.
    public var problem: String? {
        guard cutoff > 0, cutoff.isFinite else { return "cutoff must be positive" }
        guard !radial.isEmpty else { return "need at least one radial function" }
        guard radial.allSatisfy({ $0.eta >= 0 && $0.eta.isFinite && $0.rs.isFinite }) else { return "radial η must be ≥ 0" }
        guard angular.allSatisfy({ $0.eta >= 0 && $0.eta.isFinite }) else { return "angular η must be ≥ 0" }
        guard angular.allSatisfy({ $0.zeta >= 1 && $0.zeta.isFinite }) else { return "angular ζ must be ≥ 1" }
        guard angular.allSatisfy({ abs($0.lambda) == 1 }) else { return "angular λ must be +1 or −1" }
        return nil
    }
}
