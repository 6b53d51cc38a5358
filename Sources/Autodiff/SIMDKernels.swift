// Explicitly vectorised Float32 kernels (SIMD8). `Kernels` routes Float work here; Double (used
// for checks) takes the plain loops.

typealias F8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
@inline(__always) func store8(_ p: UnsafeMutablePointer<Float>, _ v: F8) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

/// Four `Double` lanes read from `p` (unaligned), for the Float64 lane loops of other modules
/// (the AEV kernel, the optimizers). Public and inlinable so those loops inline it.
@inlinable @inline(__always)
public func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self) }
/// Four `Double` lanes written to `p` (unaligned).
@inlinable @inline(__always)
public func store4(_ p: UnsafeMutablePointer<Double>, _ v: SIMD4<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self) }

enum FloatKernels {
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
                    _ v: (F8) -> F8, _ s: (Float) -> Float) {
        var i = 0
        while i + 8 <= n { store8(y + i, v(load8(x + i))); i += 8 }
        while i < n { y[i] = s(x[i]); i += 1 }
    }

    @inline(__always)
    static func map2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
                     _ v: (F8, F8) -> F8, _ s: (Float, Float) -> Float) {
        var i = 0
        while i + 8 <= n { store8(y + i, v(load8(a + i), load8(b + i))); i += 8 }
        while i < n { y[i] = s(a[i], b[i]); i += 1 }
    }

    /// Returns false for kernels without a vector version (the caller then runs the plain loop).
    static func unary(_ k: UnaryKernel<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) -> Bool {
        switch k {
        case .neg: map(x, y, n, { -$0 }, { -$0 })
        case .sqrt: map(x, y, n, { $0.squareRoot() }, { $0.squareRoot() })
        case .addScalar(let c): map(x, y, n, { $0 + c }, { $0 + c })
        case .scale(let c): map(x, y, n, { $0 * c }, { $0 * c })
        case .sigmoid: map(x, y, n, { 1 / (1 + simdExp(-$0)) }, { 1 / (1 + Float.mExp(-$0)) })
        case .silu: map(x, y, n, { $0 / (1 + simdExp(-$0)) }, { $0 / (1 + Float.mExp(-$0)) })
        case .celu(let a):
            let r = 1 / a
            map(x, y, n, { v in
                ((simdExp(v.replacing(with: 0, where: v .> 0) * r) - 1) * a).replacing(with: v, where: v .> 0)
            }, { v in v > 0 ? v : a * (Float.mExp(v * r) - 1) })
        case .celuPrime(let a):
            let r = 1 / a
            map(x, y, n, { v in
                simdExp(v.replacing(with: 0, where: v .> 0) * r).replacing(with: 1, where: v .> 0)
            }, { v in v > 0 ? 1 : Float.mExp(v * r) })
        case .clamp(let lo, let hi):
            map(x, y, n, { $0.replacing(with: lo, where: $0 .< lo).replacing(with: hi, where: $0 .> hi) }, { min(max($0, lo), hi) })
        case .inRange(let lo, let hi):
            map(x, y, n, { F8(repeating: 0).replacing(with: 1, where: ($0 .>= lo) .& ($0 .<= hi)) }, { ($0 >= lo && $0 <= hi) ? 1 : 0 })
        case .positive:
            map(x, y, n, { F8(repeating: 0).replacing(with: 1, where: $0 .> 0) }, { $0 > 0 ? 1 : 0 })
        default: return false
        }
        return true
    }

    @inline(__always)
    static func binaryRow(_ k: BinaryKernel, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch k {
        case .add: map2(a, b, y, n, { $0 + $1 }, { $0 + $1 })
        case .sub: map2(a, b, y, n, { $0 - $1 }, { $0 - $1 })
        case .mul: map2(a, b, y, n, { $0 * $1 }, { $0 * $1 })
        case .div: map2(a, b, y, n, { $0 / $1 }, { $0 / $1 })
        }
    }

    /// Row op with a scalar right (`bScalar`) or left operand.
    @inline(__always)
    static func binaryScalar(_ k: BinaryKernel, _ x: UnsafePointer<Float>, _ c: Float, scalarOnLeft: Bool, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch (k, scalarOnLeft) {
        case (.add, _): map(x, y, n, { $0 + c }, { $0 + c })
        case (.mul, _): map(x, y, n, { $0 * c }, { $0 * c })
        case (.sub, false): map(x, y, n, { $0 - c }, { $0 - c })
        case (.sub, true): map(x, y, n, { c - $0 }, { c - $0 })
        case (.div, false): map(x, y, n, { $0 / c }, { $0 / c })
        case (.div, true): map(x, y, n, { c / $0 }, { c / $0 })
        }
    }

    /// Broadcasting binary op; false if the layout has no vector path.
    static func binary(_ k: BinaryKernel, _ a: UnsafePointer<Float>, _ aShape: [Int], _ b: UnsafePointer<Float>, _ bShape: [Int],
                       _ out: UnsafeMutablePointer<Float>, _ shape: [Int]) -> Bool {
        let n = shape.reduce(1, *)
        if aShape == bShape { binaryRow(k, a, b, out, n); return true }
        if bShape.reduce(1, *) == 1 { binaryScalar(k, a, b[0], scalarOnLeft: false, out, n); return true }
        if aShape.reduce(1, *) == 1 { binaryScalar(k, b, a[0], scalarOnLeft: true, out, n); return true }
        let sa = Kernels.broadcastStrides(aShape, to: shape), sb = Kernels.broadcastStrides(bShape, to: shape)
        let inner = shape.last!, ia = sa.last!, ib = sb.last!
        Kernels.forEachRow(shape, sa, sb) { o, ao, bo in
            switch (ia, ib) {
            case (1, 1): binaryRow(k, a + ao, b + bo, out + o, inner)
            case (1, 0): binaryScalar(k, a + ao, b[bo], scalarOnLeft: false, out + o, inner)
            case (0, 1): binaryScalar(k, b + bo, a[ao], scalarOnLeft: true, out + o, inner)
            default: binaryScalar(k, a + ao, b[bo], scalarOnLeft: false, out + o, 1) // both constant along the row
                for j in 1..<max(inner, 1) { out[o + j] = out[o] }
            }
        }
        return true
    }

    /// `Σ_i x[i]` with eight partial sums.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = F8(repeating: 0), i = 0
        while i + 8 <= n { acc += load8(x + i); i += 8 }
        var s = acc.sum()
        while i < n { s += x[i]; i += 1 }
        return s
    }

    /// `y[i] += x[i]`.
    @inline(__always)
    static func accumulate(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n { store8(y + i, load8(y + i) + load8(x + i)); i += 8 }
        while i < n { y[i] += x[i]; i += 1 }
    }
}
