import Foundation
import Testing
import _TestSupport
@testable import Chemistry

/// The MD17-family `.npz` layouts (sGDML/MD17 `z R E F`, rMD17 `nuclear_charges coords
/// energies forces`): read with the caller's unit, refused without one.
@Suite struct MoleculeNPZTests {
    static let kcal = Units.kcalPerMol   // eV per kcal/mol (thermochemical calorie)

    @Test func sgdmlLayoutReadsWithTheStatedUnit() throws {
        let dir = try SharedData.temporaryDirectory("md17-npz")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("water.npz")
        let r: [Double] = [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0, 0, 0, 0.01, 0.97, 0, 0, -0.25, 0.92, 0]
        try NumPyReaderTests.writeNPZ(["z": ([3], [8, 1, 1]), "R": ([2, 3, 3], r), "E": ([2, 1], [-47900.1, -47899.5]),
                                       "F": ([2, 3, 3], (0..<18).map { Double($0) - 9 })], to: url)
        let contents = try PaddedNPZReader(energyUnit: .kcalPerMol, energyUnitStated: true).read(path: url.path)
        #expect(contents.conformations.count == 2)
        let c = contents.conformations[1]
        #expect(c.atomicNumbers == [8, 1, 1] && c.positions[1] == SIMD3(0.97, 0, 0))
        #expect(abs(c.energy - -47899.5 * Self.kcal) < 1e-6)
        #expect(abs(c.forces![0].x - 0 * Self.kcal) < 1e-12 && abs(c.forces![2].z - 8 * Self.kcal) < 1e-9)
        // No unit stated: refused, naming the option.
        do {
            _ = try PaddedNPZReader(energyUnit: .eV, energyUnitStated: false).read(path: url.path)
            Issue.record("read an sGDML file as eV without a stated unit")
        } catch let e as DataError {
            #expect(e.reason.contains("sGDML/MD17") && e.reason.contains("--energy-unit"), "\(e)")
        }
        // A shape that does not fit the molecule names the key.
        let bad = dir.appendingPathComponent("bad.npz")
        try NumPyReaderTests.writeNPZ(["z": ([3], [8, 1, 1]), "R": ([2, 2, 3], Array(r.prefix(12))), "E": ([2], [-1, -2])], to: bad)
        #expect(throws: DataError.self) { _ = try PaddedNPZReader(energyUnit: .kcalPerMol).read(path: bad.path) }
    }

    /// An rMD17-layout file written by NumPy itself (uint8 nuclear charges, float64 arrays).
    @Test func rmd17LayoutWrittenByNumPy() throws {
        let python = try #require(PythonInterpreter.importing("numpy"), "no python3 with numpy (run scripts/setup.sh)")
        let dir = try SharedData.temporaryDirectory("rmd17-npz")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("rmd17_water.npz").path
        let script = """
            import sys, numpy as np
            rng = np.random.default_rng(0)
            coords = np.array([[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]], float)[None] + 0.01 * rng.standard_normal((4, 3, 3))
            np.savez(sys.argv[1], nuclear_charges=np.array([8, 1, 1], np.uint8), coords=coords,
                     energies=np.array([-47900.0, -47899.0, -47898.5, -47901.25]), forces=np.ones((4, 3, 3)),
                     old_indices=np.arange(4), old_energies=np.zeros(4), old_forces=np.zeros((4, 3, 3)))
            print(" ".join(repr(float(x)) for x in coords[3].ravel()))
            """
        let result = try PythonInterpreter.run(python, ["-c", script, path])
        try #require(result.status == 0, "\(result.output)")
        let expected = result.output.split(whereSeparator: \.isWhitespace).compactMap(Double.init)
        let contents = try PaddedNPZReader(energyUnit: .kcalPerMol, energyUnitStated: true).read(path: path)
        #expect(contents.conformations.count == 4)
        let last = contents.conformations[3]
        #expect(last.atomicNumbers == [8, 1, 1])
        #expect(last.positions.flatMap { [$0.x, $0.y, $0.z] } == expected)
        #expect(abs(last.energy - -47901.25 * Self.kcal) < 1e-6 && abs(last.forces![1].y - Self.kcal) < 1e-12)
    }
}
