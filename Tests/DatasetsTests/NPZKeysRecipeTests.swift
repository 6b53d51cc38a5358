import Foundation
import Testing
import _TestSupport
@testable import Chemistry
@testable import Datasets

/// `npz_keys:` in a recipe source and `npzKeys` in `DataFileOpener.Options`.
@Suite struct NPZKeysRecipeTests {
    /// H2 at three bond lengths with keys Zs, xyz, E, grad, written by NumPy.
    static func fixture(in dir: URL) throws -> URL {
        let python = try #require(PythonInterpreter.importing("numpy"), "no python3 with numpy (run scripts/setup.sh)")
        let url = dir.appendingPathComponent("h2.npz")
        let script = """
            import sys, numpy as np
            xyz = np.zeros((3, 2, 3)); xyz[:, 1, 0] = [0.74, 0.75, 0.76]
            np.savez(sys.argv[1], Zs=np.array([1, 1], np.uint8), xyz=xyz, E=np.array([-1.0, -1.5, -1.4]), grad=np.full((3, 2, 3), 0.25))
            """
        let result = try PythonInterpreter.run(python, ["-c", script, url.path])
        try #require(result.status == 0, "\(result.output)")
        return url
    }

    @Test func recipesReadNPZFilesByTheirKeys() throws {
        let dir = try SharedData.temporaryDirectory("npz-recipe")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.fixture(in: dir)
        func recipe(_ source: String) throws -> String {
            let path = dir.appendingPathComponent("r-\(UUID().uuidString).yaml").path
            try "suite: s\nsources:\n  - \(source)\n".write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let good = try recipe("{name: h2, path: h2.npz, format: npz, level: L, energy_unit: Ha, npz_keys: {numbers: Zs, positions: xyz, energy: E, forces: grad}}")
        let parsed = try SuiteRecipe.load(path: good)
        #expect(parsed.sources[0].npzKeys == NPZKeys(numbers: "Zs", positions: "xyz", energy: "E", forces: "grad"))
        let tasks = try SourceLoader(location: DataLocation(root: dir.path), recipeFile: good).load(parsed.sources[0], index: 0)
        #expect(tasks.count == 1 && tasks[0].conformations.count == 3)
        #expect(abs(tasks[0].conformations[1].energy - -1.5 * EnergyUnit.hartree.inElectronVolts) < 1e-9)

        func refused(_ source: String, item: String, reason: String) throws {
            let path = try recipe(source)
            #expect { try SuiteRecipe.load(path: path) } throws: { error in
                let e = error as? DataError
                return e?.file == path && e?.item?.contains(item) == true && e?.reason.contains(reason) == true
            }
        }
        try refused("{path: h2.npz, format: npz, level: L, energy_unit: eV, npz_keys: {numbers: Zs, positions: xyz, energy: E, charge: Q}}",
                    item: "npz_keys", reason: "unknown key 'charge'")
        try refused("{path: h2.npz, format: npz, level: L, npz_keys: {numbers: Zs, positions: xyz, energy: E}}",
                    item: "energy_unit", reason: "state energy_unit")
        try refused("{path: a.xyz, format: extxyz, level: L, energy_unit: eV, npz_keys: {numbers: Zs, positions: xyz, energy: E}}",
                    item: "npz_keys", reason: "applies to npz sources only")
    }

    @Test func theOpenerPassesTheKeysAndRefusesThemForOtherFormats() throws {
        let dir = try SharedData.temporaryDirectory("npz-opener")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.fixture(in: dir)
        let keys = NPZKeys(numbers: "Zs", positions: "xyz", energy: "E")
        let tasks = try DataFileOpener.open(path: url.path, options: .init(energyUnit: "eV", npzKeys: keys))
        #expect(tasks[0].conformations.count == 3 && tasks[0].conformations.allSatisfy { $0.forces == nil })
        let xyz = SharedData.path("3bpa/iso_atoms.xyz")
        #expect { try DataFileOpener.open(path: xyz, options: .init(energyUnit: "eV", npzKeys: keys)) } throws: { error in
            (error as? DataError)?.item == "npz_keys" && (error as? DataError)?.reason.contains("apply to .npz files") == true
        }
    }
}
