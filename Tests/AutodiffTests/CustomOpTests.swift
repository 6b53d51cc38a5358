import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autodiff

/// A fused "pair distance + cosine cutoff" primitive, written as raw loops, with an explicit
/// VJP (itself a fused custom op) whose own rule — the product with the Jacobian of the VJP —
/// is supplied explicitly in tensor ops.
///
/// Output `[P]`: `fc(d_p) = ½ (cos(π d_p / rc) + 1)` for `d_p < rc`, else 0, with
/// `d_p = |R[j_p] − R[i_p]|`.
enum FusedCutoff {
    static func apply(_ r: T, i: [Int], j: [Int], rc: Double) -> T {
        T.custom("distanceCutoff", inputs: [r], forward: { xs in
            let s = xs[0].scalars
            let out = (0..<i.count).map { p -> Double in
                let d = dist(s, i[p], j[p])
                return d < rc ? 0.5 * (cos(Double.pi * d / rc) + 1) : 0
            }
            return T(out)
        }, vjp: { g, xs, _, _ in [vjp(g, xs[0], i: i, j: j, rc: rc)] })
    }

    static func dist(_ s: [Double], _ a: Int, _ b: Int) -> Double {
        var d2 = 0.0
        for c in 0..<3 { let u = s[3 * b + c] - s[3 * a + c]; d2 += u * u }
        return d2.squareRoot()
    }

    /// `∂⟨g, fc⟩/∂R`, `[n, 3]`, by a fused loop.
    static func vjp(_ g: T, _ r: T, i: [Int], j: [Int], rc: Double) -> T {
        T.custom("distanceCutoffVJP", inputs: [g, r], forward: { xs in
            let gs = xs[0].scalars, s = xs[1].scalars
            var out = [Double](repeating: 0, count: s.count)
            for p in 0..<i.count {
                let d = dist(s, i[p], j[p])
                guard d < rc else { continue }
                let a = gs[p] * (-0.5 * Double.pi / rc * sin(Double.pi * d / rc)) / d
                for c in 0..<3 {
                    let v = a * (s[3 * j[p] + c] - s[3 * i[p] + c])
                    out[3 * j[p] + c] += v; out[3 * i[p] + c] -= v
                }
            }
            return T(shape: xs[1].shape, scalars: out)
        }, vjp: { h, xs, _, needs in
            // Explicit second-order rule, in tensor ops (so it is differentiable in turn).
            let g = xs[0], r = xs[1], n = r.shape[0], P = i.count
            let u = r.gather(indices: j) - r.gather(indices: i)
            let d = (u * u).sum(alongAxes: [1], keepingDims: true).safeSqrt(1e-12)
            let mask = d.mask(inRange: 0, rc)
            let x = d * (Double.pi / rc)
            let fc1 = x.sin() * (-0.5 * Double.pi / rc) * mask
            let fc2 = x.cos() * (-0.5 * (Double.pi / rc) * (Double.pi / rc)) * mask
            let delta = h.gather(indices: j) - h.gather(indices: i)
            let ud = (u * delta).sum(alongAxes: [1], keepingDims: true)
            let dg = needs[0] ? (fc1 * ud / d).reshaped([P]) : nil
            var dr: T? = nil
            if needs[1] {
                let phi = fc1 / d, phiPrime = (fc2 * d - fc1) / (d * d)
                let gu = g.reshaped([P, 1]) * (phiPrime * ud / d * u + phi * delta)
                dr = gu.scatterAdd(indices: j, into: n) - gu.scatterAdd(indices: i, into: n)
            }
            return [dg, dr]
        })
    }

    /// The same function composed from primitives.
    static func reference(_ r: T, i: [Int], j: [Int], rc: Double) -> T {
        let u = r.gather(indices: j) - r.gather(indices: i)
        let d = (u * u).sum(alongAxes: [1]).safeSqrt(1e-12)
        return ((d * (Double.pi / rc)).cos() + 1) * 0.5 * d.mask(inRange: 0, rc)
    }
}

@Suite struct CustomOpTests {
    let i = [0, 0, 1, 2, 3, 1, 4, 2]
    let j = [1, 2, 3, 4, 0, 0, 2, 3]
    let r = randomTensor([5, 3], in: 0...1.5, seed: 40)
    let rc = 1.6

    @Test func fusedCutoffMatchesComposite() {
        let fused = FusedCutoff.apply(r, i: i, j: j, rc: rc), ref = FusedCutoff.reference(r, i: i, j: j, rc: rc)
        #expect(zip(fused.scalars, ref.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(fused.scalars.contains(0) || fused.scalars.allSatisfy { $0 > 0 })
    }

    @Test func fusedCutoffFirstAndSecondOrder() {
        let (e1, e2) = checkBothOrders({ FusedCutoff.apply($0[0], i: i, j: j, rc: rc) }, at: [r])
        #expect(e1 < 1e-6, "fused cutoff gradient error \(e1)")
        #expect(e2 < 1e-5, "fused cutoff Hessian-vector error \(e2)")
    }

    /// Third order works too because the explicit second-order rule is written in tensor ops.
    @Test func fusedCutoffThirdOrderAgreesWithComposite() {
        func third(_ f: (T) -> T) -> [Double] {
            let x = r.requiringGrad()
            let g = gradient(of: (f(x).sin()).sum(), withRespectTo: x, createGraph: true)
            let h = gradient(of: g.squared().sum(), withRespectTo: x, createGraph: true)
            return gradient(of: h.squared().sum(), withRespectTo: x).scalars
        }
        let a = third { FusedCutoff.apply($0, i: i, j: j, rc: rc) }
        let b = third { FusedCutoff.reference($0, i: i, j: j, rc: rc) }
        #expect(zip(a, b).allSatisfy { relErr($0, $1) < 1e-9 })
    }
}
