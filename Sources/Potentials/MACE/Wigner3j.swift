/// Real Clebsch–Gordan coefficients ("Wigner 3j" in e3nn's sense) in the real basis of
/// ``SphericalHarmonics``, with e3nn's normalisation and phase (`e3nn.o3.wigner_3j`):
///
/// - C^{l₁l₂l₃} `[2l₁+1, 2l₂+1, 2l₃+1]` is the rotation-invariant tensor,
///   C_{lmn} = Σ C_{ijk} D^{l₁}_{il}(R) D^{l₂}_{jm}(R) D^{l₃}_{kn}(R), of unit Frobenius norm
///   (zero unless |l₁ − l₂| ≤ l₃ ≤ l₁ + l₂). It couples irreps: Σ_{ij} C_{ijk} x_i y_j
///   transforms as degree l₃. Note C for l₁ + l₂ + l₃ odd (e.g. 1 ⊗ 1 → 1, the cross
///   product) is antisymmetric and vanishes on a product of harmonics of one direction.
/// - **Phase (e3nn's rule).** For l₁ ≤ l₂ ≤ l₃ the sign makes the centre element
///   C[l₁, l₂, l₃] (all m = 0) positive, or, where that is zero, the first non-zero element in
///   row-major order. Other orders of the degrees are permutations of the sorted tensor, times
///   (−1)^{l₁+l₂+l₃} for an odd permutation — the symmetry of 3j symbols.
///
/// Computed, not tabulated: the complex Wigner 3j symbol by Racah's formula, changed to the
/// real basis of the Wikipedia table (Condon–Shortley complex harmonics,
/// Y_{l,m>0} = (Y_l^{−m} + (−1)^m Y_l^m)/√2, Y_{l,m<0} = i (Y_l^m − (−1)^m Y_l^{−m})/√2),
/// made real (the result is real or purely imaginary), normalised and given e3nn's sign.
/// e3nn's real basis is that one with axes permuted cyclically (a rotation), which leaves
/// invariant tensors unchanged. `MACEMathTests` checks every l ≤ 7 against `e3nn.o3.wigner_3j`.
public enum Wigner3j {
    /// C^{l₁l₂l₃} flattened row-major, shape `[2l₁+1, 2l₂+1, 2l₃+1]`.
    public static func coefficients(_ l1: Int, _ l2: Int, _ l3: Int) -> [Double] {
        precondition(l1 >= 0 && l2 >= 0 && l3 >= 0 && abs(l1 - l2) <= l3 && l3 <= l1 + l2,
                     "no coupling of degrees \(l1) and \(l2) to \(l3)")
        let ls = [l1, l2, l3]
        let order = [0, 1, 2].sorted { (ls[$0], $0) < (ls[$1], $1) }     // sorted position → original axis
        let sorted = order.map { ls[$0] }
        let base = sortedCoefficients(sorted[0], sorted[1], sorted[2])
        let inversions = (0..<3).reduce(0) { n, i in n + ((i + 1)..<3).filter { order[i] > order[$0] }.count }
        let sign: Double = inversions % 2 == 1 && (l1 + l2 + l3) % 2 == 1 ? -1 : 1
        let dims = ls.map { 2 * $0 + 1 }, sortedDims = sorted.map { 2 * $0 + 1 }
        var out = [Double](repeating: 0, count: dims[0] * dims[1] * dims[2])
        for i in 0..<dims[0] { for j in 0..<dims[1] { for k in 0..<dims[2] {
            let original = [i, j, k]
            let s = order.map { original[$0] }
            out[(i * dims[1] + j) * dims[2] + k] = sign * base[(s[0] * sortedDims[1] + s[1]) * sortedDims[2] + s[2]]
        } } }
        return out
    }

    /// C for l₁ ≤ l₂ ≤ l₃ with e3nn's sign rule.
    static func sortedCoefficients(_ l1: Int, _ l2: Int, _ l3: Int) -> [Double] {
        let d1 = 2 * l1 + 1, d2 = 2 * l2 + 1, d3 = 2 * l3 + 1
        let q1 = realBasis(l1), q2 = realBasis(l2), q3 = realBasis(l3)
        var re = [Double](repeating: 0, count: d1 * d2 * d3), im = re
        // T_real[i,j,k] = Σ conj(q1[i,a]) conj(q2[j,b]) conj(q3[k,c]) (l1 l2 l3; a b c)
        for i in 0..<d1 { for j in 0..<d2 { for k in 0..<d3 {
            var sum = Complex(0, 0)
            for (a, qa) in q1[i] { for (b, qb) in q2[j] { for (c, qc) in q3[k] {
                let w = symbol(l1, l2, l3, a - l1, b - l2, c - l3)
                if w != 0 { sum = sum + (qa.conjugate * qb.conjugate * qc.conjugate).scaled(w) }
            } } }
            re[(i * d2 + j) * d3 + k] = sum.re; im[(i * d2 + j) * d3 + k] = sum.im
        } } }
        var c = re.map(abs).max()! >= im.map(abs).max()! ? re : im
        let norm = c.reduce(0) { $0 + $1 * $1 }.squareRoot()
        c = c.map { abs($0 / norm) < 1e-14 ? 0 : $0 / norm }
        let centre = c[(l1 * d2 + l2) * d3 + l3]
        let lead = centre != 0 ? centre : (c.first { $0 != 0 } ?? 1)
        return lead < 0 ? c.map { -$0 } : c
    }

    /// The complex Wigner 3j symbol (j₁ j₂ j₃; m₁ m₂ m₃) by Racah's formula (integer j).
    static func symbol(_ j1: Int, _ j2: Int, _ j3: Int, _ m1: Int, _ m2: Int, _ m3: Int) -> Double {
        guard m1 + m2 + m3 == 0, abs(j1 - j2) <= j3, j3 <= j1 + j2, abs(m1) <= j1, abs(m2) <= j2, abs(m3) <= j3 else { return 0 }
        func f(_ n: Int) -> Double { factorialRatio(n, 0) }
        let triangle = f(j1 + j2 - j3) * f(j1 - j2 + j3) * f(-j1 + j2 + j3) / f(j1 + j2 + j3 + 1)
        let prefactor = (triangle * f(j1 + m1) * f(j1 - m1) * f(j2 + m2) * f(j2 - m2) * f(j3 + m3) * f(j3 - m3)).squareRoot()
        var sum = 0.0
        for k in 0...(j1 + j2 + j3) {
            let d = [k, j1 + j2 - j3 - k, j1 - m1 - k, j2 + m2 - k, j3 - j2 + m1 + k, j3 - j1 - m2 + k]
            if d.contains(where: { $0 < 0 }) { continue }
            sum += (k % 2 == 0 ? 1 : -1) / d.reduce(1.0) { $0 * f($1) }
        }
        let phase: Double = (j1 - j2 - m3) % 2 == 0 ? 1 : -1
        return phase * prefactor * sum
    }

    /// Rows of the real ← complex change of basis of degree l: row l + m (real m) lists
    /// (l + μ, coefficient) of the complex harmonics Y_l^μ it combines.
    static func realBasis(_ l: Int) -> [[(Int, Complex)]] {
        let r = 1 / 2.0.squareRoot()
        return (-l...l).map { m -> [(Int, Complex)] in
            let parity: Double = m % 2 == 0 ? 1 : -1
            if m < 0 { return [(l + m, Complex(0, r)), (l - m, Complex(0, -parity * r))] }
            if m == 0 { return [(l, Complex(1, 0))] }
            return [(l - m, Complex(r, 0)), (l + m, Complex(parity * r, 0))]
        }
    }
}

/// A minimal complex number for the change of basis.
struct Complex {
    var re: Double, im: Double
    init(_ re: Double, _ im: Double) { self.re = re; self.im = im }
    var conjugate: Complex { Complex(re, -im) }
    func scaled(_ s: Double) -> Complex { Complex(re * s, im * s) }
    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func * (a: Complex, b: Complex) -> Complex { Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) }
}
