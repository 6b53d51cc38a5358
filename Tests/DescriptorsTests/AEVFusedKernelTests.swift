import Autodiff
import Foundation
import Chemistry
@testable import Descriptors
import Testing
import _TestSupport

/// The fused AEV (``AEVFusedKernel`` behind `AEVComputer.callAsFunction`) against the composed
/// tensor-primitive AEV (`AEVComputer.composed`): values, forces (Jᵀg), the parameter gradient of
/// a force loss (J v) and position Hessians (the composed fallback), in Float64, on a batch of real
/// 3BPA conformations and on a periodic silicon cell.
@Suite struct AEVFusedKernelTests {
    let computer = AEVComputer(.ani1x)

    /// Three 3BPA conformations as one batch, their topology and positions.
    func batch() throws -> (NeighbourTopology, T) {
        let all = try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations
        let confs = [all[0], all[17], all[230]]
        return (try NeighbourTopology(conformations: confs, parameters: .ani1x), T(positions: confs.flatMap(\.positions)))
    }

    /// A toy energy E = Σ tanh(G W) · 1 with weights W `[F, 4]` (stands in for the networks).
    func energy(_ g: T, _ w: T) -> T { g.matmul(w).tanh().sum() }

    func largest(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).map { relErr($0, $1) }.max() ?? 0
    }

    @Test func valuesAgreeWithTheComposedAEV() throws {
        let (topology, r) = try batch()
        #expect(topology.tripletCount > 1000)
        let fused = computer(r, topology: topology).scalars
        let composed = computer.composed(r, topology: topology).scalars
        #expect(largest(fused, composed) < 1e-12)
        #expect(fused.contains { $0 > 0.1 })
    }

    /// Forces −∂E/∂R through Jᵀg, and the force-loss parameter gradient through J v.
    @Test func forcesAndForceLossGradientAgree() throws {
        let (topology, r0) = try batch()
        let w0 = T(shape: [384, 4], scalars: pseudoRandom(384 * 4, seed: 11).map { $0 * 0.2 })
        let reference = T(shape: r0.shape, scalars: pseudoRandom(r0.count, seed: 5))
        func run(_ aev: (T, NeighbourTopology) -> T) -> (forces: [Double], gradient: [Double]) {
            let r = r0.requiringGrad(), w = w0.requiringGrad()
            let forces = -gradient(of: energy(aev(r, topology), w), withRespectTo: r, createGraph: true)
            let loss = (forces - reference).squared().sum()
            return (forces.scalars, gradient(of: loss, withRespectTo: w).scalars)
        }
        let fused = run { computer($0, topology: $1) }
        let composed = run { computer.composed($0, topology: $1) }
        #expect(largest(fused.forces, composed.forces) < 1e-11)
        #expect(largest(fused.gradient, composed.gradient) < 1e-10)
        #expect(fused.forces.contains { abs($0) > 1e-3 })
    }

    /// Second order in the positions goes through the composed fallback: the Hessian–vector
    /// product of the toy energy equals the composed one and central differences of forces.
    @Test func positionHessianUsesTheComposedFallback() throws {
        let c = try firstThreeBPA()
        let topology = try NeighbourTopology(conformation: c, parameters: .ani1x)
        let w = T(shape: [384, 4], scalars: pseudoRandom(384 * 4, seed: 2).map { $0 * 0.2 })
        let v = pseudoRandom(3 * c.positions.count, seed: 9)
        let x = T(positions: c.positions)
        let fused = checkHessianVectorProduct(of: { energy(computer($0, topology: topology), w) }, at: x, direction: v)
        #expect(fused < 1e-6)
        let leaf = x.requiringGrad()
        func hv(_ aev: (T) -> T) -> [Double] {
            let g = gradient(of: energy(aev(leaf), w), withRespectTo: leaf, createGraph: true)
            return gradient(of: (g * T(shape: x.shape, scalars: v)).sum(), withRespectTo: leaf).scalars
        }
        #expect(largest(hv { computer($0, topology: topology) }, hv { computer.composed($0, topology: topology) }) < 1e-11)
    }

    /// Periodic images (shifts) enter the fused kernel exactly as the composed one.
    @Test func periodicCellAgrees() throws {
        let cells = try MLearnJSONReader().read(path: SharedData.path("mlearn/Si/training.json"))
        let c = try #require(cells.filter { $0.cell != nil }.min { $0.positions.count < $1.positions.count })
        let si = AEVComputer(AEVParameters.ani1x.with(species: [14]))
        let topology = try NeighbourTopology(positions: c.positions, atomicNumbers: c.atomicNumbers, cell: c.cell,
                                             parameters: si.parameters)
        let r = T(positions: c.positions).requiringGrad()
        let cot = T(shape: [c.positions.count, si.parameters.featureCount],
                    scalars: pseudoRandom(c.positions.count * si.parameters.featureCount, seed: 4))
        let fusedG = si(r, topology: topology), composedG = si.composed(r, topology: topology)
        #expect(largest(fusedG.scalars, composedG.scalars) < 1e-12)
        let a = gradient(of: (fusedG * cot).sum(), withRespectTo: r).scalars
        let b = gradient(of: (composedG * cot).sum(), withRespectTo: r).scalars
        #expect(largest(a, b) < 1e-11)
    }

    /// Block sizes that are not multiples of the kernel's four lanes (7 radial shifts, 5 angular
    /// shifts, 6 or 9 angles) and every ζ path (a power of two, another whole number, a
    /// fraction): values, Jᵀg and J v still match the composed AEV.
    @Test(arguments: [(6, 32.0), (9, 3.0), (6, 2.5)])
    func oddBlockSizesAndEveryZetaPathAgree(angles: Int, zeta: Double) throws {
        let p = AEVParameters(radialCutoff: 5.2, angularCutoff: 3.5, etaR: 16,
                              shfR: (0..<7).map { 0.9 + 0.6 * Double($0) }, etaA: 8, zeta: zeta,
                              shfA: (0..<5).map { 0.9 + 0.55 * Double($0) },
                              shfZ: (0..<angles).map { (Double($0) + 0.5) * .pi / Double(angles) },
                              species: [1, 6, 7, 8])
        let aev = AEVComputer(p)
        let all = try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations
        let confs = [all[3], all[101]]
        let topology = try NeighbourTopology(conformations: confs, parameters: p)
        let r0 = T(positions: confs.flatMap(\.positions))
        let f = p.featureCount
        let w0 = T(shape: [f, 4], scalars: pseudoRandom(f * 4, seed: 3).map { $0 * 0.2 })
        let reference = T(shape: r0.shape, scalars: pseudoRandom(r0.count, seed: 8))
        func run(_ descriptor: (T, NeighbourTopology) -> T) -> (values: [Double], forces: [Double], gradient: [Double]) {
            let r = r0.requiringGrad(), w = w0.requiringGrad()
            let g = descriptor(r, topology)
            let forces = -gradient(of: energy(g, w), withRespectTo: r, createGraph: true)
            let loss = (forces - reference).squared().sum()
            return (g.scalars, forces.scalars, gradient(of: loss, withRespectTo: w).scalars)
        }
        let fused = run { aev($0, topology: $1) }, composed = run { aev.composed($0, topology: $1) }
        #expect(largest(fused.values, composed.values) < 1e-12)
        #expect(largest(fused.forces, composed.forces) < 1e-11)
        #expect(largest(fused.gradient, composed.gradient) < 1e-10)
        #expect(fused.forces.contains { abs($0) > 1e-3 })
    }

    /// Float32 tensors get the Float64 kernel rounded once: within Float32 rounding of Float64.
    @Test func floatPathRoundsTheDoubleResult() throws {
        let (topology, r) = try batch()
        let double = computer(r, topology: topology).scalars
        let single = computer(Tensor<Float>(positions: (0..<(r.count / 3)).map {
            SIMD3(r.scalars[3 * $0], r.scalars[3 * $0 + 1], r.scalars[3 * $0 + 2]) }), topology: topology).scalars
        // Positions are rounded to Float first, so allow a few ulps of the coordinates' effect.
        #expect(zip(single, double).allSatisfy { abs(Double($0) - $1) < 1e-5 * max(1, abs($1)) })
    }
}

/// The Gaussian ladder (two `exp` per row) against one `exp` per value: relative agreement
/// 1e-12 (both carry the conditioning |η (x − μ)²| · ε of an exponential of a large argument).
@Suite struct GaussianLadderTests {
    func direct(_ centres: [Double], _ eta: Double, _ x: Double) -> [Double] {
        centres.map { (c: Double) -> Double in
            let y = c - x
            return exp(-eta * y * y)
        }
    }

    func ladder(_ centres: [Double], _ eta: Double, _ x: Double) -> [Double] {
        var out = [Double](repeating: .nan, count: centres.count)
        out.withUnsafeMutableBufferPointer { GaussianLadder(centres: centres, eta: eta).values(at: x, into: $0.baseAddress!) }
        return out
    }

    @Test func equallySpacedCentresMatchDirectExponentials() {
        let p = AEVParameters.ani1x
        for x in stride(from: 0.05, through: 5.3, by: 0.0173) {
            let a = ladder(p.shfR, p.etaR, x), b = direct(p.shfR, p.etaR, x)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * $1 + 1e-300 }, "x = \(x)")
            let c = ladder(p.shfA, p.etaA, x), d = direct(p.shfA, p.etaA, x)
            #expect(zip(c, d).allSatisfy { abs($0 - $1) <= 1e-12 * $1 + 1e-300 }, "x = \(x)")
        }
    }

    @Test func unevenCentresAndExtremeArgumentsFallBackToExp() {
        let uneven = [0.5, 0.9, 2.0, 2.1]
        #expect(ladder(uneven, 16, 1.3) == direct(uneven, 16, 1.3))
        // e_0 far below the normal range: each value by its own exp (all underflow to 0 here).
        let far = ladder(AEVParameters.ani1x.shfR, 400, 30)
        #expect(far == direct(AEVParameters.ani1x.shfR, 400, 30))
    }
}
