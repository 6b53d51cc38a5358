// HIP-NN's distance sensitivities: inverse-distance Gaussians times a cos² cutoff.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autodiff

/// The sensitivity functions of a HIP-NN interaction layer (Lubbers, Smith & Barros,
/// J. Chem. Phys. 148, 241715 (2018), doi:10.1063/1.5011181), in the form of hippynn's
/// `InverseSensitivityModule` and `CosCutoff` (`hippynn/layers/hiplayers/sensitivity.py`):
///
///     s_ν(r) = exp(−½ σ_ν² (1/r − 1/μ_ν)²) · φ(r),   φ(r) = cos²(π r / (2 r_c)) for r ≤ r_c, else 0,
///
/// with r in Å, centres μ_ν in Å and σ_ν in Å (σ_ν is an *inverse* width: the Gaussian in
/// 1/r has standard deviation 1/σ_ν). φ and its first derivative vanish at r_c, so energies
/// and forces are continuous as a neighbour leaves the cutoff.
///
/// Initial values (hippynn): 1/μ_ν evenly spaced from 1/r_soft,max to 1/r_soft,min
/// (`1 / linspace(1/max, 1/min, n)`), so the centres crowd at short range; σ_ν = 2 n r_soft,min
/// for every ν. Both are learnable per interaction layer. MetaMLIP stores the *inverse*
/// centres m_ν = 1/μ_ν (Å⁻¹) as the parameter, so the formula needs no division and weight
/// decay cannot drive a centre through zero; the function family is hippynn's.
public enum HIPNNSensitivity {
    /// Initial inverse centres m_ν = 1/μ_ν (Å⁻¹): `linspace(1/softMax, 1/softMin, count)`
    /// (the single value 1/softMax when `count` is 1, as `torch.linspace`).
    public static func initialInverseCentres(count: Int, softMin: Double, softMax: Double) -> [Double] {
        precondition(count >= 1 && softMin > 0 && softMax > 0)
        let a = 1 / softMax, b = 1 / softMin
        guard count > 1 else { return [a] }
        return (0..<count).map { a + (b - a) * Double($0) / Double(count - 1) }
    }

    /// Initial inverse width σ = 2 · count · softMin (Å), hippynn's value ("pulled from theano code").
    public static func initialSigma(count: Int, softMin: Double) -> Double { 2 * Double(count) * softMin }

    /// The cutoff φ(r) = cos²(π r / (2 r_c)) for 0 ≤ r ≤ r_c, 0 beyond.
    public static func cutoff(_ r: Double, _ rc: Double) -> Double {
        guard r <= rc else { return 0 }
        let c = cos(Double.pi * r / (2 * rc))
        return c * c
    }

    /// One sensitivity s(r) = exp(−½ σ² (1/r − m)²) φ(r) with inverse centre m (Å⁻¹) and
    /// inverse width σ (Å), in plain Double (reference for tests).
    public static func value(_ r: Double, inverseCentre m: Double, sigma: Double, cutoff rc: Double) -> Double {
        let x = (1 / r - m) * sigma
        return exp(-0.5 * x * x) * cutoff(r, rc)
    }

    /// The sensitivities `[P, ν]` of pair distances `d` (`[P, 1]`, Å) for inverse centres
    /// `inverseCentres` and inverse widths `sigma` (both `[ν]`), differentiable in all three.
    static func sensitivities<S>(_ d: Tensor<S>, inverseCentres: Tensor<S>, sigma: Tensor<S>, cutoff rc: Double) -> Tensor<S> {
        let n = inverseCentres.count
        let x = (d.pow(-1) - inverseCentres.reshaped([1, n])) * sigma.reshaped([1, n])     // [P, ν]
        let gaussian = (x.squared() * S(-0.5)).exp()
        let c = (d * S(Double.pi / (2 * rc))).cos()
        return gaussian * (c.squared() * d.mask(inRange: 0, S(rc)))                       // [P, ν]
    }
}
