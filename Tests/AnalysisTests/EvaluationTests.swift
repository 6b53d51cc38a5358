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

    /// For an exact model (forces = −∂E/∂R of a smooth random ANI), F·dR/ds and the fine
    /// local −dE/ds agree to ~1e-6 of the torque at every point, whatever the scan step:
    /// 1°, 10° and 30°.
    @Test(arguments: [1.0, 10.0, 30.0])
    func consistencyIsZeroForAnExactModelAtAnyStep(step: Double) throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let bond = try #require(builder.rotatableBonds().first { $0.bond.type == "C-C" })  // CH₂–phenyl
        let evaluator = SmallModel.ani()
        let curve = try evaluator.evaluate(builder.torsionScan(bond, step: step, span: step * 6))
        let m = ScanResult(curve: curve, variant: "random").metrics
        let scale = rms(try #require(curve.forceAlongPath))
        #expect(scale > 1e-3, "the torque along the scan should not vanish (\(scale) eV/rad)")
        #expect(try #require(m.consistencyRMSE) < 1e-5 * scale, "step \(step)°: \(m.consistencyRMSE!) vs \(scale)")
        // The torque is Σ F · (u × (r − r_k)) at each point.
        let start = curve.path.conformations[0], k = bond.k
        let u = (start.positions[k] - start.positions[bond.j]) / Geometry.norm(start.positions[k] - start.positions[bond.j])
        let torque = bond.movingAtoms.reduce(0.0) { sum, a in
            sum + Geometry.dot(curve.forces![0][a], Geometry.cross(u, start.positions[a] - start.positions[k]))
        }
        #expect(abs(torque - curve.forceAlongPath![0]) < 1e-9 * max(scale, abs(torque)))
        // A deliberately inconsistent model (forces halved) is flagged.
        var halved = curve
        halved.forceAlongPath = curve.forceAlongPath!.map { $0 * 0.5 }
        let bad = ScanResult(curve: halved, variant: "bad").metrics
        #expect(try #require(bad.consistencyRMSE) > 0.3 * scale)
    }

    @Test func periodicTorsionStretchAndBendAreConsistentToo() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let evaluator = SmallModel.ani()
        let amine = try #require(builder.rotatableBonds().first { $0.isTerminal })
        let torsion = try evaluator.evaluate(builder.torsionScan(amine, step: 5))
        #expect(torsion.path.isPeriodic && torsion.energies.count == 72)
        let mt = ScanResult(curve: torsion, variant: "random").metrics
        #expect(mt.consistencyRMSE! < 1e-5 * rms(torsion.forceAlongPath!))
        #expect(mt.extrema >= 2 && mt.extrema % 2 == 0)  // periodic: as many maxima as minima
        // A stretch of C–O 1–5 from 0.9 to 1.4 times its length, and the C–O–C bend.
        let bond = try #require(builder.connectivity.bond(1, 5))
        let stretch = try evaluator.evaluate(builder.stretchScan(bond, from: 0.9, to: 1.4, step: 0.05))
        let ms = ScanResult(curve: stretch, variant: "random").metrics
        #expect(ms.consistencyRMSE! < 1e-5 * rms(stretch.forceAlongPath!))
        #expect(ms.energyRange > 0)
        let angle = try #require(builder.connectivity.angles.first { $0.type == "C-O-C" })
        let bend = try evaluator.evaluate(builder.bendScan(angle, from: 100, to: 130, step: 10))
        #expect(ScanResult(curve: bend, variant: "random").metrics.consistencyRMSE! < 1e-5 * rms(bend.forceAlongPath!))
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
