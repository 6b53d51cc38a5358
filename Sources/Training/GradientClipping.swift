// Global gradient-norm clipping for `Trainer` and the per-epoch record of gradient norms.

import Autodiff

/// The global L2 norm of a gradient and its clipping, as PyTorch's `clip_grad_norm_`
/// (norm type 2) does it and mace-torch applies it by default (`--clip_grad 10`):
///
///     ‖g‖ = √(Σ_tensors Σ_i g_i²)          (accumulated in Double, tensors in order)
///     c   = maxNorm / (‖g‖ + 10⁻⁶)
///     g  ← c · g   when c < 1              (otherwise g is left as it is)
///
/// ‖g‖ is in the loss's units per parameter unit (eV²/atom² for ``EnergyForceLoss``). Tensors
/// listed in `excluding` (frozen parameters) neither count in the norm nor get scaled.
public enum GradientClipping {
    /// ‖g‖ over the tensors of `gradient` whose indices are not in `excluding`.
    public static func norm(_ gradient: ParameterSet<Float>, excluding: Set<Int> = []) -> Double {
        var sum = 0.0
        for i in 0..<gradient.count where !excluding.contains(i) {
            gradient[i].scalars.withUnsafeBufferPointer { g in
                for x in g { sum += Double(x) * Double(x) }
            }
        }
        return sum.squareRoot()
    }

    /// `gradient` scaled to norm `maxNorm` when its norm (``norm(_:excluding:)``) is larger;
    /// returns the gradient and whether it was clipped.
    public static func clip(_ gradient: ParameterSet<Float>, norm: Double, maxNorm: Double,
                            excluding: Set<Int> = []) -> (gradient: ParameterSet<Float>, clipped: Bool) {
        let coefficient = maxNorm / (norm + 1e-6)
        guard coefficient < 1 else { return (gradient, false) }
        let c = Float(coefficient)
        var scaled: [(String, Tensor<Float>)] = []
        scaled.reserveCapacity(gradient.count)
        for i in 0..<gradient.count {
            scaled.append((gradient.names[i], excluding.contains(i) ? gradient[i] : gradient[i] * c))
        }
        return (ParameterSet(scaled), true)
    }
}

/// The gradient norms of one epoch's optimizer steps (``GradientClipping/norm(_:excluding:)``,
/// before any clipping): a spike in the maximum precedes most blow-ups.
public struct GradientNormSummary: Codable, Equatable, Sendable {
    /// Median ‖g‖ over the epoch's steps (the mean of the middle two for an even count).
    public var median: Double
    /// Largest ‖g‖ of the epoch.
    public var max: Double
    /// Steps whose gradient was scaled down (0 without clipping).
    public var clippedSteps: Int
    /// Steps in the epoch.
    public var steps: Int

    /// The summary of `norms` (not empty); `clipped` steps were scaled down.
    public init(norms: [Double], clipped: Int) {
        precondition(!norms.isEmpty, "an epoch has at least one step")
        let sorted = norms.sorted(), n = sorted.count
        median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        max = sorted[n - 1]
        clippedSteps = clipped
        steps = n
    }
}
