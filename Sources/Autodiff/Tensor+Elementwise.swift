// Elementwise operations. Every differentiable one records a `Primitive` whose rule lives in
// Gradients.swift.

extension Tensor {
    @inline(__always)
    func applyUnary(_ k: UnaryKernel<Scalar>, record: Bool = true) -> Tensor {
        let n = count
        let out: TensorStorage<Scalar> = storage.withUnsafeBufferPointer { x in
            makeStorage(n) { Kernels.unary(k, x.base, $0, n) }
        }
        return record ? .record(.unary(k), [self], shape: shape, storage: out) : Tensor(shape: shape, storage: out, requiresGrad: false, primitive: nil, inputs: [])
    }

    /// `exp(x)`, same shape.
    public func exp() -> Tensor { applyUnary(.exp) }
    /// Natural logarithm `log(x)`, same shape.
    public func log() -> Tensor { applyUnary(.log) }
    /// `√x`, same shape. Its derivative `1/(2√x)` is infinite at 0: use ``safeSqrt(_:)`` for distances.
    public func sqrt() -> Tensor { applyUnary(.sqrt) }
    /// `x^p` for a constant exponent `p`, same shape.
    public func pow(_ p: Scalar) -> Tensor { applyUnary(.pow(p)) }
    /// `x * x`, same shape.
    public func squared() -> Tensor { self * self }
    /// `sin(x)`, same shape.
    public func sin() -> Tensor { applyUnary(.sin) }
    /// `cos(x)`, same shape.
    public func cos() -> Tensor { applyUnary(.cos) }
    /// `tanh(x)`, same shape.
    public func tanh() -> Tensor { applyUnary(.tanh) }
    /// Logistic sigmoid `σ(x) = 1 / (1 + exp(-x))`, same shape.
    public func sigmoid() -> Tensor { applyUnary(.sigmoid) }
    /// `softplus(x) = log(1 + exp(x))` (computed stably), same shape.
    public func softplus() -> Tensor { applyUnary(.softplus) }
    /// SiLU / swish `x σ(x)`, same shape.
    public func silu() -> Tensor { applyUnary(.silu) }
    /// CELU `max(0, x) + min(0, α (exp(x/α) − 1))`, same shape. Derivative `x > 0 ? 1 : exp(x/α)`.
    public func celu(alpha: Scalar = 1) -> Tensor { applyUnary(.celu(alpha)) }
    /// The CELU derivative `x > 0 ? 1 : exp(x/α)` as a differentiable op (used by CELU's rule).
    public func celuDerivative(alpha: Scalar = 1) -> Tensor { applyUnary(.celuPrime(alpha)) }
    /// `min(max(x, lo), hi)`, same shape; the gradient is passed where `lo ≤ x ≤ hi` and is 0
    /// elsewhere. Use for clamped denominators: `a / b.clamped(min: eps)`.
    public func clamped(min lo: Scalar = -.infinity, max hi: Scalar = .infinity) -> Tensor {
        applyUnary(.clamp(lo, hi))
    }
    /// Numerically safe square root `√max(x, eps)`, same shape. Its derivative is
    /// `x ≥ eps ? 1/(2√x) : 0`, finite everywhere, so distances `safeSqrt(|r|²)` have a finite
    /// (zero) gradient at zero separation. Second derivatives are finite too.
    public func safeSqrt(_ eps: Scalar = 1e-12) -> Tensor { clamped(min: eps).sqrt() }

    /// Constant (non-differentiable) mask: 1 where `lo ≤ x ≤ hi`, else 0.
    public func mask(inRange lo: Scalar, _ hi: Scalar) -> Tensor { applyUnary(.inRange(lo, hi), record: false) }
    /// Constant (non-differentiable) mask: 1 where `x > 0`, else 0.
    public func positiveMask() -> Tensor { applyUnary(.positive, record: false) }

    /// NumPy broadcasting of two shapes (right-aligned; extents equal or 1).
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let r = Swift.max(a.count, b.count)
        return (0..<r).map { i -> Int in
            let x = i < r - a.count ? 1 : a[i - (r - a.count)]
            let y = i < r - b.count ? 1 : b[i - (r - b.count)]
            precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) do not broadcast")
            return x == 1 ? y : x
        }
    }

    @inline(__always)
    static func binary(_ k: BinaryKernel, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = a.shape == b.shape ? a.shape : broadcastShape(a.shape, b.shape)
        let n = shape.reduce(1, *)
        let out: TensorStorage<Scalar> = a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                makeStorage(n) { Kernels.binary(k, pa.base, a.shape, pb.base, b.shape, $0, shape) }
            }
        }
        return record(.binary(k), [a, b], shape: shape, storage: out)
    }

    /// Elementwise sum with broadcasting; result shape `broadcastShape(a.shape, b.shape)`.
    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(.add, a, b) }
    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(.sub, a, b) }
    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(.mul, a, b) }
    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(.div, a, b) }
    /// Negation.
    public static prefix func - (a: Tensor) -> Tensor { a.applyUnary(.neg) }
    /// `a + s` elementwise.
    public static func + (a: Tensor, s: Scalar) -> Tensor { a.applyUnary(.addScalar(s)) }
    /// `s + a` elementwise.
    public static func + (s: Scalar, a: Tensor) -> Tensor { a.applyUnary(.addScalar(s)) }
    /// `a − s` elementwise.
    public static func - (a: Tensor, s: Scalar) -> Tensor { a.applyUnary(.addScalar(-s)) }
    /// `s − a` elementwise.
    public static func - (s: Scalar, a: Tensor) -> Tensor { (-a).applyUnary(.addScalar(s)) }
    /// `a · s` elementwise.
    public static func * (a: Tensor, s: Scalar) -> Tensor { a.applyUnary(.scale(s)) }
    /// `s · a` elementwise.
    public static func * (s: Scalar, a: Tensor) -> Tensor { a.applyUnary(.scale(s)) }
    /// `a / s` elementwise.
    public static func / (a: Tensor, s: Scalar) -> Tensor { a.applyUnary(.scale(1 / s)) }
    /// `s / a` elementwise.
    public static func / (s: Scalar, a: Tensor) -> Tensor { a.pow(-1) * s }
}
