import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport

private let ani = AEVComputer(.ani1x)

/// The AEV of one structure, its topology built from `positions`.
private func aev(_ positions: [SIMD3<Double>], _ numbers: [Int], cell: Cell? = nil,
                 _ computer: AEVComputer = ani) throws -> T {
    try computer(T(positions: positions), atomicNumbers: numbers, cell: cell)
}

@Suite struct AEVTests {
    @Test func ani1xLayout() {
        let p = AEVParameters.ani1x
        #expect(p.radialLength == 64)
        #expect(p.angularLength == 320)
        #expect(p.featureCount == 384)
        #expect(p.shfR.count == 16 && p.shfA.count == 4 && p.shfZ.count == 8)
        // torch.triu_indices order: (0,0) (0,1) (0,2) (0,3) (1,1) (1,2) (1,3) (2,2) (2,3) (3,3).
        let order = [(0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3)]
        for (k, (a, b)) in order.enumerated() {
            #expect(p.pairIndex(a, b) == k)
            #expect(p.pairIndex(b, a) == k)
        }
    }

    @Test func unknownSpeciesThrows() {
        #expect(throws: DataError.self) { try aev([.zero, SIMD3(1, 0, 0)], [1, 14]) }
    }

    /// One radial and one angular feature recomputed by hand from the paper's formulas.
    @Test func handComputedFeatures() throws {
        // C at the origin, H at 1.1 Å along x, O at 1.3 Å at 100° in the xy plane.
        let theta = 100.0 * Double.pi / 180
        let r = [SIMD3<Double>.zero, SIMD3(1.1, 0, 0), SIMD3(1.3 * cos(theta), 1.3 * sin(theta), 0)]
        let g = try aev(r, [6, 1, 8])
        let p = AEVParameters.ani1x
        func fc(_ d: Double, _ rc: Double) -> Double { d <= rc ? 0.5 * cos(Double.pi * d / rc) + 0.5 : 0 }
        // Radial: atom 0 (C), neighbour species H (0), shift index 3.
        let radial = 0.25 * exp(-p.etaR * pow(1.1 - p.shfR[3], 2)) * fc(1.1, p.radialCutoff)
        #expect(abs(g.scalars[0 * 384 + 0 * 16 + 3] - radial) < 1e-12)
        // Angular: atom 0, pair (H, O) = (0, 3) = index 3, ShfA index 1, ShfZ index 5.
        let angle = acos(0.95 * cos(theta))
        let angular = pow(2, 1 - p.zeta) * pow(1 + cos(angle - p.shfZ[5]), p.zeta)
            * exp(-p.etaA * pow((1.1 + 1.3) / 2 - p.shfA[1], 2)) * fc(1.1, p.angularCutoff) * fc(1.3, p.angularCutoff)
        let index = 64 + 3 * 32 + 1 * 8 + 5
        #expect(abs(g.scalars[index] - angular) < 1e-12 * max(1, abs(angular)))
        #expect(angular > 1e-6)
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let (z, r) = smallMolecule
        let topology = try NeighbourTopology(positions: r, atomicNumbers: z, cell: nil, parameters: .ani1x)
        let w = T(shape: [5, 384], scalars: pseudoRandom(5 * 384, seed: 7))
        let f = { (x: T) in (ani(x, topology: topology) * w).sum() }
        let err = checkGradient(of: f, at: T(positions: r))
        #expect(err < 1e-7, "gradient error \(err)")
    }

    @Test func hessianVectorProductMatchesFiniteDifferences() throws {
        let (z, r) = smallMolecule
        let topology = try NeighbourTopology(positions: r, atomicNumbers: z, cell: nil, parameters: .ani1x)
        let w = T(shape: [5, 384], scalars: pseudoRandom(5 * 384, seed: 8))
        // A nonlinear read-out, so the Hessian also sees products of first derivatives.
        let f = { (x: T) in (ani(x, topology: topology) * w).sum().squared() }
        let err = checkHessianVectorProduct(of: f, at: T(positions: r), direction: pseudoRandom(15, seed: 9))
        #expect(err < 1e-6, "Hessian-vector error \(err)")
    }

    /// Force training: the parameter gradient of a force loss through −∂E/∂R.
    @Test func forceLossHasParameterGradient() throws {
        let (z, r) = smallMolecule
        let topology = try NeighbourTopology(positions: r, atomicNumbers: z, cell: nil, parameters: .ani1x)
        func loss(_ w: T) -> T {
            let x = T(positions: r).requiringGrad()
            let energy = (ani(x, topology: topology) * w).sum().squared()
            let forces = -gradient(of: energy, withRespectTo: [x], createGraph: true)[0]
            return forces.squared().sum()
        }
        let w0 = T(shape: [5, 384], scalars: pseudoRandom(5 * 384, seed: 10).map { $0 * 0.1 })
        let leaf = w0.requiringGrad()
        let g = gradient(of: loss(leaf), withRespectTo: [leaf])[0].scalars
        // Spot-check a few components against central differences.
        for i in [3, 70, 100, 500, 1900] {
            var p = w0.scalars, m = w0.scalars
            p[i] += 1e-6; m[i] -= 1e-6
            let fd = (loss(T(shape: [5, 384], scalars: p)).item - loss(T(shape: [5, 384], scalars: m)).item) / 2e-6
            #expect(relErr(g[i], fd) < 1e-6, "component \(i): \(g[i]) vs \(fd)")
        }
    }
}
