import Foundation
import Testing
import Autodiff
import Training

typealias T = Tensor<Double>

/// A one-tensor parameter set `{"w": values}`.
func params(_ values: [Double], name: String = "w") -> ParameterSet<Double> {
    ParameterSet([(name, T(values))])
}

/// Two tensors with different shapes, for round-trip tests.
func twoTensors<S: TensorScalar>(_: S.Type, _ a: [Double], _ b: [Double]) -> ParameterSet<S> {
    ParameterSet([("W", Tensor<S>(shape: [2, 2], scalars: a.map { S($0) })), ("b", Tensor<S>(b.map { S($0) }))])
}

/// A deterministic gradient at step `t` for the two-tensor set `p`: gradient of a quadratic plus
/// a step-dependent wobble (so signs change and every state buffer is exercised).
func wobblyGradient<S: TensorScalar>(_ p: ParameterSet<S>, _ t: Int) -> ParameterSet<S> {
    p.map { x in
        Tensor<S>(shape: x.shape, scalars: x.scalars.enumerated().map { k, v in
            S(2 * (Double(v) - 0.3 * Double(k)) + 0.5 * sin(Double(3 * t + k)))
        })
    }
}

/// Runs `steps` steps of `opt` from `p`, optionally exporting the state to JSON and restoring a
/// fresh optimizer from it after `split` steps.
func run<O: Optimizer>(_ fresh: O, from p0: ParameterSet<O.Scalar>, steps: Int, restoringAt split: Int?) throws -> ParameterSet<O.Scalar> {
    var opt = fresh
    var p = p0
    for t in 0..<steps {
        if t == split {
            let data = try JSONEncoder().encode(opt.state)
            var restored = fresh
            try restored.restore(try JSONDecoder().decode(OptimizerState.self, from: data))
            opt = restored
        }
        opt.update(&p, along: wobblyGradient(p, t))
    }
    return p
}

func bitIdentical<S: TensorScalar>(_ a: ParameterSet<S>, _ b: ParameterSet<S>) -> Bool {
    a.names == b.names && zip(a.tensors, b.tensors).allSatisfy { $0.shape == $1.shape && $0.scalars == $1.scalars }
}

@Suite struct SGDTests {
    @Test func plainStepIsLearningRateTimesGradient() {
        var p = params([1, -2, 0.5])
        var opt = SGD<Double>(learningRate: 0.1)
        opt.update(&p, along: params([0.5, 1, -2]))
        let expected: [Double] = [1 - 0.05, -2 - 0.1, 0.5 + 0.2]
        #expect(p["w"].scalars == expected)
        #expect(opt.step == 1)
    }

    @Test func momentumAccumulatesVelocity() {
        var p = params([1])
        var opt = SGD<Double>(learningRate: 0.1, momentum: 0.9)
        opt.update(&p, along: params([1]))  // v = 1, θ = 1 − 0.1
        opt.update(&p, along: params([2]))  // v = 0.9 + 2 = 2.9, θ = 0.9 − 0.29
        #expect(abs(p["w"].scalars[0] - 0.61) < 1e-15)
    }

    @Test func restoreMidRunIsBitIdentical() throws {
        let p0 = twoTensors(Double.self, [0.1, -0.4, 0.7, 1.2], [0.05, -0.3])
        let opt = SGD<Double>(learningRate: 0.05, momentum: 0.8)
        #expect(bitIdentical(try run(opt, from: p0, steps: 12, restoringAt: nil), try run(opt, from: p0, steps: 12, restoringAt: 5)))
    }

    @Test func restoreRejectsOtherKinds() {
        var sgd = SGD<Double>(learningRate: 0.1)
        #expect(throws: OptimizerStateError.self) { try sgd.restore(Adam<Double>().state) }
    }
}

@Suite struct AdamTests {
    @Test func firstStepHasLengthLearningRate() {
        // After one step m̂ = g and v̂ = g², so Δθ = η g / (|g| + ε) ≈ η sgn(g).
        var p = params([1, 2, 3])
        var opt = Adam<Double>(learningRate: 0.01)
        opt.update(&p, along: params([0.5, -4, 1e-3]))
        let e0: Double = 1 - 0.01 * 0.5 / (0.5 + 1e-8)
        let e1: Double = 2 + 0.01 * 4 / (4 + 1e-8)
        let e2: Double = 3 - 0.01 * 1e-3 / (1e-3 + 1e-8)
        for (a, b) in zip(p["w"].scalars, [e0, e1, e2]) { #expect(abs(a - b) < 1e-15) }
    }

    @Test func twoStepsByHand() {
        var p = params([0.5])
        var opt = Adam<Double>(learningRate: 0.1)
        opt.update(&p, along: params([1]))
        opt.update(&p, along: params([-2]))
        // t = 2: m = 0.9·0.1 + 0.1·(−2) = −0.11, v = 0.999·0.001 + 0.001·4 = 0.004999
        let m: Double = 0.9 * 0.1 + 0.1 * -2
        let v: Double = 0.999 * 0.001 + 0.001 * 4
        let mh: Double = m / (1 - 0.81)
        let vh: Double = v / (1 - 0.999 * 0.999)
        let theta1: Double = 0.5 - 0.1 / (1 + 1e-8)
        let expected: Double = theta1 - 0.1 * mh / (vh.squareRoot() + 1e-8)
        #expect(abs(p["w"].scalars[0] - expected) < 1e-14)
    }

    @Test func decoupledWeightDecayShrinksFirst() {
        var p = params([2])
        var opt = Adam<Double>(learningRate: 0.1, weightDecay: 0.5)
        opt.update(&p, along: params([0]))  // zero gradient: only the decay θ(1 − ηλ)
        #expect(abs(p["w"].scalars[0] - 2 * (1 - 0.05)) < 1e-15)
    }

    @Test func restoreMidRunIsBitIdentical() throws {
        let p0 = twoTensors(Double.self, [0.1, -0.4, 0.7, 1.2], [0.05, -0.3])
        let opt = Adam<Double>(learningRate: 0.02, weightDecay: 0.01)
        #expect(bitIdentical(try run(opt, from: p0, steps: 12, restoringAt: nil), try run(opt, from: p0, steps: 12, restoringAt: 7)))
        let pf = twoTensors(Float.self, [0.1, -0.4, 0.7, 1.2], [0.05, -0.3])
        let optf = Adam<Float>(learningRate: 0.02)
        #expect(bitIdentical(try run(optf, from: pf, steps: 12, restoringAt: nil), try run(optf, from: pf, steps: 12, restoringAt: 3)))
    }

    @Test func copiesAreIndependent() {
        // A Reptile inner loop copies the optimizer; stepping the copy leaves the original alone.
        var p = params([1, 2])
        var outer = Adam<Double>(learningRate: 0.1)
        outer.update(&p, along: params([1, 1]))
        let saved = outer.state
        var inner = outer
        var q = p
        inner.update(&q, along: params([3, -1]))
        #expect(outer.state == saved)
        #expect(inner.step == 2 && outer.step == 1)
    }

    /// The four-lane loop and the scalar tail give bitwise the per-weight formula, for 11
    /// weights (two full groups of four and a tail of three), three steps, with and without
    /// decoupled weight decay.
    @Test(arguments: [0.0, 0.03])
    func vectorLoopIsBitwiseThePerWeightFormula(weightDecay: Double) {
        func values(_ seed: Double) -> [Double] { (0..<11).map { sin(1.7 * Double($0) + seed) * (1 + Double($0)) } }
        let x0 = values(0.3), grads = (0..<3).map { values(2.1 + Double($0)) }
        var p = params(x0)
        var opt = Adam<Double>(learningRate: 0.013, weightDecay: weightDecay)
        var x = x0, m = [Double](repeating: 0, count: 11), v = m
        for (t, g) in grads.enumerated() {
            opt.update(&p, along: params(g))
            let (lr, b1, b2, eps) = (0.013, 0.9, 0.999, 1e-8)
            let c1 = 1 - pow(b1, Double(t + 1)), c2 = 1 - pow(b2, Double(t + 1))
            for k in 0..<11 {
                if weightDecay > 0 { x[k] *= 1 - lr * weightDecay }
                m[k] = b1 * m[k] + (1 - b1) * g[k]
                v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k]
                x[k] -= lr * (m[k] / c1) / ((v[k] / c2).squareRoot() + eps)
            }
        }
        #expect(p["w"].scalars.map(\.bitPattern) == x.map(\.bitPattern))
    }

    @Test func minimisesAQuadratic() {
        var p = params([3, -2, 1])
        var opt = Adam<Double>(learningRate: 0.05)
        for _ in 0..<2000 { opt.update(&p, along: p.map { $0 * 2 }) }
        #expect(p.norm < 1e-3)
    }
}
