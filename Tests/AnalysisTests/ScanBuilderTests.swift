import Chemistry
import Foundation
import Testing
import _TestSupport
@testable import Analysis

@Suite struct ScanBuilderTests {
    /// Every bond length of the molecule at every point of `path`, minus the start.
    func largestBondChange(_ path: ScanPath, _ builder: ScanBuilder, except: Bond? = nil) -> Double {
        var worst = 0.0
        for point in path.conformations {
            for b in builder.connectivity.bonds where b != except {
                worst = max(worst, abs(point.distance(b.i, b.j) - builder.conformation.distance(b.i, b.j)))
            }
        }
        return worst
    }

    @Test func rigidTorsionKeepsBondsAndAdvancesTheDihedral() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        for bond in builder.rotatableBonds() {
            let path = builder.torsionScan(bond, step: 5)
            #expect(path.count == 72 && path.isPeriodic && path.kind == .torsion && path.coordinateUnit == .degrees)
            #expect(abs(try #require(path.period) - 2 * .pi) < 1e-12)
            #expect(largestBondChange(path, builder) < 1e-10)
            let d = bond.dihedral
            for (m, point) in path.conformations.enumerated() {
                let measured = point.dihedral(d[0], d[1], d[2], d[3])
                #expect(abs(Geometry.wrapDegrees(measured - path.coordinates[m])) < 1e-8, "\(bond) point \(m)")
                if m > 0 {
                    let previous = path.conformations[m - 1].dihedral(d[0], d[1], d[2], d[3])
                    #expect(abs(Geometry.wrapDegrees(measured - previous) - 5) < 1e-8)
                }
                // Atoms off the moving side stay where they were.
                for a in 0..<point.atomCount where !bond.movingAtoms.contains(a) {
                    #expect(point.positions[a] == builder.conformation.positions[a])
                }
            }
            #expect(path.definingAtoms == d)
            #expect(path.conformations[3].properties["scan"] == path.name && path.conformations[3].energy.isNaN)
        }
    }

    @Test func fullTurnReturnsToTheStart() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let bond = try #require(builder.rotatableBonds().first)
        // 0°, 90°, …, 450°: open (span ≠ 360), 6 points; the 360° point is the start again.
        let path = builder.torsionScan(bond, step: 90, span: 450)
        #expect(path.count == 6 && !path.isPeriodic && path.period == nil)
        let start = builder.conformation.positions, turned = path.conformations[4].positions
        #expect(zip(start, turned).allSatisfy { Geometry.norm($0 - $1) < 1e-10 })
        #expect(zip(start, path.conformations[2].positions).contains { Geometry.norm($0 - $1) > 0.5 })
        // A step that does not divide 360 gives an open scan of ⌊360/step⌋ + 1 points.
        #expect(builder.torsionScan(bond, step: 7).count == 52)
        #expect(!builder.torsionScan(bond, step: 7).isPeriodic)
    }

    @Test func stretchScanSetsTheBondLength() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let scans = builder.stretchScans(step: 0.05)
        #expect(scans.map(\.name) == ["stretch:C-C:0-1", "stretch:C-H:0-3", "stretch:C-O:1-5", "stretch:C-N:4-6", "stretch:H-N:6-8"])
        for path in scans {
            let (i, j) = (path.definingAtoms[0], path.definingAtoms[1])
            let r0 = builder.conformation.distance(i, j)
            #expect(abs(path.coordinates[0] - 0.7 * r0) < 1e-12)
            #expect(path.coordinates.last! <= 3 * r0 + 1e-9 && path.coordinates.last! > 3 * r0 - 0.05)
            for (point, length) in zip(path.conformations, path.coordinates) {
                #expect(abs(point.distance(i, j) - length) < 1e-10)
            }
            let bond = try #require(builder.connectivity.bond(i, j))
            #expect(largestBondChange(path, builder, except: bond) < 1e-10 || builder.connectivity.isInRing(bond))
        }
        // C0–C1 is a pyridine ring bond: only one atom moves.
        #expect(scans[0].movingAtoms.count == 1)
        // C–O 1–5 is acyclic: the smaller side (the aminopyridine, 12 atoms) moves.
        #expect(scans[2].movingAtoms.count == 12)
    }

    @Test func bendScanSetsTheAngle() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let cOC = try #require(builder.connectivity.angles.first { $0.type == "C-O-C" })
        let path = builder.bendScan(cOC, from: 60, to: 180, step: 2)
        #expect(path.count == 61 && path.coordinates.first == 60 && path.coordinates.last == 180)
        for (point, angle) in zip(path.conformations, path.coordinates) {
            #expect(abs(point.angle(cOC.i, cOC.j, cOC.k) - angle) < 1e-7)
        }
        #expect(largestBondChange(path, builder) < 1e-10)
        #expect(builder.bendScans().count == builder.connectivity.representativeAngles().count)
    }
}
