import Chemistry
import Foundation
import Simulation
import Testing
import _TestSupport
@testable import Analysis

@Suite struct RelaxedScanTests {
    /// ∂φ/∂R of `DihedralConstraint.gradient` against central differences on 3BPA.
    @Test func dihedralGradientMatchesFiniteDifferences() throws {
        let c = try #require(ScanData.bpa)
        let bond = try #require(try ScanBuilder(c).rotatableBonds().first)
        let atoms = bond.dihedral, h = 1e-6
        let analytic = DihedralConstraint.gradient(c.positions, atoms)
        for (row, atom) in atoms.enumerated() {
            for axis in 0..<3 {
                var plus = c.positions, minus = c.positions
                plus[atom][axis] += h
                minus[atom][axis] -= h
                let numeric = (Geometry.dihedral(plus, atoms) - Geometry.dihedral(minus, atoms)) / (2 * h)
                #expect(abs(numeric - analytic[row][axis]) < 1e-7, "atom \(atom) axis \(axis)")
            }
        }
    }

    /// Projected forces have no component along either held dihedral's gradient, and
    /// restoring puts two dihedrals of one chain back to their targets exactly.
    @Test func projectionAndRestoringHoldTwoDihedrals() throws {
        let c = try #require(ScanData.bpa)
        let builder = try ScanBuilder(c)
        let backbone = builder.rotatableBonds(includingTerminalRotors: false)
        #expect(backbone.count == 3)
        let (a, b) = (backbone[0], backbone[2])
        let constraint = DihedralConstraint([
            .init(atoms: a.dihedral, target: 40, movingAtoms: a.movingAtoms),
            .init(atoms: b.dihedral, target: -100, movingAtoms: b.movingAtoms),
        ])
        var p = c.positions
        constraint.restore(&p)
        #expect(constraint.largestDeviation(p) < 1e-9)
        #expect(abs(c.dihedral(a.dihedral[0], a.dihedral[1], a.dihedral[2], a.dihedral[3]) - 40) > 1)  // it moved
        var rng = SeededGenerator(seed: 1)
        var forces = p.map { _ in SIMD3(Double.random(in: -1...1, using: &rng), Double.random(in: -1...1, using: &rng),
                                        Double.random(in: -1...1, using: &rng)) }
        constraint.project(&forces, positions: p)
        for held in constraint.held {
            let g = DihedralConstraint.gradient(p, held.atoms)
            let along = zip(held.atoms, g).reduce(0.0) { $0 + Geometry.dot(forces[$1.0], $1.1) }
            #expect(abs(along) < 1e-12)
        }
    }

    /// A relaxed scan holds the dihedral to 1e-9° at every point, relaxes (the first point
    /// ends below the unrelaxed start) and records each point's relaxation.
    @Test func relaxedScanHoldsTheDihedralExactly() throws {
        let c = try #require(ScanData.bpa)
        let builder = try ScanBuilder(c)
        let bond = try #require(builder.rotatableBonds(includingTerminalRotors: false).first)
        let evaluator = SmallModel.ani()
        let calculator = PotentialCalculator(potential: evaluator.potential, parameters: evaluator.parameters)
        let scan = try RelaxedTorsionScan(calculator: calculator, fmax: 0.05, maxSteps: 40)
            .scan(builder, bond: bond, step: 15, span: 45)
        let rigid = builder.torsionScan(bond, step: 15, span: 45)
        #expect(scan.mode == .relaxed && scan.count == 4)
        // The grid starts at the minimised structure's dihedral and advances by the step.
        #expect(zip(scan.coordinates, scan.coordinates.dropFirst()).allSatisfy { abs($1 - $0 - 15) < 1e-9 })
        let d = bond.dihedral
        for (point, target) in zip(scan.conformations, scan.coordinates) {
            let phi = point.dihedral(d[0], d[1], d[2], d[3])
            #expect(abs(Geometry.wrapDegrees(phi - target)) < 1e-9, "\(phi) vs \(target)")
        }
        let records = try #require(scan.relaxation)
        #expect(records.count == 4 && records.allSatisfy { $0.heldResidual < 1e-9 && $0.candidates == 1 })
        let relaxedEnergy = try calculator.calculate(atomicNumbers: c.atomicNumbers, positions: scan.conformations[0].positions, cell: nil).energy
        let startEnergy = try calculator.calculate(atomicNumbers: c.atomicNumbers, positions: c.positions, cell: nil).energy
        #expect(relaxedEnergy < startEnergy)
        // Relaxed geometries differ from the rigid ones beyond the moving fragment.
        let others = (0..<c.atomCount).filter { !bond.movingAtoms.contains($0) }
        #expect(others.contains { Geometry.norm(scan.conformations[2].positions[$0] - rigid.conformations[2].positions[$0]) > 1e-4 })
    }

    /// The rigid 360° scans of 3BPA's backbone bring non-bonded atoms together: some
    /// points clash, the starting structure never does.
    @Test func rigidScansOf3BPAClashAndTheStartDoesNot() throws {
        let c = try #require(ScanData.bpa)
        let builder = try ScanBuilder(c)
        let check = ContactCheck(builder.connectivity)
        #expect(try #require(check.closestContact(c.positions)) > 1.2)
        let clashing = builder.rotatableBonds(includingTerminalRotors: false).map { bond in
            builder.torsionScan(bond, step: 10).conformations.filter { check.clashes($0.positions) }.count
        }
        #expect(clashing.reduce(0, +) > 0, "\(clashing)")
    }

    /// A reference-scan file round-trips: written with `ReferenceScan.write`, read back with
    /// the same definition, coordinates, energies, periodicity and moving atoms.
    @Test func referenceScanFileRoundTrips() throws {
        let builder = try ScanBuilder(try #require(ScanData.bpa))
        let bond = try #require(builder.rotatableBonds().first)
        var path = builder.torsionScan(bond, step: 30)
        path.referenceEnergies = (0..<path.count).map { -1000 - 0.1 * cos(Double($0) * .pi / 6) }
        let dir = try SharedData.temporaryDirectory("reference-scan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("scan.xyz").path
        try ReferenceScan.write(path, modelEnergies: path.referenceEnergies!.map { $0 + 5 }, to: file)
        let back = try ReferenceScan.load(path: file, name: "mine")
        #expect(back.kind == .torsion && back.mode == .given && back.isPeriodic && back.count == 12)
        #expect(back.definingAtoms == bond.dihedral && back.movingAtoms == bond.movingAtoms)
        for (x, y) in zip(back.coordinates, path.coordinates) { #expect(abs(x - y) < 1e-6) }
        for (x, y) in zip(back.referenceEnergies!, path.referenceEnergies!) { #expect(abs(x - y) < 1e-9) }
        for (p, q) in zip(back.conformations, path.conformations) {
            #expect(zip(p.positions, q.positions).allSatisfy { Geometry.norm($0 - $1) < 1e-9 })
        }
        // A model evaluated on it is compared point by point.
        let result = ScanResult(curve: try SmallModel.ani().evaluate(back), variant: "random")
        #expect(result.metrics.referenceRMSE != nil && result.metrics.referenceMinima == 1)

        // Bad definitions name the frame.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let bad = dir.appendingPathComponent("bad.xyz").path
        try text.replacingOccurrences(of: " dihedral_angle=", with: " dihedral_angle=77 old_angle=").write(toFile: bad, atomically: true, encoding: .utf8)
        #expect { try ReferenceScan.load(path: bad) } throws: { ($0 as? DataError)?.description.contains("frame 0") == true }
        let first = "dihedral=\"\(bond.dihedral.map(String.init).joined(separator: " "))\""
        try text.replacingOccurrences(of: first, with: "dihedral=\"1 2 3\"").write(toFile: bad, atomically: true, encoding: .utf8)
        #expect { try ReferenceScan.load(path: bad) } throws: { ($0 as? DataError)?.description.contains("four atom indices") == true }
    }

    /// Minima against a reference: found, missed and spurious, with the barrier.
    @Test func minimaAreMatchedAgainstTheReference() {
        let n = 36
        let s = (0..<n).map { Double($0) * 2 * .pi / Double(n) }
        let reference = s.map { 0.2 * cos(2 * $0) }                 // minima at 90°, 270°
        // The model: the 90° minimum moved to 150° and an extra dip at 0°... replaced by a
        // three-fold profile with minima at 60°, 180°, 300°.
        let model = s.map { 0.2 * cos(3 * $0) }
        let m = ScanMetrics(s: s, period: 2 * .pi, energies: model, referenceEnergies: reference,
                            coordinates: s.map { $0 * 180 / .pi })
        #expect(m.minima == 3 && m.referenceMinima == 2)
        // 90° ↔ 60° is 3 spacings (10° grid) > 2.5: missed; 270° ↔ 300° likewise.
        #expect(m.minimaFound == 0 && m.minimaMissed == 2 && m.minimaSpurious == 3)
        let loose = ScanMetrics(s: s, period: 2 * .pi, energies: model, referenceEnergies: reference,
                                coordinates: s.map { $0 * 180 / .pi }, options: ScanMetricOptions(matchSpacings: 3.5))
        #expect(loose.minimaFound == 2 && loose.minimaMissed == 0 && loose.minimaSpurious == 1)
        #expect(abs(m.referenceBarrier! - 400) < 1e-9 && abs(m.energyRange - 400) < 1e-9)
        #expect(m.barrierPosition == 0 && m.referenceBarrierPosition == 0)
        // √R/ΔE for A cos(m s): m²/(2√2).
        #expect(abs(m.normalisedRoughness! - 9 / (2 * 2.0.squareRoot())) < 0.1)
    }
}
