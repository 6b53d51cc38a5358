import Autodiff

/// Real spherical harmonics Y_l (l = 0 … `lmax`) of directions, in e3nn's convention
/// (`e3nn.o3.SphericalHarmonics(…, normalize=True, normalization="component")`, what
/// mace-torch evaluates on every edge):
///
/// - **Axes.** e3nn's polar axis is y: Y(x, y, z) equals the standard real harmonics of the
///   table on Wikipedia evaluated at (x′, y′, z′) = (z, x, y). So Y₁ = √3 (x, y, z).
/// - **Real form.** For the standard polar angle θ (from z′) and azimuth φ (in the x′y′ plane),
///   with associated Legendre functions P_l^m *without* the Condon–Shortley phase,
///
///       Y_{l,m} = √(2l+1) · √((2 − δ_{m0}) (l−|m|)!/(l+|m|)!) · P_l^{|m|}(cos θ) · { cos(mφ)    m ≥ 0
///                                                                              { sin(|m|φ)  m < 0
///
///   ("component" normalisation: Σ_m Y_{l,m}² = 2l + 1 on the unit sphere).
/// - **Order.** Index l² + l + m for m = −l … l, all degrees concatenated: `[P, (lmax+1)²]`.
///
/// The harmonics are built here as polynomials (exact rational arithmetic on the Legendre
/// coefficients, P_l^m(cos θ) cos(mφ) = (d^m P_l/dz′^m) Re (x′ + i y′)^m on the sphere), not
/// copied from a table, and evaluated as one matmul of the monomials x^a y^b z^c of the unit
/// vector with a coefficient matrix; `Tests/PotentialsTests/MACEMathTests.swift` checks them
/// against e3nn's values.
public struct SphericalHarmonics: Sendable {
    /// Highest degree.
    public let lmax: Int
    /// Exponents (a, b, c) of the monomials x^a y^b z^c, a + b + c ≤ lmax.
    let monomials: [[Int]]
    /// Coefficients `[monomials.count, (lmax+1)²]`, row-major.
    let coefficients: [Double]

    public init(lmax: Int) {
        precondition(lmax >= 0 && lmax <= 8, "spherical harmonics are built for 0 ≤ lmax ≤ 8, got \(lmax)")
        self.lmax = lmax
        var monomials: [[Int]] = []
        for d in 0...lmax { for a in stride(from: d, through: 0, by: -1) { for b in stride(from: d - a, through: 0, by: -1) {
            monomials.append([a, b, d - a - b])
        } } }
        self.monomials = monomials
        let width = (lmax + 1) * (lmax + 1)
        var coefficients = [Double](repeating: 0, count: monomials.count * width)
        for l in 0...lmax {
            for m in -l...l {
                for (exponents, c) in Self.polynomial(l: l, m: m) {
                    let row = monomials.firstIndex(of: exponents)!
                    coefficients[row * width + l * l + l + m] += c
                }
            }
        }
        self.coefficients = coefficients
    }

    /// Number of components, (lmax + 1)².
    public var count: Int { (lmax + 1) * (lmax + 1) }

    /// Y_{l,m} as a polynomial in e3nn's (x, y, z): exponents → coefficient.
    static func polynomial(l: Int, m: Int) -> [[Int]: Double] {
        let am = abs(m)
        let norm = (Double(2 * l + 1) * Double(m == 0 ? 1 : 2) * factorialRatio(l - am, l + am)).squareRoot()
        // Legendre P_l(t) = 2^{-l} Σ_k (−1)^k C(l,k) C(2l−2k, l) t^{l−2k}, differentiated |m| times.
        var legendre = [Double](repeating: 0, count: l + 1)
        for k in 0...(l / 2) {
            legendre[l - 2 * k] = Double(k % 2 == 0 ? 1 : -1) * binomial(l, k) * binomial(2 * l - 2 * k, l) / Double(1 << l)
        }
        for _ in 0..<am { legendre = legendre.count > 1 ? (1..<legendre.count).map { Double($0) * legendre[$0] } : [0] }
        var poly: [[Int]: Double] = [:]
        // (x′ + i y′)^|m| = Σ_j C(|m|, j) x′^{|m|−j} i^j y′^j: real part (even j) for m ≥ 0, imaginary (odd j) for m < 0.
        for j in 0...am where (m >= 0) == (j % 2 == 0) {
            let sign = Double((j / 2) % 2 == 0 ? 1 : -1)
            for (r, c) in legendre.enumerated() where c != 0 {
                // x′^{|m|−j} y′^j z′^r with x′ = z, y′ = x, z′ = y.
                poly[[j, r, am - j], default: 0] += norm * binomial(am, j) * sign * c
            }
        }
        return poly
    }

    /// The harmonics of the direction of `v` (need not be unit length), `(lmax+1)²` values.
    public func values(_ v: SIMD3<Double>) -> [Double] {
        let u = v / (v * v).sum().squareRoot()
        let width = count
        var out = [Double](repeating: 0, count: width)
        for (row, e) in monomials.enumerated() {
            let x = pow(u.x, e[0]) * pow(u.y, e[1]) * pow(u.z, e[2])
            for k in 0..<width { out[k] += x * coefficients[row * width + k] }
        }
        return out
    }

    /// The harmonics of the directions of `vectors` `[P, 3]` (rows need not be unit length;
    /// zero rows give finite values), `[P, (lmax+1)²]`; differentiable to any order.
    public func callAsFunction<S: TensorScalar>(_ vectors: Tensor<S>) -> Tensor<S> {
        precondition(vectors.rank == 2 && vectors.shape[1] == 3, "spherical harmonics need vectors [P, 3], got \(vectors.shape)")
        let p = vectors.shape[0]
        let length = (vectors * vectors).sum(alongAxes: [1], keepingDims: true).safeSqrt(S(1e-24))
        let u = vectors / length
        // Columns by products with constant selectors (a slice's adjoint, padding, is slower).
        let axes = (0..<3).map { k in matmul(u, Tensor<S>(shape: [3, 1], scalars: (0..<3).map { $0 == k ? 1 : 0 })) }
        // powers[k][n] = u_k^n, n = 0 … lmax ([P, 1] each; nil for n = 0, the constant 1).
        var powers: [[Tensor<S>?]] = []
        for k in 0..<3 {
            var row: [Tensor<S>?] = [nil]
            if lmax >= 1 { row.append(axes[k]) }
            if lmax >= 2 { for n in 2...lmax { row.append(row[n - 1]! * axes[k]) } }
            powers.append(row)
        }
        let columns = monomials.map { e -> Tensor<S> in
            let factors = (0..<3).compactMap { powers[$0][e[$0]] }
            return factors.dropFirst().reduce(factors.first ?? Tensor<S>.ones(shape: [p, 1]), *)
        }
        let basis = Tensor.concatenate(columns, alongAxis: 1)
        return matmul(basis, Tensor(shape: [monomials.count, count], scalars: coefficients.map { S($0) }))
    }
}

/// C(n, k) as a Double (exact for the small arguments used here).
func binomial(_ n: Int, _ k: Int) -> Double {
    guard k >= 0 && k <= n else { return 0 }
    var r = 1.0
    for i in 0..<k { r = r * Double(n - i) / Double(i + 1) }
    return r.rounded()
}

/// a! / b! for 0 ≤ a, b.
func factorialRatio(_ a: Int, _ b: Int) -> Double {
    var r = 1.0
    if a >= b { for i in stride(from: b + 1, through: a, by: 1) { r *= Double(i) } }
    else { for i in stride(from: a + 1, through: b, by: 1) { r /= Double(i) } }
    return r
}

private func pow(_ x: Double, _ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * x } }
