#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CBLAS

/// A floating-point scalar type that tensors can store: `Float` (the training default) or
/// `Double` (for finite-difference checks). The requirements dispatch to concrete,
/// non-generic kernels: `cblas_sgemm`/`cblas_dgemm` and libm / SIMD math.
public protocol TensorScalar: BinaryFloatingPoint, Sendable, CustomStringConvertible {
    /// Row-major GEMM `C = alpha * op(A) * op(B) + beta * C` with `op(A)` of shape `[m, k]`,
    /// `op(B)` of shape `[k, n]`; `transA`/`transB` select `op(X) = Xᵀ`.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// `y[i] = exp(x[i])` for `i < n`; `x` and `y` may alias. Vectorised for `Float`.
    static func vectorExp(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ n: Int)
    /// Scalar `exp(x)`.
    static func mExp(_ x: Self) -> Self
    /// Scalar natural logarithm.
    static func mLog(_ x: Self) -> Self
    /// Scalar `log(1 + x)`.
    static func mLog1p(_ x: Self) -> Self
    /// Scalar `x^p`.
    static func mPow(_ x: Self, _ p: Self) -> Self
    /// Scalar sine.
    static func mSin(_ x: Self) -> Self
    /// Scalar cosine.
    static func mCos(_ x: Self) -> Self
    /// Scalar hyperbolic tangent.
    static func mTanh(_ x: Self) -> Self
    /// `dst[i] = Double(src[i])` (exact for both types), without per-element generic dispatch.
    static func widen(_ src: UnsafeBufferPointer<Self>, into dst: UnsafeMutablePointer<Double>)
    /// `dst[i] = Self(src[i])` (round to nearest for `Float`).
    static func narrow(_ src: UnsafeBufferPointer<Double>, into dst: UnsafeMutablePointer<Self>)
}

extension Float: TensorScalar {
    @inline(__always) public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
            blasint(ldc))
    }
    public static func vectorExp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: simdExp(v), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] = expf(x[i]); i += 1 }
    }
    @inline(__always) public static func mExp(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func mLog(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func mLog1p(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) public static func mPow(_ x: Float, _ p: Float) -> Float { powf(x, p) }
    @inline(__always) public static func mSin(_ x: Float) -> Float { sinf(x) }
    @inline(__always) public static func mCos(_ x: Float) -> Float { cosf(x) }
    @inline(__always) public static func mTanh(_ x: Float) -> Float { tanhf(x) }
    public static func widen(_ src: UnsafeBufferPointer<Float>, into dst: UnsafeMutablePointer<Double>) {
        for i in src.indices { dst[i] = Double(src[i]) }
    }
    public static func narrow(_ src: UnsafeBufferPointer<Double>, into dst: UnsafeMutablePointer<Float>) {
        for i in src.indices { dst[i] = Float(src[i]) }
    }
}

extension Double: TensorScalar {
    @inline(__always) public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
            blasint(ldc))
    }
    public static func vectorExp(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 0..<n { y[i] = exp(x[i]) }
    }
    @inline(__always) public static func mExp(_ x: Double) -> Double { exp(x) }
    @inline(__always) public static func mLog(_ x: Double) -> Double { log(x) }
    @inline(__always) public static func mLog1p(_ x: Double) -> Double { log1p(x) }
    @inline(__always) public static func mPow(_ x: Double, _ p: Double) -> Double { pow(x, p) }
    @inline(__always) public static func mSin(_ x: Double) -> Double { sin(x) }
    @inline(__always) public static func mCos(_ x: Double) -> Double { cos(x) }
    @inline(__always) public static func mTanh(_ x: Double) -> Double { tanh(x) }
    public static func widen(_ src: UnsafeBufferPointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        if let b = src.baseAddress { dst.update(from: b, count: src.count) }
    }
    public static func narrow(_ src: UnsafeBufferPointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        if let b = src.baseAddress { dst.update(from: b, count: src.count) }
    }
}

/// Eight-lane single-precision `exp` (Cephes polynomial, ≈1 ulp on [-87, 88]).
/// Inputs are clamped to [-87.3, 88], so very large arguments saturate at `exp(88)` instead of `inf`.
@inline(__always)
func simdExp(_ input: SIMD8<Float>) -> SIMD8<Float> {
    var x = input.replacing(with: -87.3, where: input .< -87.3)
    x = x.replacing(with: 88.0, where: x .> 88.0)
    // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick (no libm floor call);
    // the integer sits in the low mantissa bits of `t`.
    let magic = SIMD8<Float>(repeating: 12582912.0)
    let t = x * 1.44269504088896341 + magic
    let fx = t - magic
    x = x - fx * 0.693359375 + fx * 2.12194440e-4
    let z = x * x
    var y = SIMD8<Float>(repeating: 1.9875691500e-4)
    y = y * x + 1.3981999507e-3
    y = y * x + 8.3334519073e-3
    y = y * x + 4.1665795894e-2
    y = y * x + 1.6666665459e-1
    y = y * x + 5.0000001201e-1
    y = y * z + x + 1
    let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let scale = unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
    return y * scale
}
