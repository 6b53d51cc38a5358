import Chemistry
import Foundation
import Simulation
import Testing
import _TestSupport
@testable import Analysis

@Suite struct TorsionMapTests {
    /// A map with energies E = cos φ₁ + cos 2φ₂ (eV) on an n × n grid from 0°.
    static func analyticMap(count n: Int, holes: Set<Int> = []) -> TorsionMap {
        let angles = (0..<n).map { Geometry.wrapDegrees(Double($0) * 360 / Double(n)) }
        var energies: [Double] = []
        for a in 0..<n { for b in 0..<n { energies.append(cos(angles[a] * .pi / 180) + cos(2 * angles[b] * .pi / 180)) } }
        return TorsionMap(first: [0, 1, 2, 3], second: [1, 2, 3, 4], firstLabel: "C0-C1-C2-C3", secondLabel: "C1-C2-C3-C4",
                          held: [], firstAngles: angles, secondAngles: angles, energies: energies,
                          relaxation: energies.map { _ in PointRelaxation(heldResidual: 1e-12, fmax: 0.01, steps: 3, converged: true) },
                          broken: energies.indices.map { holes.contains($0) }, positions: energies.map { _ in [] })
    }

    /// cos φ₁ + cos 2φ₂ has two minima (φ₁ = 180°, φ₂ = ±90°), a 4 eV range and, on a
    /// 12 × 12 grid, the normalised roughness of its second differences.
    @Test func metricsOfAnAnalyticMap() {
        let m = Self.analyticMap(count: 12).metrics
        #expect(m.points == 144 && m.holes == 0 && m.unconverged == 0)
        #expect(abs(m.energyRange! - 4000) < 1e-9)
        #expect(m.minima == 2)
        #expect(m.minimumAngles.map { $0.0 == 180 && abs($0.1) == 90 } == true)
        // Exact second differences on the grid: Δ²cos(kφ) = 2(cos kh − 1) cos(kφ), h = 30°.
        let h = Double.pi / 6
        let d1 = 2 * (cos(h) - 1), d2 = 2 * (cos(2 * h) - 1)
        let expected = ((d1 * d1 + d2 * d2) / 4).squareRoot() * 1000 / 4000   // ⟨cos²⟩ = ½ on the grid
        #expect(abs(m.normalisedRoughness! - expected) < 1e-9, "\(m.normalisedRoughness!) vs \(expected)")
        // A hole at one minimum: left out of the range, and neither it nor its neighbours
        // (whose surroundings are incomplete) count as minima.
        let holed = Self.analyticMap(count: 12, holes: [6 * 12 + 3]).metrics
        #expect(holed.holes == 1 && holed.minima == 1)
    }

    /// The CSV rows: one per point with the relative energy, one metrics row.
    @Test func recordRowsFollowTheHeaders() {
        let record = TorsionMapRecord(map: Self.analyticMap(count: 4, holes: [5]), variant: "scratch", n: 10, seed: 0)
        let rows = record.pointRows
        #expect(rows.count == 16)
        let columns = TorsionMapRecord.pointsHeader.split(separator: ",").count
        #expect(rows.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == columns })
        let hole = rows[5].split(separator: ",", omittingEmptySubsequences: false)
        #expect(hole[11] == "1")
        #expect(record.metricsRow.split(separator: ",", omittingEmptySubsequences: false).count
                == TorsionMapRecord.metricsHeader.split(separator: ",").count)
        #expect(record.metricsRow.hasPrefix("scratch,10,0,map:0-1-2-3:1-2-3-4,C0-C1-C2-C3,C1-C2-C3-C4,,90,16,1,0,"))
    }

    /// A relaxed map of 3BPA's two outer backbone torsions with the middle one held: every
    /// point holds all three dihedrals to 1e-9°, points after the first have two candidates
    /// (left and lower neighbours), and the first point is relaxed below the start.
    @Test func relaxedMapHoldsEveryDihedralExactly() throws {
        let c = try #require(ScanData.bpa)
        let builder = try ScanBuilder(c)
        let backbone = builder.rotatableBonds(includingTerminalRotors: false)
        #expect(backbone.count == 3)
        let evaluator = SmallModel.ani()
        let calculator = PotentialCalculator(potential: evaluator.potential, parameters: evaluator.parameters)
        let relaxer = RelaxedTorsionScan(calculator: calculator, fmax: 0.05, maxSteps: 12)
        let middle = try builder.torsion(backbone[1].dihedral, file: "test", item: "hold")
        let map = try RelaxedTorsionMap(relaxer: relaxer, refinementSweeps: 0).map(
            builder, first: backbone[0], second: backbone[2], held: [.init(middle, angle: 150)], step: 120)
        #expect(map.shape == (3, 3) && map.energies.count == 9)
        for (k, p) in map.positions.enumerated() {
            let (a, b) = (k / 3, k % 3)
            #expect(abs(Geometry.wrapDegrees(Geometry.dihedral(p, backbone[0].dihedral) * 180 / .pi - map.firstAngles[a])) < 1e-9)
            #expect(abs(Geometry.wrapDegrees(Geometry.dihedral(p, backbone[2].dihedral) * 180 / .pi - map.secondAngles[b])) < 1e-9)
            #expect(abs(Geometry.wrapDegrees(Geometry.dihedral(p, middle.dihedral) * 180 / .pi - 150)) < 1e-9)
        }
        #expect(zip(map.firstAngles, map.firstAngles.dropFirst()).allSatisfy { abs(Geometry.wrapDegrees($1 - $0 - 120)) < 1e-9 })
        #expect(map.relaxation.map(\.candidates) == [1, 1, 1, 1, 2, 2, 1, 2, 2])
        #expect(map.metrics.maxHeldResidual < 1e-9)
        #expect(map.heldDescription == "C14-C13-O5-C1=150.0")
        #expect(map.broken.count == 9 && map.energies.allSatisfy(\.isFinite))
        // Refinement sweeps only ever lower a point (reseeded from lower neighbours) and keep the dihedrals held.
        let refined = try RelaxedTorsionMap(relaxer: relaxer).map(
            builder, first: backbone[0], second: backbone[2], held: [.init(middle, angle: 150)], step: 120)
        #expect(zip(refined.energies, map.energies).allSatisfy { $0 <= $1 + 1e-9 })
        #expect(refined.metrics.maxHeldResidual < 1e-9)
        #expect(zip(refined.relaxation, map.relaxation).allSatisfy { $0.candidates >= $1.candidates })
    }

    /// Dihedrals named by atoms are checked against the structure.
    @Test func torsionsByAtomsAreValidated() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let bond = try #require(builder.rotatableBonds(includingTerminalRotors: false).first)
        let made = try builder.torsion(bond.dihedral, file: "f", item: "x")
        #expect(Set(made.movingAtoms) == Set(bond.movingAtoms))
        func reason(_ atoms: [Int]) -> String? {
            do { _ = try builder.torsion(atoms, file: "f", item: "x"); return nil } catch let e as DataError { return e.reason } catch { return "\(error)" }
        }
        #expect(reason([0, 1, 2]) != nil)
        #expect(reason([0, 0, 1, 2]) != nil)
        #expect(reason([0, 1, 2, 99]) != nil)
        #expect(reason([3, 13, 5, 1])?.contains("not bonded") == true)
        // C0–C1 lies in the pyridine ring.
        let i = try #require(builder.connectivity.neighbours[0].first { $0 != 1 })
        let l = try #require(builder.connectivity.neighbours[1].first { $0 != 0 })
        #expect(reason([i, 0, 1, l])?.contains("ring") == true)
    }
}
