import Autodiff
import Chemistry
import Descriptors
import Foundation
import Potentials
import Testing
import _TestSupport
@testable import Analysis

/// A small random ANI model (AEV 1x, one hidden layer of 8) in Float64.
enum SmallModel {
    static let selfEnergies = SelfEnergies(isolatedAtoms: [1: -13.6, 6: -1029.5, 7: -1485.0, 8: -2042.0])

    static func ani(elements: [Int] = [1, 6, 7, 8], seed: UInt64 = 3) -> ScanEvaluator {
        let aev = AEVParameters.ani1x.with(species: elements)
        let potential = ANIPotential(aev: AEVComputer(aev),
                                     networks: ElementNetworks(elements: elements, widths: [aev.featureCount, 8, 1], alpha: 0.1),
                                     selfEnergies: selfEnergies)
        var rng = SeededGenerator(seed: seed)
        return ScanEvaluator(potential: potential, parameters: potential.initialParameters(Double.self, using: &rng))
    }
}

@Suite struct EvaluationTests {
    func rms(_ x: [Double]) -> Double { (x.map { $0 * $0 }.reduce(0, +) / Double(x.count)).squareRoot() }

    /// For an exact model, −dE/ds (differences of energies) and F·dR/ds (forces on the
    /// path tangent) agree to finite-difference accuracy; the error falls as h².
    @Test func energyAndForceAgreeAlongATorsionForAnExactModel() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let bond = try #require(builder.rotatableBonds().first { $0.bond.type == "C-C" })  // CH₂–phenyl
        let evaluator = SmallModel.ani()
        func consistency(step: Double) throws -> (rmse: Double, scale: Double, curve: ScanCurve) {
            let curve = try evaluator.evaluate(builder.torsionScan(bond, step: step, span: 24))
            let m = ScanResult(curve: curve, variant: "random").metrics
            return (try #require(m.consistencyRMSE), rms(try #require(curve.forceAlongPath)), curve)
        }
        let coarse = try consistency(step: 2), fine = try consistency(step: 1)
        #expect(coarse.scale > 1e-3, "the torque along the scan should not vanish (\(coarse.scale) eV/rad)")
        // The sharp AEV features (η = 16 Å⁻², ζ = 32) make the third derivative large: a few
        // per cent at 2°, a quarter of that at 1°.
        #expect(coarse.rmse < 5e-2 * coarse.scale)
        #expect(fine.rmse < 1.5e-2 * fine.scale)
        #expect(coarse.rmse / fine.rmse > 3.3, "\(coarse.rmse) vs \(fine.rmse)")
        // The torque is −dE/dφ: the force along the tangent of a rigid rotation, computed
        // directly as Σ F · (u × (r − r_k)) at the first point, matches the differences.
        let curve = coarse.curve
        let start = curve.path.conformations[0], k = bond.k
        let axisVector = start.positions[k] - start.positions[bond.j]
        let u = axisVector / Geometry.norm(axisVector)
        let torque = bond.movingAtoms.reduce(0.0) { sum, a in
            sum + Geometry.dot(curve.forces![0][a], Geometry.cross(u, start.positions[a] - start.positions[k]))
        }
        #expect(abs(torque - curve.forceAlongPath![0]) < 1e-3 * max(coarse.scale, abs(torque)))

        // A deliberately inconsistent curve (forces halved) is flagged.
        let halved = ScanCurve(path: curve.path, energies: curve.energies,
                               forces: curve.forces!.map { $0.map { $0 * 0.5 } })
        let bad = ScanResult(curve: halved, variant: "bad").metrics
        #expect(try #require(bad.consistencyRMSE) > 0.3 * coarse.scale)
    }

    @Test func periodicTorsionAndStretchAreConsistentToo() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let evaluator = SmallModel.ani()
        let amine = try #require(builder.rotatableBonds().first { $0.isTerminal })
        let torsion = try evaluator.evaluate(builder.torsionScan(amine, step: 5))
        #expect(torsion.path.isPeriodic && torsion.energies.count == 72)
        let mt = ScanResult(curve: torsion, variant: "random").metrics
        #expect(mt.consistencyRMSE! < 5e-2 * rms(torsion.forceAlongPath!))
        #expect(mt.extrema >= 2 && mt.extrema % 2 == 0)  // periodic: as many maxima as minima
        // A stretch of C–O 1–5 from 0.9 to 1.4 times its length.
        let bond = try #require(builder.connectivity.bond(1, 5))
        let stretch = try evaluator.evaluate(builder.stretchScan(bond, from: 0.9, to: 1.4, step: 0.01))
        let ms = ScanResult(curve: stretch, variant: "random").metrics
        #expect(ms.consistencyRMSE! < 1e-2 * rms(stretch.forceAlongPath!))
        #expect(ms.energyRange > 0)
    }

    @Test func elementsTheModelLacksAreADataError() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let path = builder.torsionScan(try #require(builder.rotatableBonds().first), step: 90)
        let noNitrogen = SmallModel.ani(elements: [1, 6, 8])
        #expect(throws: DataError(file: "m.json", item: path.name, "elements N are not in the model (it has H C O)")) {
            try noNitrogen.evaluate(path, file: "m.json")
        }
    }
}
