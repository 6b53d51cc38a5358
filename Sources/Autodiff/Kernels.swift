/// Elementwise unary kernels (one pass over contiguous memory).
enum UnaryKernel<S: TensorScalar> {
    case neg, exp, log, sqrt, sin, cos, tanh, sigmoid, softplus, silu
    case pow(S), addScalar(S), scale(S), celu(S), celuPrime(S)
    case clamp(S, S)
    /// 1 where lo <= x <= hi, else 0.
    case inRange(S, S)
    /// 1 where x > 0 else 0.
    case positive
}

enum BinaryKernel { case add, sub, mul, div }

@inline(__always) func asFloat<S>(_ p: UnsafePointer<S>) -> UnsafePointer<Float> { UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
@inline(__always) func asFloat<S>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self) }

/// The loops. Generic, and specialised for Float and Double so no loop runs through witnesses.
enum Kernels {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func unary<S: TensorScalar>(_ k: UnaryKernel<S>, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) {
        if S.self == Float.self, FloatKernels.unary(k as! UnaryKernel<Float>, asFloat(x), asFloat(y), n) { return }
        switch k {
        case .neg: for i in 0..<n { y[i] = -x[i] }
        case .exp: S.vectorExp(x, y, n)
        case .log: for i in 0..<n { y[i] = S.mLog(x[i]) }
        case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
        case .sin: for i in 0..<n { y[i] = S.mSin(x[i]) }
        case .cos: for i in 0..<n { y[i] = S.mCos(x[i]) }
        case .tanh: for i in 0..<n { y[i] = S.mTanh(x[i]) }
        case .sigmoid:
            // 1 / (1 + exp(-x))
            for i in 0..<n { y[i] = -x[i] }
            S.vectorExp(y, y, n)
            for i in 0..<n { y[i] = 1 / (1 + y[i]) }
        case .softplus:
            // max(x, 0) + log1p(exp(-|x|))
            for i in 0..<n { y[i] = -abs(x[i]) }
            S.vectorExp(y, y, n)
            for i in 0..<n { y[i] = max(x[i], 0) + S.mLog1p(y[i]) }
        case .silu:
            for i in 0..<n { y[i] = -x[i] }
            S.vectorExp(y, y, n)
            for i in 0..<n { y[i] = x[i] / (1 + y[i]) }
        case .pow(let p): for i in 0..<n { y[i] = S.mPow(x[i], p) }
        case .addScalar(let c): for i in 0..<n { y[i] = x[i] + c }
        case .scale(let c): for i in 0..<n { y[i] = x[i] * c }
        case .celu(let a):
            // x > 0 ? x : a (exp(x / a) - 1)
            let r = 1 / a
            for i in 0..<n { y[i] = min(x[i], 0) * r }
            S.vectorExp(y, y, n)
            for i in 0..<n { let v = x[i]; y[i] = v > 0 ? v : a * (y[i] - 1) }
        case .celuPrime(let a):
            // x > 0 ? 1 : exp(x / a)
            let r = 1 / a
            for i in 0..<n { y[i] = min(x[i], 0) * r }
            S.vectorExp(y, y, n)
            for i in 0..<n { if x[i] > 0 { y[i] = 1 } }
        case .clamp(let lo, let hi): for i in 0..<n { y[i] = min(max(x[i], lo), hi) }
        case .inRange(let lo, let hi): for i in 0..<n { y[i] = (x[i] >= lo && x[i] <= hi) ? 1 : 0 }
        case .positive: for i in 0..<n { y[i] = x[i] > 0 ? 1 : 0 }
        }
    }

    /// Visits each row (all axes but the last) of `shape`, passing the flat offsets of the row in
    /// the output (contiguous) and in two strided operands.
    @inline(__always)
    static func forEachRow(_ shape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
        let r = shape.count
        if r == 0 { body(0, 0, 0); return }
        let inner = shape[r - 1]
        var rows = 1
        for d in 0..<(r - 1) { rows *= shape[d] }
        if rows == 0 || inner == 0 { return }
        var idx = [Int](repeating: 0, count: r)
        var ao = 0, bo = 0
        for row in 0..<rows {
            body(row * inner, ao, bo)
            var d = r - 2
            while d >= 0 {
                idx[d] += 1; ao += sa[d]; bo += sb[d]
                if idx[d] < shape[d] { break }
                ao -= sa[d] * shape[d]; bo -= sb[d] * shape[d]; idx[d] = 0
                d -= 1
            }
        }
    }

    /// Contiguous strides of `shape` expanded to `rank` (right-aligned), with 0 on broadcast axes
    /// (where `shape` has extent 1 or is missing and `target` has more).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let r = target.count, off = r - shape.count
        var strides = [Int](repeating: 0, count: r)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d + off] = (shape[d] == 1 && target[d + off] != 1) ? 0 : s
            s *= shape[d]
        }
        return strides
    }

    @inline(__always)
    static func binaryLoop<S: TensorScalar>(
        _ a: UnsafePointer<S>, _ aShape: [Int], _ b: UnsafePointer<S>, _ bShape: [Int],
        _ out: UnsafeMutablePointer<S>, _ shape: [Int], _ f: (S, S) -> S
    ) {
        let n = shape.reduce(1, *)
        if aShape == bShape {
            for i in 0..<n { out[i] = f(a[i], b[i]) }
        } else if bShape.reduce(1, *) == 1 {
            let bv = b[0]; for i in 0..<n { out[i] = f(a[i], bv) }
        } else if aShape.reduce(1, *) == 1 {
            let av = a[0]; for i in 0..<n { out[i] = f(av, b[i]) }
        } else {
            let sa = broadcastStrides(aShape, to: shape), sb = broadcastStrides(bShape, to: shape)
            let inner = shape.last!, ia = sa.last!, ib = sb.last!
            forEachRow(shape, sa, sb) { o, ao, bo in
                if ia == 1 && ib == 1 { for j in 0..<inner { out[o + j] = f(a[ao + j], b[bo + j]) } }
                else { for j in 0..<inner { out[o + j] = f(a[ao + j * ia], b[bo + j * ib]) } }
            }
        }
    }

    @_specialize(where S == Float) @_specialize(where S == Double)
    static func binary<S: TensorScalar>(
        _ k: BinaryKernel, _ a: UnsafePointer<S>, _ aShape: [Int], _ b: UnsafePointer<S>, _ bShape: [Int],
        _ out: UnsafeMutablePointer<S>, _ shape: [Int]
    ) {
        if S.self == Float.self, FloatKernels.binary(k, asFloat(a), aShape, asFloat(b), bShape, asFloat(out), shape) { return }
        switch k {
        case .add: binaryLoop(a, aShape, b, bShape, out, shape) { $0 + $1 }
        case .sub: binaryLoop(a, aShape, b, bShape, out, shape) { $0 - $1 }
        case .mul: binaryLoop(a, aShape, b, bShape, out, shape) { $0 * $1 }
        case .div: binaryLoop(a, aShape, b, bShape, out, shape) { $0 / $1 }
        }
    }

    /// `out[target] += x` over all elements: sums `x` of `shape` down to `target` (which
    /// broadcasts to `shape`). `out` must hold `target.reduce(1,*)` elements; it is zeroed here.
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func sumToShape<S: TensorScalar>(_ x: UnsafePointer<S>, _ shape: [Int], _ out: UnsafeMutablePointer<S>, _ target: [Int]) {
        let m = target.reduce(1, *)
        for i in 0..<m { out[i] = 0 }
        let st = broadcastStrides(target, to: shape)
        let sx = broadcastStrides(shape, to: shape)
        guard let inner = shape.last else { out[0] = x[0]; return }
        let it = st.last!
        if S.self == Float.self {
            let xf = asFloat(x), of = asFloat(out)
            forEachRow(shape, sx, st) { o, _, to in
                if it == 0 { of[to] += FloatKernels.sum(xf + o, inner) } else { FloatKernels.accumulate(xf + o, of + to, inner) }
            }
            return
        }
        forEachRow(shape, sx, st) { o, _, to in
            if it == 0 { var acc: S = 0; for j in 0..<inner { acc += x[o + j] }; out[to] += acc }
            else { for j in 0..<inner { out[to + j] += x[o + j] } }
        }
    }

    /// Copies a strided view (`strides` over `shape`) of `x` into contiguous `out`.
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func gatherStrided<S: TensorScalar>(_ x: UnsafePointer<S>, _ strides: [Int], _ out: UnsafeMutablePointer<S>, _ shape: [Int]) {
        guard let inner = shape.last else { out[0] = x[0]; return }
        let si = strides.last!
        forEachRow(shape, strides, strides) { o, xo, _ in
            if si == 1 { for j in 0..<inner { out[o + j] = x[xo + j] } }
            else { for j in 0..<inner { out[o + j] = x[xo + j * si] } }
        }
    }

    /// `out[o, k, i] = x[o, idx[k], i]` for `x` of shape `[outer, dim, inner]`.
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func gather<S: TensorScalar>(_ x: UnsafePointer<S>, outer: Int, dim: Int, inner: Int, _ idx: [Int], _ out: UnsafeMutablePointer<S>) {
        let k = idx.count
        for o in 0..<outer {
            for (j, src) in idx.enumerated() {
                let s = x + (o * dim + src) * inner, d = out + (o * k + j) * inner
                for i in 0..<inner { d[i] = s[i] }
            }
        }
    }

    /// `out[o, idx[k], i] += x[o, k, i]` with `out` of shape `[outer, count, inner]` (zeroed here).
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func scatterAdd<S: TensorScalar>(_ x: UnsafePointer<S>, outer: Int, count: Int, inner: Int, _ idx: [Int], _ out: UnsafeMutablePointer<S>) {
        let k = idx.count
        for i in 0..<(outer * count * inner) { out[i] = 0 }
        for o in 0..<outer {
            for (j, dst) in idx.enumerated() {
                let s = x + (o * k + j) * inner, d = out + (o * count + dst) * inner
                for i in 0..<inner { d[i] += s[i] }
            }
        }
    }
}
