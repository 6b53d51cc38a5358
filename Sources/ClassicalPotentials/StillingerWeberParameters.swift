import Chemistry

/// The parameters of a one-element Stillinger–Weber potential (Stillinger & Weber,
/// Phys. Rev. B 31, 5262 (1985), doi:10.1103/PhysRevB.31.5262), in LAMMPS `pair_style sw`
/// "metal" form: ε in eV, σ in Å, the rest dimensionless.
///
///     φ₂(r)         = A ε [B (σ/r)^p − (σ/r)^q] exp(σ / (r − aσ))                   (r < aσ)
///     φ₃(r₁, r₂, θ) = λ ε (cos θ − cos θ₀)² exp(γσ / (r₁ − aσ)) exp(γσ / (r₂ − aσ))  (r₁, r₂ < aσ)
///
/// Both terms and all their derivatives go to zero at the cutoff aσ.
public struct StillingerWeberParameters: Equatable, Sendable, Codable {
    /// Atomic number of the one element the parameters describe.
    public var element: Int
    /// Energy scale ε, eV.
    public var epsilon: Double
    /// Length scale σ, Å.
    public var sigma: Double
    /// Reduced cutoff a (the cutoff is aσ).
    public var a: Double
    /// Three-body strength λ.
    public var lambda: Double
    /// Three-body decay γ.
    public var gamma: Double
    /// Preferred cosine cos θ₀ (−1/3: the tetrahedral angle).
    public var cosTheta0: Double
    /// Pair prefactor A.
    public var bigA: Double
    /// Pair repulsion coefficient B.
    public var bigB: Double
    /// Repulsive exponent p.
    public var p: Double
    /// Attractive exponent q.
    public var q: Double

    public init(element: Int, epsilon: Double, sigma: Double, a: Double = 1.80, lambda: Double, gamma: Double = 1.20,
                cosTheta0: Double = -1.0 / 3.0, bigA: Double = 7.049556277, bigB: Double = 0.6022245584,
                p: Double = 4, q: Double = 0) {
        self.element = element
        self.epsilon = epsilon
        self.sigma = sigma
        self.a = a
        self.lambda = lambda
        self.gamma = gamma
        self.cosTheta0 = cosTheta0
        self.bigA = bigA
        self.bigB = bigB
        self.p = p
        self.q = q
    }

    /// The cutoff radius aσ, Å.
    public var cutoff: Double { a * sigma }

    /// Silicon (Stillinger & Weber 1985, doi:10.1103/PhysRevB.31.5262): ε = 2.1683 eV,
    /// σ = 2.0951 Å, a = 1.80, λ = 21.0, γ = 1.20, cos θ₀ = −1/3, A = 7.049556277,
    /// B = 0.6022245584, p = 4, q = 0 — the values of LAMMPS `potentials/Si.sw`.
    /// Diamond Si at a₀ = 5.431 Å has E = −2ε = −4.3366 eV/atom (nearest neighbours at
    /// 2^{1/6} σ, the pair minimum; the three-body term vanishes at the tetrahedral angle).
    public static let silicon = StillingerWeberParameters(element: 14, epsilon: 2.1683, sigma: 2.0951, lambda: 21.0)

    /// Germanium (Ding & Andersen, Phys. Rev. B 34, 6987 (1986), doi:10.1103/PhysRevB.34.6987):
    /// ε = 1.93 eV, σ = 2.181 Å, λ = 31.0; a, γ, cos θ₀, A, B, p, q as for silicon.
    /// (Check: the pair minimum 2^{1/6} σ = 2.448 Å gives a diamond lattice constant of
    /// 5.654 Å and −2ε = −3.86 eV/atom, close to germanium's 5.658 Å and 3.85 eV.)
    public static let germanium = StillingerWeberParameters(element: 32, epsilon: 1.93, sigma: 2.181, lambda: 31.0)
}
