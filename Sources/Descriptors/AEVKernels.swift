// Fused AEV primitives (custom ops whose VJPs are written in tensor ops).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autodiff

enum AEVKernels {
    /// The radial terms `[P, nR]`: `t[p, r] = ¼ exp(−η (d_p − Rs_r)²) fc(d_p)` with
    /// `fc(d) = ½ cos(π d / Rc) + ½` for d ≤ Rc (else 0), from the distances `d` `[P, 1]`.
    ///
    /// The forward pass is one fused loop; the VJP `Σ_r g[p, r] ∂t[p, r]/∂d_p` is written in
    /// tensor ops, so the primitive is differentiable to any order.
    static func radialTerms<Scalar>(_ d: Tensor<Scalar>, shifts: [Double], eta: Double, cutoff rc: Double) -> Tensor<Scalar> {
        let nR = shifts.count
        let rs = shifts.map { Scalar($0) }
        let e = Scalar(eta), c = Scalar(rc), k = Scalar(Double.pi / rc)
        return Tensor.custom("aevRadial", inputs: [d], forward: { xs in
            let ds = xs[0].scalars
            var out = [Scalar](repeating: 0, count: ds.count * nR)
            for p in ds.indices where ds[p] <= c {
                let fc = Scalar(0.25) * (Scalar(0.5) * Scalar.mCos(k * ds[p]) + Scalar(0.5))
                for r in 0..<nR {
                    let x = ds[p] - rs[r]
                    out[p * nR + r] = Scalar.mExp(-e * x * x) * fc
                }
            }
            return Tensor(shape: [ds.count, nR], scalars: out)
        }, vjp: { g, xs, _, needs in
            guard needs[0] else { return [nil] }
            let d = xs[0]
            let shf = Tensor<Scalar>(shape: [1, nR], scalars: rs)
            let x = d - shf                                                   // [P, nR]
            let gauss = (x.squared() * (-e)).exp()
            let mask = d.mask(inRange: 0, c)
            let angle = d * k
            let fc = (angle.cos() * Scalar(0.5) + Scalar(0.5)) * mask         // [P, 1]
            let dfc = angle.sin() * (Scalar(-0.5) * k) * mask                 // [P, 1]
            let dt = gauss * (x * (Scalar(-2) * e) * fc + dfc) * Scalar(0.25) // [P, nR]
            return [(g * dt).sum(alongAxes: [1], keepingDims: true)]
        })
    }
}
