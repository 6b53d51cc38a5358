// Four-lane Double loops for the fused descriptor kernels (AEVFusedKernel).
//
// Each lane performs exactly the operations of the plain scalar loop it replaces, in the same
// order (no reassociation, no fused multiply–add), so results are bitwise those of the scalar
// loops; only the instruction count changes. Lanes are read and written unaligned by Autodiff's
// `load4` / `store4`.

import Autodiff

typealias D4 = SIMD4<Double>

enum DoubleLanes {
    /// y[k] += a · x[k] for k < n.
    @inline(__always)
    static func addScaled(_ a: Double, _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count n: Int) {
        var k = 0
        let av = D4(repeating: a)
        while k + 4 <= n { store4(y + k, load4(y + k) + av * load4(x + k)); k += 4 }
        while k < n { y[k] += a * x[k]; k += 1 }
    }

    /// y[k] += a · x[k] + b · w[k] for k < n (the sum of the two products is added to y).
    @inline(__always)
    static func addScaled(_ a: Double, _ x: UnsafePointer<Double>, _ b: Double, _ w: UnsafePointer<Double>,
                          into y: UnsafeMutablePointer<Double>, count n: Int) {
        var k = 0
        let av = D4(repeating: a), bv = D4(repeating: b)
        while k + 4 <= n { store4(y + k, load4(y + k) + (av * load4(x + k) + bv * load4(w + k))); k += 4 }
        while k < n { y[k] += a * x[k] + b * w[k]; k += 1 }
    }

    /// The rows' dot products with two vectors: for each row x < m of the row-major `[m, n]`
    /// matrix g, h1[x] = Σ_z g[x, z] f[z] and h2[x] = Σ_z g[x, z] e[z], each sum taken in
    /// increasing z (four rows at a time, one per lane).
    @inline(__always)
    static func rowDots(_ g: UnsafePointer<Double>, rows m: Int, columns n: Int,
                        _ f: UnsafePointer<Double>, _ e: UnsafePointer<Double>,
                        into h1: UnsafeMutablePointer<Double>, _ h2: UnsafeMutablePointer<Double>) {
        var x = 0
        while x + 4 <= m {
            var a = D4(repeating: 0), b = D4(repeating: 0)
            let r0 = g + x * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
            for z in 0..<n {
                let gz = D4(r0[z], r1[z], r2[z], r3[z])
                a += gz * D4(repeating: f[z])
                b += gz * D4(repeating: e[z])
            }
            store4(h1 + x, a); store4(h2 + x, b)
            x += 4
        }
        while x < m {
            var a = 0.0, b = 0.0
            let r = g + x * n
            for z in 0..<n { a += r[z] * f[z]; b += r[z] * e[z] }
            h1[x] = a; h2[x] = b
            x += 1
        }
    }
}
