import Autodiff
@testable import Descriptors
import Testing

/// The fused radial kernel against the same formula in tensor primitives, to third order.
@Suite struct AEVKernelTests {
    let p = AEVParameters.ani1x
    // Distances on both sides of Rcr = 5.2.
    let d = T(shape: [7, 1], scalars: [0.8, 1.3, 2.05, 3.3, 4.9, 5.15, 5.3])

    func composite(_ d: T) -> T {
        let shf = T(shape: [1, 16], scalars: p.shfR)
        let fc = ((d * (Double.pi / p.radialCutoff)).cos() * 0.5 + 0.5) * d.mask(inRange: 0, p.radialCutoff)
        return ((d - shf).squared() * -p.etaR).exp() * fc * 0.25
    }

    func fused(_ d: T) -> T { AEVKernels.radialTerms(d, shifts: p.shfR, eta: p.etaR, cutoff: p.radialCutoff) }

    @Test func valuesAgree() {
        let a = fused(d).scalars, b = composite(d).scalars
        #expect(a.count == 7 * 16)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(a[(6 * 16)...].allSatisfy { $0 == 0 })
    }

    @Test func derivativesAgreeToThirdOrder() {
        let w = T(shape: [7, 16], scalars: pseudoRandom(7 * 16, seed: 3))
        func orders(_ f: (T) -> T) -> [[Double]] {
            let x = d.requiringGrad()
            let g1 = gradient(of: (f(x) * w).sum().sin(), withRespectTo: [x], createGraph: true)[0]
            let g2 = gradient(of: g1.squared().sum(), withRespectTo: [x], createGraph: true)[0]
            let g3 = gradient(of: g2.squared().sum(), withRespectTo: [x])[0]
            return [g1.scalars, g2.scalars, g3.scalars]
        }
        for (a, b) in zip(orders(fused), orders(composite)) {
            #expect(zip(a, b).allSatisfy { relErr($0, $1) < 1e-10 })
        }
    }
}
