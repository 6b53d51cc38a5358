// Fused message-passing sums over a pair list (hippynn's envsum / sensesum / featsum).

/// The three pair sums of a continuous-filter interaction layer, fused so that the per-pair
/// outer products `[P, ν, F]` are never stored (hippynn's `envsum`, `sensesum` and `featsum`,
/// `hippynn/custom_kernels`). Pairs are directed: pair p runs from centre atom `centers[p]` to
/// neighbour atom `neighbours[p]`. With sensitivities `s` `[P, ν]`, features `z` `[A, F]` and
/// environments `e` `[A, ν, F]` (stored `[A, ν·F]`):
///
///     environment  e[c, ν, f] = Σ_{p: centers[p] = c}    s[p, ν] z[neighbours[p], f]
///     sensitivity  t[p, ν]    = Σ_f e[centers[p], ν, f] z[neighbours[p], f]
///     feature      y[a, f]    = Σ_{p: neighbours[p] = a} Σ_ν s[p, ν] e[centers[p], ν, f]
///
/// Each one's vector–Jacobian product is made of the others (∂environment = (sensitivity,
/// feature), ∂sensitivity = (environment, feature), ∂feature = (environment, sensitivity)),
/// so all three are differentiable to any order: forces by one backward pass and force
/// training by a second, as for any other primitive. Memory is that of the inputs and the
/// output; time is P·ν·F multiply–adds per sum.
public struct PairList: Sendable {
    /// Centre atom of each pair, `[P]`.
    public let centers: [Int]
    /// Neighbour atom of each pair, `[P]`.
    public let neighbours: [Int]
    /// Atoms A (indices are below it).
    public let atomCount: Int

    public init(centers: [Int], neighbours: [Int], atomCount: Int) {
        precondition(centers.count == neighbours.count, "\(centers.count) centres for \(neighbours.count) neighbours")
        precondition(centers.allSatisfy { $0 >= 0 && $0 < atomCount } && neighbours.allSatisfy { $0 >= 0 && $0 < atomCount },
                     "pair index out of range 0..<\(atomCount)")
        self.centers = centers; self.neighbours = neighbours; self.atomCount = atomCount
    }

    public var pairCount: Int { centers.count }

    /// `e` `[A, ν·F]` from `s` `[P, ν]` and `z` `[A, F]`.
    public func environment<S>(_ s: Tensor<S>, _ z: Tensor<S>) -> Tensor<S> {
        precondition(s.rank == 2 && s.shape[0] == pairCount && z.rank == 2 && z.shape[0] == atomCount,
                     "environment: s \(s.shape), z \(z.shape) for \(pairCount) pairs of \(atomCount) atoms")
        let nu = s.shape[1], f = z.shape[1]
        return Tensor.custom("pairEnvironment", inputs: [s, z], forward: { x in
            Self.run([atomCount, nu * f], x[0], x[1]) { PairKernels.environment($0, $1, $2, self, nu: nu, f: f) }
        }, vjp: { g, x, _, needs in
            [needs[0] ? sensitivity(g, x[1]) : nil, needs[1] ? feature(g, x[0]) : nil]
        })
    }

    /// `t` `[P, ν]` from `e` `[A, ν·F]` and `z` `[A, F]`.
    public func sensitivity<S>(_ e: Tensor<S>, _ z: Tensor<S>) -> Tensor<S> {
        let (nu, f) = split(e, by: z, rows: atomCount, partnerIsFeature: true, "sensitivity")
        return Tensor.custom("pairSensitivity", inputs: [e, z], forward: { x in
            Self.run([pairCount, nu], x[0], x[1]) { PairKernels.sensitivity($0, $1, $2, self, nu: nu, f: f) }
        }, vjp: { g, x, _, needs in
            [needs[0] ? environment(g, x[1]) : nil, needs[1] ? feature(x[0], g) : nil]
        })
    }

    /// `y` `[A, F]` from `e` `[A, ν·F]` and `s` `[P, ν]`.
    public func feature<S>(_ e: Tensor<S>, _ s: Tensor<S>) -> Tensor<S> {
        let (nu, f) = split(e, by: s, rows: pairCount, partnerIsFeature: false, "feature")
        return Tensor.custom("pairFeature", inputs: [e, s], forward: { x in
            Self.run([atomCount, f], x[0], x[1]) { PairKernels.feature($0, $1, $2, self, nu: nu, f: f) }
        }, vjp: { g, x, _, needs in
            [needs[0] ? environment(x[1], g) : nil, needs[1] ? sensitivity(x[0], g) : nil]
        })
    }

    /// (ν, F) of an environment `e` `[A, ν·F]` whose partner `x` (`rows` rows) has F columns
    /// (`partnerIsFeature`) or ν; a precondition failure names `op` and the shapes otherwise.
    private func split<S>(_ e: Tensor<S>, by x: Tensor<S>, rows: Int, partnerIsFeature: Bool, _ op: String) -> (Int, Int) {
        precondition(e.rank == 2 && e.shape[0] == atomCount && x.rank == 2 && x.shape[0] == rows
                     && x.shape[1] > 0 && e.shape[1] % x.shape[1] == 0,
                     "\(op): e \(e.shape), partner \(x.shape) for \(pairCount) pairs of \(atomCount) atoms")
        let other = e.shape[1] / x.shape[1]
        return partnerIsFeature ? (other, x.shape[1]) : (x.shape[1], other)
    }

    /// A new tensor of `shape` that `kernel(a, b, out)` fills.
    private static func run<S>(_ shape: [Int], _ a: Tensor<S>, _ b: Tensor<S>,
                               _ kernel: (UnsafePointer<S>, UnsafePointer<S>, UnsafeMutablePointer<S>) -> Void) -> Tensor<S> {
        let out: TensorStorage<S> = a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                makeStorage(shape.reduce(1, *)) { kernel(pa.baseAddress!, pb.baseAddress!, $0) }
            }
        }
        return Tensor(shape: shape, storage: out, requiresGrad: false, primitive: nil, inputs: [])
    }
}

/// The loops of ``PairList``, specialised for Float and Double.
enum PairKernels {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func environment<S: TensorScalar>(_ s: UnsafePointer<S>, _ z: UnsafePointer<S>, _ out: UnsafeMutablePointer<S>,
                                             _ pairs: PairList, nu: Int, f: Int) {
        out.initialize(repeating: 0, count: pairs.atomCount * nu * f)
        for p in 0..<pairs.pairCount {
            let zj = z + pairs.neighbours[p] * f, ec = out + pairs.centers[p] * nu * f
            for v in 0..<nu {
                let a = s[p * nu + v]
                if a == 0 { continue }
                axpy(a, zj, ec + v * f, f)
            }
        }
    }

    @_specialize(where S == Float) @_specialize(where S == Double)
    static func sensitivity<S: TensorScalar>(_ e: UnsafePointer<S>, _ z: UnsafePointer<S>, _ out: UnsafeMutablePointer<S>,
                                             _ pairs: PairList, nu: Int, f: Int) {
        for p in 0..<pairs.pairCount {
            let zj = z + pairs.neighbours[p] * f, ec = e + pairs.centers[p] * nu * f
            for v in 0..<nu {
                out[p * nu + v] = dot(ec + v * f, zj, f)
            }
        }
    }

    @_specialize(where S == Float) @_specialize(where S == Double)
    static func feature<S: TensorScalar>(_ e: UnsafePointer<S>, _ s: UnsafePointer<S>, _ out: UnsafeMutablePointer<S>,
                                         _ pairs: PairList, nu: Int, f: Int) {
        out.initialize(repeating: 0, count: pairs.atomCount * f)
        for p in 0..<pairs.pairCount {
            let yj = out + pairs.neighbours[p] * f, ec = e + pairs.centers[p] * nu * f
            for v in 0..<nu {
                let a = s[p * nu + v]
                if a == 0 { continue }
                axpy(a, ec + v * f, yj, f)
            }
        }
    }

    /// y[k] += a · x[k] for k < n; Float by eight lanes, each doing the scalar loop's multiply
    /// and add (so the result is bitwise the scalar loop's: a store through `y` could alias `x`
    /// as far as the compiler knows, which kept it from vectorising the plain loop).
    @inline(__always)
    static func axpy<S: TensorScalar>(_ a: S, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) {
        if S.self == Float.self { return axpyFloat(unsafeBitCast(a, to: Float.self), asFloat(x), asFloat(y), n) }
        for k in 0..<n { y[k] += a * x[k] }
    }

    @inline(__always)
    static func axpyFloat(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let av = SIMD8<Float>(repeating: a)
        var k = 0
        while k + 8 <= n {
            store8(y + k, load8(y + k) + av * load8(x + k))
            k += 8
        }
        while k < n { y[k] += a * x[k]; k += 1 }
    }

    /// Σ_k a[k] b[k]. Floating-point sums are not reassociated by the compiler, so the loop
    /// keeps eight partial sums itself (one SIMD register for Float) to be vectorised.
    @inline(__always)
    static func dot<S: TensorScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ n: Int) -> S {
        if S.self == Float.self { return unsafeBitCast(dotFloat(asFloat(a), asFloat(b), n), to: S.self) }
        var partial = (S(0), S(0), S(0), S(0)), k = 0
        while k + 4 <= n {
            partial.0 += a[k] * b[k]; partial.1 += a[k + 1] * b[k + 1]
            partial.2 += a[k + 2] * b[k + 2]; partial.3 += a[k + 3] * b[k + 3]
            k += 4
        }
        var sum = (partial.0 + partial.1) + (partial.2 + partial.3)
        while k < n { sum += a[k] * b[k]; k += 1 }
        return sum
    }

    static func dotFloat(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(), k = 0
        while k + 8 <= n {
            acc += UnsafeRawPointer(a + k).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + k).loadUnaligned(as: SIMD8<Float>.self)
            k += 8
        }
        var sum = acc.sum()
        while k < n { sum += a[k] * b[k]; k += 1 }
        return sum
    }
}
