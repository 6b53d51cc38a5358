import Foundation

/// Spectra and smooth fits of scan curves sampled on a uniform grid.
///
/// Periodic curves (full torsions) use the discrete Fourier series over the period:
/// harmonic m has m periods per 360°. Open curves are first detrended by the straight line
/// through their end points, which makes them vanish at both ends, and are expanded in the
/// discrete sine series (DST-I): harmonic m has m half-periods over the scan range.
public enum Spectral {
    /// One-sided power of harmonics 1 … ⌊n/2⌋ of a periodic sequence, P_m = w_m |c_m|² with
    /// c_m = Σ_k y_k e^{−2πimk/n} and w_m = 2 (or 1 for m = n/2, which has no partner).
    public static func periodicPower(_ y: [Double]) -> [Double] {
        let n = y.count
        guard n >= 2 else { return [] }
        return (1...(n / 2)).map { m in
            var re = 0.0, im = 0.0
            for (k, v) in y.enumerated() {
                let phase = 2 * Double.pi * Double(m * k % n) / Double(n)
                re += v * cos(phase)
                im -= v * sin(phase)
            }
            return (2 * m == n ? 1 : 2) * (re * re + im * im)
        }
    }

    /// Power b_m² of harmonics 1 … n−2 of an open sequence after removing the line through
    /// its ends: b_m = Σ_{k=1}^{n−2} d_k sin(π m k / (n−1)).
    public static func openPower(_ y: [Double]) -> [Double] {
        let n = y.count
        guard n >= 3 else { return [] }
        let d = detrended(y)
        return (1...(n - 2)).map { m in
            var b = 0.0
            for k in 1..<(n - 1) { b += d[k] * sin(Double.pi * Double(m * k % (2 * (n - 1))) / Double(n - 1)) }
            return b * b
        }
    }

    /// y minus the straight line through (0, y₀) and (n−1, y_{n−1}).
    public static func detrended(_ y: [Double]) -> [Double] {
        let n = y.count
        guard n >= 2, let first = y.first, let last = y.last else { return y }
        return y.enumerated().map { k, v in v - first - (last - first) * Double(k) / Double(n - 1) }
    }

    /// The share of power in harmonics above `cutoff`: Σ_{m>cutoff} P_m / Σ_{m≥1} P_m, in
    /// [0, 1]; 0 for a constant curve.
    public static func highFrequencyShare(_ y: [Double], periodic: Bool, cutoff: Int) -> Double {
        let power = periodic ? periodicPower(y) : openPower(y)
        let total = power.reduce(0, +)
        guard total > 0 else { return 0 }
        return power.dropFirst(cutoff).reduce(0, +) / total
    }

    /// The least-squares Fourier series of a periodic sequence with harmonics 0 … `order`
    /// (the truncated DFT), evaluated on the grid.
    public static func fourierFit(_ y: [Double], order: Int) -> [Double] {
        let n = y.count
        guard n >= 1 else { return y }
        let mean = y.reduce(0, +) / Double(n)
        var fit = [Double](repeating: mean, count: n)
        guard order >= 1, n >= 2 else { return fit }
        for m in 1...min(order, n / 2) {
            var a = 0.0, b = 0.0
            for (k, v) in y.enumerated() {
                let phase = 2 * Double.pi * Double(m * k % n) / Double(n)
                a += v * cos(phase)
                b += v * sin(phase)
            }
            let scale = (2 * m == n ? 1.0 : 2.0) / Double(n)
            for k in 0..<n {
                let phase = 2 * Double.pi * Double(m * k % n) / Double(n)
                fit[k] += scale * (a * cos(phase) + b * sin(phase))
            }
        }
        return fit
    }

    /// The Whittaker–Henderson smoother of order 2 (the discrete cubic smoothing spline,
    /// Eilers, Anal. Chem. 2003, doi:10.1021/ac034173t): z minimising
    /// Σ(y − z)² + λ Σ(Δ²z)², i.e. (I + λ DᵀD) z = y with D the second-difference matrix.
    ///
    /// λ is set from `cutoff` so that the filter's gain 1/(1 + λ(2 sin(ω/2))⁴) is ½ at the
    /// frequency ω_c = π·cutoff/(n−1) of sine harmonic `cutoff`: λ = (2 sin(ω_c/2))⁻⁴.
    /// Works in point-index space (the grid is taken as uniform).
    public static func smoothingFit(_ y: [Double], cutoff: Int) -> [Double] {
        let n = y.count
        guard n >= 4 else { return y }
        let omega = min(Double.pi, Double.pi * Double(max(cutoff, 1)) / Double(n - 1))
        let lambda = 1 / pow(2 * sin(omega / 2), 4)
        // Banded A = I + λ DᵀD, half-bandwidth 2: band[i][d] = A[i][i − d].
        var band = [[Double]](repeating: [1, 0, 0], count: n)
        let row = [1.0, -2.0, 1.0]
        for r in 0..<(n - 2) {
            for p in 0..<3 {
                for q in 0...p { band[r + p][p - q] += lambda * row[p] * row[q] }
            }
        }
        return BandedCholesky(band: band).solve(y)
    }

    /// y linearly interpolated from the grid `s` onto `s.count` uniform points spanning it.
    public static func resampledUniformly(_ y: [Double], at s: [Double]) -> [Double] {
        let n = s.count
        guard n >= 2, let s0 = s.first, let s1 = s.last else { return y }
        var j = 0
        return (0..<n).map { k in
            let x = s0 + (s1 - s0) * Double(k) / Double(n - 1)
            while j < n - 2 && s[j + 1] < x { j += 1 }
            let t = (x - s[j]) / (s[j + 1] - s[j])
            return y[j] + (y[j + 1] - y[j]) * min(max(t, 0), 1)
        }
    }
}

/// Cholesky factorisation of a symmetric positive-definite band matrix with half-bandwidth
/// 2, stored as band[i][d] = A[i][i − d], d = 0, 1, 2.
struct BandedCholesky {
    var l: [[Double]]

    init(band: [[Double]]) {
        let n = band.count
        l = [[Double]](repeating: [0, 0, 0], count: n)
        for i in 0..<n {
            for j in max(0, i - 2)...i {
                var sum = band[i][i - j]
                for k in max(0, i - 2)..<j { sum -= l[i][i - k] * l[j][j - k] }
                l[i][i - j] = i == j ? sum.squareRoot() : sum / l[j][0]
            }
        }
    }

    /// x with A x = b.
    func solve(_ b: [Double]) -> [Double] {
        let n = b.count
        var y = b
        for i in 0..<n {
            for k in max(0, i - 2)..<i { y[i] -= l[i][i - k] * y[k] }
            y[i] /= l[i][0]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<min(n, i + 3) { y[i] -= l[k][k - i] * y[k] }
            y[i] /= l[i][0]
        }
        return y
    }
}
