import Testing
import Autodiff

/// The fused pair sums against their composite definitions (gather, outer product,
/// scatter-add), and their first and second derivatives against finite differences.
@Suite struct PairSumTests {
    // 4 atoms, 7 directed pairs (repeats and an atom that is nobody's centre included).
    static let pairs = PairList(centers: [0, 0, 1, 1, 2, 2, 0], neighbours: [1, 2, 0, 3, 0, 3, 3], atomCount: 4)
    static let nu = 3, f = 5

    static func compositeEnvironment(_ s: T, _ z: T) -> T {
        let p = pairs.pairCount
        return (s.reshaped([p, nu, 1]) * z.gather(indices: pairs.neighbours).reshaped([p, 1, f]))
            .reshaped([p, nu * f]).scatterAdd(indices: pairs.centers, into: pairs.atomCount)
    }
    static func compositeSensitivity(_ e: T, _ z: T) -> T {
        let p = pairs.pairCount
        return (e.gather(indices: pairs.centers).reshaped([p, nu, f]) * z.gather(indices: pairs.neighbours).reshaped([p, 1, f]))
            .sum(alongAxes: [2], keepingDims: false)
    }
    static func compositeFeature(_ e: T, _ s: T) -> T {
        let p = pairs.pairCount
        return (e.gather(indices: pairs.centers).reshaped([p, nu, f]) * s.reshaped([p, nu, 1]))
            .sum(alongAxes: [1], keepingDims: false).scatterAdd(indices: pairs.neighbours, into: pairs.atomCount)
    }

    let s = randomTensor([7, 3], seed: 1), z = randomTensor([4, 5], seed: 2), e = randomTensor([4, 15], seed: 3)

    @Test func fusedSumsMatchTheirDefinitions() {
        for (fused, composite) in [(Self.pairs.environment(s, z), Self.compositeEnvironment(s, z)),
                                   (Self.pairs.sensitivity(e, z), Self.compositeSensitivity(e, z)),
                                   (Self.pairs.feature(e, s), Self.compositeFeature(e, s))] {
            #expect(fused.shape == composite.shape)
            #expect(zip(fused.scalars, composite.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        }
    }

    /// A scalar that uses every sum, nonlinearly, so first and second derivatives reach all three.
    static func mixed(_ x: [T]) -> T {
        let (s, z) = (x[0], x[1])
        let env = pairs.environment(s, z).tanh()
        let t = pairs.sensitivity(env, z.sin())
        let y = pairs.feature(env, (t * s).exp())
        return (y * y).sum() + (t * t).sum()
    }

    @Test func gradientsMatchFiniteDifferences() {
        #expect(checkGradient(of: Self.mixed, at: [s, z]) < 1e-6)
    }

    @Test func hessianVectorProductsMatchFiniteDifferences() {
        let v = [randomTensor([7, 3], seed: 4), randomTensor([4, 5], seed: 5)]
        #expect(checkHessianVectorProduct(of: Self.mixed, at: [s, z], direction: v) < 1e-5)
    }

    /// The Float environment and feature sums (eight lanes and a tail: F = 13) are bitwise the
    /// plain scalar loops y[k] += a · x[k] in pair order.
    @Test func floatEnvironmentAndFeatureAreBitwiseTheScalarLoops() {
        let pairs = Self.pairs, nu = 3, f = 13, atoms = pairs.atomCount
        let s = randomTensor([7, nu], seed: 8).scalars.map(Float.init)
        let z = randomTensor([atoms, f], seed: 9).scalars.map(Float.init)
        let e = randomTensor([atoms, nu * f], seed: 10).scalars.map(Float.init)
        var environment = [Float](repeating: 0, count: atoms * nu * f), feature = [Float](repeating: 0, count: atoms * f)
        for p in 0..<pairs.pairCount {
            let c = pairs.centers[p], j = pairs.neighbours[p]
            for v in 0..<nu where s[p * nu + v] != 0 {
                let a = s[p * nu + v]
                for k in 0..<f {
                    environment[(c * nu + v) * f + k] += a * z[j * f + k]
                    feature[j * f + k] += a * e[(c * nu + v) * f + k]
                }
            }
        }
        let st = Tensor<Float>(shape: [7, nu], scalars: s), zt = Tensor<Float>(shape: [atoms, f], scalars: z)
        let et = Tensor<Float>(shape: [atoms, nu * f], scalars: e)
        #expect(pairs.environment(st, zt).scalars.map(\.bitPattern) == environment.map(\.bitPattern))
        #expect(pairs.feature(et, st).scalars.map(\.bitPattern) == feature.map(\.bitPattern))
    }

    /// The Float kernels (SIMD dot products, with a remainder: F = 13) agree with Double.
    @Test func floatKernelsAgreeWithDouble() {
        let list = PairList(centers: [0, 1, 1], neighbours: [1, 0, 1], atomCount: 2)
        let e = randomTensor([2, 2 * 13], seed: 6), z = randomTensor([2, 13], seed: 7)
        let t = list.sensitivity(e, z).scalars
        let tf = list.sensitivity(Tensor<Float>(shape: e.shape, scalars: e.scalars.map(Float.init)),
                                  Tensor<Float>(shape: z.shape, scalars: z.scalars.map(Float.init))).scalars
        #expect(t.count == 6 && zip(t, tf).allSatisfy { abs($0 - Double($1)) < 1e-5 })
    }
}
