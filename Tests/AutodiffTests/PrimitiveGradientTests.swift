import Testing
import Autodiff

/// Every primitive: gradient vs central differences and Hessian–vector product vs differences of
/// gradients, in Float64.
@Suite struct PrimitiveGradientTests {
    static let x34 = randomTensor([3, 4], seed: 1)
    static let y34 = randomTensor([3, 4], seed: 2)
    static let pos34 = randomTensor([3, 4], in: 0.3...2, seed: 3)

    static let unaryCases: [(String, (T) -> T, T)] = [
        ("neg", { -$0 }, x34),
        ("exp", { $0.exp() }, x34),
        ("log", { $0.log() }, pos34),
        ("sqrt", { $0.sqrt() }, pos34),
        ("pow 3", { $0.pow(3) }, pos34),
        ("pow -1.5", { $0.pow(-1.5) }, pos34),
        ("sin", { $0.sin() }, x34),
        ("cos", { $0.cos() }, x34),
        ("tanh", { $0.tanh() }, x34),
        ("sigmoid", { $0.sigmoid() }, x34 * 3),
        ("softplus", { $0.softplus() }, x34 * 3),
        ("silu", { $0.silu() }, x34 * 3),
        ("celu", { $0.celu(alpha: 0.7) }, x34 * 2),
        ("celu derivative", { $0.celuDerivative(alpha: 0.7) }, x34 * 2),
        ("clamped", { $0.clamped(min: -0.95, max: 0.95) }, x34),
        ("safeSqrt", { $0.safeSqrt(1e-9) }, pos34),
        ("+ scalar", { $0 + 1.5 }, x34),
        ("scalar -", { 1.5 - $0 }, x34),
        ("* scalar", { $0 * 2.5 }, x34),
        ("/ scalar", { $0 / 2.5 }, x34),
        ("scalar /", { 2.5 / $0 }, pos34),
        ("squared", { $0.squared() }, x34),
    ]

    @Test(arguments: 0..<unaryCases.count)
    func unary(_ i: Int) {
        let (name, op, x) = Self.unaryCases[i]
        let (e1, e2) = checkBothOrders({ op($0[0]) }, at: [x])
        #expect(e1 < 1e-6, "\(name) gradient error \(e1)")
        #expect(e2 < 1e-5, "\(name) Hessian-vector error \(e2)")
    }

    static let binaryShapes: [([Int], [Int])] = [([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]), ([3, 4], [])]

    @Test(arguments: 0..<4, 0..<binaryShapes.count)
    func binary(_ op: Int, _ s: Int) {
        let (sa, sb) = Self.binaryShapes[s]
        let a = randomTensor(sa, seed: 10), b = randomTensor(sb, in: 0.5...1.5, seed: 11)
        let f: ([T]) -> T = [{ $0[0] + $0[1] }, { $0[0] - $0[1] }, { $0[0] * $0[1] }, { $0[0] / $0[1] }][op]
        let (e1, e2) = checkBothOrders(f, at: [a, b])
        #expect(e1 < 1e-6 && e2 < 1e-5, "binary op \(op) shapes \(sa) \(sb): \(e1) \(e2)")
    }

    @Test(arguments: [false, true], [false, true])
    func matmulFlags(_ tA: Bool, _ tB: Bool) {
        let a = randomTensor(tA ? [4, 3] : [3, 4], seed: 20), b = randomTensor(tB ? [5, 4] : [4, 5], seed: 21)
        let (e1, e2) = checkBothOrders({ matmul($0[0], $0[1], transposeA: tA, transposeB: tB) }, at: [a, b])
        #expect(e1 < 1e-6 && e2 < 1e-5, "matmul tA=\(tA) tB=\(tB): \(e1) \(e2)")
        // Values against the explicit transposes.
        let ref = matmul(tA ? a.transposed() : a, tB ? b.transposed() : b)
        let got = matmul(a, b, transposeA: tA, transposeB: tB)
        #expect(zip(ref.scalars, got.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test(arguments: [false, true], [false, true])
    func batchedMatmul(_ tA: Bool, _ tB: Bool) {
        let a = randomTensor(tA ? [2, 4, 3] : [2, 3, 4], seed: 22), b = randomTensor(tB ? [2, 5, 4] : [2, 4, 5], seed: 23)
        let (e1, e2) = checkBothOrders({ matmul($0[0], $0[1], transposeA: tA, transposeB: tB) }, at: [a, b])
        #expect(e1 < 1e-6 && e2 < 1e-5, "batched matmul tA=\(tA) tB=\(tB): \(e1) \(e2)")
    }

    static let structuralCases: [(String, ([T]) -> T, [[Int]])] = [
        ("sum", { $0[0].sum() }, [[3, 4]]),
        ("sum axis 0", { $0[0].sum(alongAxes: [0]) }, [[3, 4]]),
        ("sum axis 1 keep", { $0[0].sum(alongAxes: [1], keepingDims: true) }, [[3, 4]]),
        ("sum axes 0,2", { $0[0].sum(alongAxes: [0, 2]) }, [[2, 3, 4]]),
        ("mean", { $0[0].mean() }, [[3, 4]]),
        ("mean axis -1", { $0[0].mean(alongAxes: [-1]) }, [[2, 3, 4]]),
        ("sum toShape", { $0[0].sum(toShape: [3, 1]) }, [[2, 3, 4]]),
        ("broadcast", { $0[0].broadcast(to: [2, 3, 4]) }, [[3, 1]]),
        ("reshape", { $0[0].reshaped([4, -1]) }, [[2, 3, 2]]),
        ("transpose", { $0[0].transposed() }, [[3, 4]]),
        ("permute", { $0[0].permuted([2, 0, 1]) }, [[2, 3, 4]]),
        ("concat axis 0", { T.concatenate([$0[0], $0[1]], alongAxis: 0) }, [[2, 4], [3, 4]]),
        ("concat axis 1", { T.concatenate([$0[0], $0[1]], alongAxis: 1) }, [[3, 2], [3, 4]]),
        ("slice", { $0[0].slice(alongAxis: 1, start: 1, length: 2) }, [[3, 4]]),
        ("pad", { $0[0].padded(alongAxis: 0, start: 1, extent: 5) }, [[3, 4]]),
        ("gather axis 0", { $0[0].gather(indices: [2, 0, 2, 1, 2]) }, [[3, 4]]),
        ("gather axis 1", { $0[0].gather(indices: [3, 3, 0], axis: 1) }, [[3, 4]]),
        ("scatterAdd", { $0[0].scatterAdd(indices: [1, 0, 1, 3, 1], into: 4) }, [[5, 3]]),
        ("scatterAdd axis 1", { $0[0].scatterAdd(indices: [0, 0, 2], into: 3, axis: 1) }, [[2, 3, 2]]),
        ("dot", { $0[0].dot($0[1]) }, [[3, 4], [3, 4]]),
    ]

    @Test(arguments: 0..<structuralCases.count)
    func structural(_ i: Int) {
        let (name, op, shapes) = Self.structuralCases[i]
        let inputs = shapes.enumerated().map { randomTensor($0.element, seed: 30 + UInt64($0.offset)) }
        let (e1, e2) = checkBothOrders(op, at: inputs)
        #expect(e1 < 1e-6, "\(name) gradient error \(e1)")
        #expect(e2 < 1e-5, "\(name) Hessian-vector error \(e2)")
    }
}
