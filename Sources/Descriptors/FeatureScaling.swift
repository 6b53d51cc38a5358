// Fixed per-feature normalisation of symmetry functions, part of a model's architecture.

import Autodiff

/// The normalisation ACSF and eeACSF models apply before their networks:
///
///     x_f = (3 ((G_f + 1)^(1/3) − 1) − μ_f) / σ_f
///
/// The cube root ("crss", cube root-scaled-shifted, the default scaling of Eckhoff &
/// Reiher's lMLP code, doi:10.1021/acs.jctc.3c00279) compresses the large values that sums
/// over many neighbours reach (G ≥ 0; slope 1 at G = 0, so small values pass unchanged).
/// The shift μ_f and scale σ_f are constants stored with the architecture: empty arrays mean
/// μ = 0, σ = 1; ``fitted(to:)`` standardises to zero mean and unit variance over training
/// features (Behler 2011, Sec. V, recommends such scaling). Being constants, they change no
/// gradient rule: forces stay −∂E/∂R.
public struct FeatureScaling: Codable, Equatable, Sendable {
    /// μ_f (empty: 0).
    public var mean: [Double]
    /// σ_f (empty: 1).
    public var scale: [Double]

    public init(mean: [Double] = [], scale: [Double] = []) {
        self.mean = mean; self.scale = scale
    }

    /// The cube root only (μ = 0, σ = 1).
    public static let cubeRoot = FeatureScaling()

    /// 3 ((G + 1)^(1/3) − 1), elementwise.
    public static func compress<S>(_ g: Tensor<S>) -> Tensor<S> {
        ((g + S(1)).pow(S(1.0 / 3.0)) - S(1)) * S(3)
    }

    /// The normalised features `[A, F]` of raw features `g` `[A, F]`.
    public func callAsFunction<S>(_ g: Tensor<S>) -> Tensor<S> {
        var x = Self.compress(g)
        let f = g.shape[1]
        if !mean.isEmpty { x = x - Tensor<S>(shape: [1, f], scalars: mean.map { S($0) }) }
        if !scale.isEmpty { x = x * Tensor<S>(shape: [1, f], scalars: scale.map { S(1 / $0) }) }
        return x
    }

    /// Standardisation over raw features `g` `[A, F]` (rows pooled from training
    /// conformations): μ_f and σ_f of the compressed features, σ_f at least
    /// `minimumScale`, so a feature that barely varies in training (a pair distance the
    /// training set never reaches) is not amplified into a large, poorly generalising input.
    public static func fitted(to g: Tensor<Double>, minimumScale: Double = 0.01) -> FeatureScaling {
        precondition(g.shape.count == 2 && g.shape[0] > 0, "need features [A, F] with A > 0")
        let x = compress(g).scalars
        let (rows, f) = (g.shape[0], g.shape[1])
        var mean = [Double](repeating: 0, count: f), square = [Double](repeating: 0, count: f)
        for r in 0..<rows {
            for c in 0..<f { mean[c] += x[r * f + c]; square[c] += x[r * f + c] * x[r * f + c] }
        }
        mean = mean.map { $0 / Double(rows) }
        let scale = (0..<f).map { c -> Double in
            let variance = max(square[c] / Double(rows) - mean[c] * mean[c], 0)
            return max(variance.squareRoot(), minimumScale)
        }
        return FeatureScaling(mean: mean, scale: scale)
    }

    /// Why this scaling cannot apply to `featureCount` features (nil when it can).
    public func problem(featureCount: Int) -> String? {
        guard mean.isEmpty || mean.count == featureCount else { return "mean has \(mean.count) values for \(featureCount) features" }
        guard scale.isEmpty || scale.count == featureCount else { return "scale has \(scale.count) values for \(featureCount) features" }
        guard mean.allSatisfy(\.isFinite), scale.allSatisfy({ $0 > 0 && $0.isFinite }) else { return "values must be finite, scales positive" }
        return nil
    }
}
