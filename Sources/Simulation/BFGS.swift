/// Quasi-Newton relaxation with a full (not inverse, not limited-memory) Hessian model, as ASE's
/// `ase.optimize.BFGS` does it (same defaults, same step).
///
/// The model Hessian H (3N_free × 3N_free, eV/Å²) starts as `initialCurvature` · I and
/// after each step takes the BFGS update with s = Δx and y = −ΔF:
///
///     H ← H + y yᵀ / (yᵀ s) − (H s)(H s)ᵀ / (sᵀ H s)
///
/// (skipped when every |Δx| < 1e-7 Å). The step is Δx = Σ_k v_k (v_k · F) / |ω_k| over
/// the eigenpairs (ω_k, v_k) of H — the Newton step with negative curvatures flipped —
/// scaled down so that no atom moves more than `maxStep` Å.
///
/// Cost: one symmetric eigendecomposition (cyclic Jacobi, O((3N)³)) per step, fine for
/// molecules of up to a few hundred atoms.
public struct BFGS: GeometryOptimizer {
    /// Largest displacement of any one atom in a step, Å; ASE default 0.2.
    public var maxStep: Double
    /// Initial Hessian H₀ = α I, eV/Å²; ASE default 70.
    public var initialCurvature: Double

    public init(maxStep: Double = 0.2, initialCurvature: Double = 70) {
        self.maxStep = maxStep
        self.initialCurvature = initialCurvature
    }

    public func makeStepper(dimension: Int) -> Stepper { Stepper(options: self, dimension: dimension) }

    /// The model Hessian and the previous coordinates and forces.
    public struct Stepper: OptimizerStepper {
        let options: BFGS
        let n: Int
        /// Row-major n × n, eV/Å².
        var hessian: [Double]
        var previous: (x: [Double], f: [Double])? = nil

        init(options: BFGS, dimension: Int) {
            self.options = options
            n = dimension
            hessian = [Double](repeating: 0, count: dimension * dimension)
            for i in 0..<dimension { hessian[i * dimension + i] = options.initialCurvature }
        }

        mutating func update(_ x: [Double], _ f: [Double]) {
            guard let (x0, f0) = previous else { return }
            let s = zip(x, x0).map { $0 - $1 }
            guard s.contains(where: { abs($0) >= 1e-7 }) else { return }
            let df = zip(f, f0).map { $0 - $1 }
            var hs = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var sum = 0.0
                for j in 0..<n { sum += hessian[i * n + j] * s[j] }
                hs[i] = sum
            }
            let a = _dot(s, df), b = _dot(s, hs)
            guard a != 0, b != 0, a.isFinite, b.isFinite else { return }
            for i in 0..<n {
                for j in 0..<n { hessian[i * n + j] -= df[i] * df[j] / a + hs[i] * hs[j] / b }
            }
        }

        public mutating func nextPositions(_ x: [Double], forces f: [Double], energy: Double) -> [Double] {
            update(x, f)
            let (omega, v) = symmetricEigendecomposition(hessian, dimension: n)
            var dr = [Double](repeating: 0, count: n)
            for k in 0..<n {
                var projection = 0.0
                for i in 0..<n { projection += v[i * n + k] * f[i] }
                let c = projection / max(abs(omega[k]), 1e-12)
                for i in 0..<n { dr[i] += c * v[i * n + k] }
            }
            var longest = 0.0
            for a in stride(from: 0, to: n, by: 3) {
                longest = max(longest, (dr[a] * dr[a] + dr[a + 1] * dr[a + 1] + dr[a + 2] * dr[a + 2]).squareRoot())
            }
            if longest > options.maxStep { dr = dr.map { $0 * options.maxStep / longest } }
            previous = (x, f)
            return zip(x, dr).map { $0 + $1 }
        }
    }
}

/// Eigenvalues and eigenvectors of the symmetric `dimension` × `dimension` row-major
/// matrix `a`, by cyclic Jacobi rotations (Golub & Van Loan §8.5) until the Frobenius
/// norm of the off-diagonal part is below 1e-15 of the matrix's.
///
/// - Returns: the eigenvalues (unsorted) and the eigenvectors as the *columns* of a
///   row-major matrix: component i of eigenvector k is `vectors[i * dimension + k]`.
public func symmetricEigendecomposition(_ a: [Double], dimension n: Int) -> (values: [Double], vectors: [Double]) {
    precondition(a.count == n * n, "matrix of \(a.count) entries is not \(n) × \(n)")
    var m = a
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    let total = m.reduce(0) { $0 + $1 * $1 }
    for _ in 0..<100 {
        var off = 0.0
        for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += m[p * n + q] * m[p * n + q] } }
        if off <= 1e-30 * total || off == 0 { break }
        for p in 0..<n {
            for q in (p + 1)..<max(p + 1, n) {
                let apq = m[p * n + q]
                if apq == 0 { continue }
                let theta = (m[q * n + q] - m[p * n + p]) / (2 * apq)
                let t = abs(theta) > 1e150 ? 1 / (2 * theta)
                    : (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {  // columns p, q: M J
                    let mkp = m[k * n + p], mkq = m[k * n + q]
                    m[k * n + p] = c * mkp - s * mkq
                    m[k * n + q] = s * mkp + c * mkq
                }
                for k in 0..<n {  // rows p, q: Jᵀ (M J)
                    let mpk = m[p * n + k], mqk = m[q * n + k]
                    m[p * n + k] = c * mpk - s * mqk
                    m[q * n + k] = s * mpk + c * mqk
                }
                for k in 0..<n {  // V J
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            }
        }
    }
    return ((0..<n).map { m[$0 * n + $0] }, v)
}
