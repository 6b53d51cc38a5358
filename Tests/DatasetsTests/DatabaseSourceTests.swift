import Foundation
import Testing
import _TestSupport
@testable import Chemistry
@testable import Datasets

/// Recipe keys that an ASE database or a DeePMD system cannot honour are refused by name, before
/// the data are read; format detection tells a DeePMD system directory from a file.
@Suite struct DatabaseSourceTests {
    @Test func refusesKeysTheFormatsCannotHonour() throws {
        let dir = try SharedData.temporaryDirectory("db-sources")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "x".write(to: dir.appendingPathComponent("a.db"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("system.000"), withIntermediateDirectories: true)
        try "0\n".write(to: dir.appendingPathComponent("system.000/type.raw"), atomically: true, encoding: .utf8)
        let loader = SourceLoader(location: DataLocation(root: dir.path), recipeFile: "r.yaml")
        var forces = SuiteRecipe.Source(path: "a.db", format: .aseDB, level: "x")
        forces.energyKey = "dft_energy"
        forces.forcesKey = "dft_forces"
        var bohr = SuiteRecipe.Source(path: "system.000", format: .deepmd, level: "x")
        bohr.lengthUnit = "bohr"
        for (source, item, phrase) in [(forces, "sources[0].forces_key", "only in the calculator's 'forces' column"),
                                       (bohr, "sources[0].length_unit", "deepmd data are in Å")] {
            #expect { _ = try loader.load(source, index: 0) } throws: { error in
                let e = error as? DataError
                return e?.file == "r.yaml" && e?.item == item && e?.reason.contains(phrase) == true
            }
        }
        #expect(try DataFileOpener.detectFormat(path: dir.appendingPathComponent("system.000").path) == .deepmd)
        #expect(try DataFileOpener.detectFormat(path: dir.appendingPathComponent("a.db").path) == .aseDB)
        // A directory that is not a DeePMD system is still refused as a directory.
        #expect { _ = try DataFileOpener.open(path: dir.path) } throws: { error in
            (error as? DataError)?.reason.contains("is a directory, expected a file") == true
        }
    }
}
