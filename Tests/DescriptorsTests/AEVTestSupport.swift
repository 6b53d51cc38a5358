// Minimal finite-difference helpers (the pattern of AutodiffTests/GradCheck.swift).

import Autodiff
import Chemistry
import Descriptors
import _TestSupport

typealias T = Tensor<Double>

/// Relative error `|a − b| / max(1, |a|, |b|)`.
func relErr(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(1, abs(a), abs(b)) }

/// Deterministic pseudo-random numbers in [−1, 1) (SplitMix64).
func pseudoRandom(_ count: Int, seed: UInt64) -> [Double] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53) * 2 - 1
    }
}

/// Largest relative error between the reverse-mode gradient of the scalar `f` at `x` and
/// central differences.
func checkGradient(of f: (T) -> T, at x: T, eps: Double = 1e-6) -> Double {
    let leaf = x.requiringGrad()
    let g = gradient(of: f(leaf), withRespectTo: [leaf])[0].scalars
    var worst = 0.0
    for i in 0..<x.count {
        var p = x.scalars, m = x.scalars
        p[i] += eps; m[i] -= eps
        let fd = (f(T(shape: x.shape, scalars: p)).item - f(T(shape: x.shape, scalars: m)).item) / (2 * eps)
        worst = max(worst, relErr(g[i], fd))
    }
    return worst
}

/// Largest relative error between the Hessian–vector product `H v` (a createGraph gradient
/// differentiated again) and the central difference of gradients along `v`.
func checkHessianVectorProduct(of f: (T) -> T, at x: T, direction v: [Double], eps: Double = 1e-5) -> Double {
    let leaf = x.requiringGrad()
    let g = gradient(of: f(leaf), withRespectTo: [leaf], createGraph: true)[0]
    let hv = gradient(of: (g * T(shape: x.shape, scalars: v)).sum(), withRespectTo: [leaf])[0].scalars
    func gradAt(_ sign: Double) -> [Double] {
        let y = T(shape: x.shape, scalars: zip(x.scalars, v).map { $0 + sign * eps * $1 }).requiringGrad()
        return gradient(of: f(y), withRespectTo: [y])[0].scalars
    }
    let gp = gradAt(1), gm = gradAt(-1)
    return (0..<x.count).map { relErr(hv[$0], (gp[$0] - gm[$0]) / (2 * eps)) }.max() ?? 0
}

/// The first 3BPA training conformation (27 atoms: H, C, N, O).
func firstThreeBPA() throws -> Conformation {
    try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations[0]
}

/// A distorted 5-atom molecule (C, 3 H, O) for cheap derivative checks.
let smallMolecule: (numbers: [Int], positions: [SIMD3<Double>]) = (
    [6, 1, 1, 1, 8],
    [SIMD3(0.03, 0.006, 0.013), SIMD3(-0.83, 0.39, -0.26), SIMD3(-0.67, -0.84, 0.21),
     SIMD3(0.46, 0.54, 0.81), SIMD3(0.66, -0.17, -0.91)])
