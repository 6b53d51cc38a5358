import Chemistry
import Testing
import Autodiff

@Suite struct TensorTests {
    @Test func matmulMatchesNaiveLoopsInFloat() {
        var rng = SeededGenerator(seed: 1)
        let a = Tensor<Float>.randomNormal(shape: [7, 5], using: &rng), b = Tensor<Float>.randomNormal(shape: [5, 3], using: &rng)
        let c = matmul(a, b)
        #expect(c.shape == [7, 3])
        for i in 0..<7 { for j in 0..<3 {
            var s: Float = 0
            for k in 0..<5 { s += a.scalars[i * 5 + k] * b.scalars[k * 3 + j] }
            #expect(abs(s - c.scalars[i * 3 + j]) < 1e-5)
        } }
    }

    @Test func broadcastingValues() {
        let a = T(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect((a + T([10, 20, 30])).scalars == [11, 22, 33, 14, 25, 36])
        #expect((a * T(shape: [2, 1], scalars: [1, -1])).scalars == [1, 2, 3, -4, -5, -6])
        #expect((T(shape: [2, 1], scalars: [1, 2]) + T(shape: [1, 3], scalars: [0, 10, 20])).shape == [2, 3])
        #expect(a.sum(alongAxes: [0]).scalars == [5, 7, 9])
        #expect(a.sum(alongAxes: [1]).scalars == [6, 15])
        #expect(a.mean().item == 3.5)
        #expect(a.transposed().scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func gatherScatterConcatSliceValues() {
        let a = T(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        #expect(a.gather(indices: [2, 0]).scalars == [5, 6, 1, 2])
        #expect(a.scatterAdd(indices: [1, 1, 0], into: 2).scalars == [5, 6, 4, 6])
        #expect(T.zeros(shape: [0, 2]).scatterAdd(indices: [], into: 3).scalars == [0, 0, 0, 0, 0, 0])
        #expect(T.concatenate([a, a], alongAxis: 1).shape == [3, 4])
        #expect(a.slice(alongAxis: 0, start: 1, length: 2).scalars == [3, 4, 5, 6])
        #expect(a.padded(alongAxis: 1, start: 1, extent: 3).scalars == [0, 1, 2, 0, 3, 4, 0, 5, 6])
    }

    @Test func floatKernelsAgreeWithDouble() {
        let xd = randomTensor([1000], in: -20...20, seed: 5)
        let xf = Tensor<Float>(shape: xd.shape, scalars: xd.scalars.map(Float.init))
        let pairs: [((T) -> T, (Tensor<Float>) -> Tensor<Float>)] = [
            ({ $0.exp() }, { $0.exp() }), ({ $0.celu(alpha: 1.3) }, { $0.celu(alpha: 1.3) }),
            ({ $0.sigmoid() }, { $0.sigmoid() }), ({ $0.softplus() }, { $0.softplus() }),
            ({ $0.silu() }, { $0.silu() }), ({ $0.celuDerivative() }, { $0.celuDerivative() }),
        ]
        for (fd, ff) in pairs {
            for (d, f) in zip(fd(xd).scalars, ff(xf).scalars) { #expect(abs(Double(f) - d) <= 3e-6 * max(1, abs(d))) }
        }
    }

    @Test func safeSqrtHasFiniteGradientAtZeroDistance() {
        let r = T(shape: [2, 3], scalars: [1, 2, 3, 1, 2, 3]).requiringGrad()
        let u = r.gather(indices: [1]) - r.gather(indices: [0])
        let d = (u * u).sum().safeSqrt()
        let g = gradient(of: d, withRespectTo: r, createGraph: true)
        #expect(g.scalars.allSatisfy { $0.isFinite })
        let h = gradient(of: g.sum(), withRespectTo: r)
        #expect(h.scalars.allSatisfy { $0.isFinite })
        #expect(T([0, 4]).sqrt().scalars == [0, 2])
        let q = T([1, 2]).requiringGrad()
        let clamped = gradient(of: (T([1, 1]) / q.clamped(min: 1.5)).sum(), withRespectTo: q)
        #expect(clamped.scalars[0] == 0 && clamped.scalars[1] == -0.25)
    }

    @Test func unreachableTargetsGetZeros() {
        let a = T([1, 2]).requiringGrad(), b = T([3]).requiringGrad()
        let g = gradient(of: a.sum(), withRespectTo: [a, b])
        #expect(g[0].scalars == [1, 1] && g[1].scalars == [0])
        let x = T([1, 2])
        #expect(gradient(of: x.sum(), withRespectTo: [x])[0].scalars == [0, 0])
    }

    @Test func withoutCreateGraphGradientsAreDetached() {
        let x = T([0.5, 1]).requiringGrad()
        #expect(!gradient(of: x.exp().sum(), withRespectTo: x).requiresGrad)
        #expect(gradient(of: x.exp().sum(), withRespectTo: x, createGraph: true).isGraphNode)
    }

    @Test func parameterSetVectorArithmetic() {
        let a = ParameterSet([("w", T([1, 2])), ("b", T([3]))])
        let b = ParameterSet([("w", T([1, 1])), ("b", T([-1]))])
        #expect((a + b)["w"].scalars == [2, 3])
        #expect((a - b)["b"].scalars == [4])
        #expect(a.scaled(by: 2)["w"].scalars == [2, 4])
        #expect(ParameterSet.zero(like: a).norm == 0)
        #expect(a.dot(b) == 0)
        #expect(abs(a.norm - 14.0.squareRoot()) < 1e-12)
        var meta = a
        meta += (b - meta).scaled(by: 0.5)   // a Reptile step
        #expect(meta["w"].scalars == [1, 1.5] && meta["b"].scalars == [1])
        #expect(a.requiringGrad()["w"].requiresGrad && !a.requiringGrad().detached()["w"].requiresGrad)
    }
}
