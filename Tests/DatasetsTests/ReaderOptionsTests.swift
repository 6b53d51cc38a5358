import Foundation
import Testing
import _TestSupport
@testable import Chemistry
@testable import Datasets

/// Units, levels and label keys as `SourceLoader` and `DataFileOpener` (used by `data inspect`,
/// `evaluate`, `train` and the studies) apply them.
@Suite(.enabled(if: SharedData.isAvailable)) struct ReaderOptionsTests {
    static let iso = "3bpa/iso_atoms.xyz"

    /// An unknown unit in a source is a `DataError` naming the recipe and the key — even when
    /// the source did not come through `SuiteRecipe.validate` — never a silent eV or Å.
    @Test(arguments: [("energy_unit", "kcal"), ("energy_unit", "hartrees"), ("energy_unit", "foo"), ("energy_unit", "MeV"),
                      ("length_unit", "nm"), ("length_unit", "bohrs")])
    func sourceLoaderRefusesAnUnknownUnit(_ key: String, _ unit: String) throws {
        var source = SuiteRecipe.Source(path: Self.iso, format: .extxyz, level: "x")
        if key == "energy_unit" { source.energyUnit = unit } else { source.lengthUnit = unit }
        let loader = SourceLoader(location: DataLocation(root: SharedData.root.path), recipeFile: "r.yaml")
        #expect { _ = try loader.load(source, index: 2) } throws: { error in
            let e = error as? DataError
            return e?.file == "r.yaml" && e?.item == "sources[2].\(key)" && e?.reason.contains("unknown") == true
                && e?.reason.contains("'\(unit)' (accepted:") == true
        }
    }

    @Test(arguments: ["kcal", "hartrees", "foo", "MeV", "ev per atom"])
    func openerRefusesAnUnknownUnit(_ unit: String) throws {
        let path = SharedData.path("3bpa/train_300K.xyz")
        #expect { _ = try DataFileOpener.open(path: path, options: .init(energyUnit: unit)) } throws: { error in
            let e = error as? DataError
            return e?.file == path && e?.item == "energy_unit" && e?.reason.contains("unknown energy unit '\(unit)'") == true
        }
    }

    @Test func knownUnitsScaleEnergiesAndForces() throws {
        let path = SharedData.path("3bpa/train_300K.xyz")
        let eV = try #require(DataFileOpener.open(path: path).first?.conformations[0])
        for (unit, factor) in [("meV", 0.001), ("Ha", Units.hartree), ("kJ/mol", Units.kJPerMol), ("kcal/mol", Units.kcalPerMol),
                               ("Ry", Units.hartree / 2)] {
            let task = try #require(DataFileOpener.open(path: path, options: .init(energyUnit: unit)).first)
            let c = task.conformations[0]
            #expect(c.energy == eV.energy * factor, "\(unit)")
            #expect(c.forces![3] == eV.forces![3] * factor, "\(unit)")
            #expect(task.source.units.hasPrefix(EnergyUnit(parsing: unit)!.rawValue))
        }
    }

    /// `data inspect` and `evaluate` keep the level a file records; only text formats, which
    /// record none, are "unspecified"; a level the caller names wins.
    @Test func recordedLevelsAreKept() throws {
        let s66 = SharedData.path("ani-hdf5/s66x8_wb97x6-31gd.h5")
        #expect(try DataFileOpener.open(path: s66).map(\.levelOfTheory.name) == ["wb97x/6-31g*"])
        #expect(try DataInspection.summaries(path: s66, options: .init()).map(\.level) == ["wb97x/6-31g*"])
        #expect(try DataFileOpener.open(path: s66, options: .init(level: "mine")).map(\.levelOfTheory.name) == ["mine"])
        let ani1x = try DataFileOpener.open(path: SharedData.path("ani-hdf5/ani1_n5.hdf5")).map(\.levelOfTheory.name)
        #expect(ani1x.contains("wb97x_dz") && ani1x.contains("ccsd(t)_cbs") && !ani1x.contains("unspecified"))
        #expect(try DataFileOpener.open(path: SharedData.path("ani-hdf5/ani2x_minimal.hdf5")).map(\.levelOfTheory.name) == ["wb97x_631gd"])
        #expect(try DataFileOpener.open(path: SharedData.path(Self.iso.replacingOccurrences(of: "iso_atoms", with: "train_300K")))
                    .map(\.levelOfTheory.name) == [DataFileOpener.unspecifiedLevel])
    }

    /// The MACE prediction next to the xTB reference is not taken for the reference.
    @Test func maceFileIsReadAtTheXTBReferenceWithForces() throws {
        let path = SharedData.path("solvents/mace02_md_100_xtb.xyz")
        let task = try #require(DataFileOpener.open(path: path).first)
        let xtb = try ExtendedXYZReader(energyKey: "energy_xtb", forcesKey: "forces_xtb").read(path: path)
        #expect(task.conformations == xtb.conformations)
        #expect(task.forceCount == 100)
        let mace = try #require(DataFileOpener.open(path: path, options: .init(energyKey: "energy_mace", forcesKey: "force_mace")).first)
        #expect(mace.conformations[0].energy == -588.7412983168307 && mace.forceCount == 100)
    }

    @Test func ambiguousKeysStopTheOpener() throws {
        let dir = try SharedData.temporaryDirectory("ambiguous")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("two.xyz").path
        try "2\nProperties=species:S:1:pos:R:3 energy=-1.0 REF_energy=-1.1\nH 0 0 0\nH 0 0 0.74\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect { _ = try DataFileOpener.open(path: path) } throws: { error in
            (error as? DataError)?.reason.contains("ambiguous reference energy: energy, REF_energy") == true
        }
        #expect(try DataFileOpener.open(path: path, options: .init(energyKey: "REF_energy")).first?.conformations[0].energy == -1.1)
    }

    @Test(arguments: ["xyz", "h5", "npz", "json", "extxyz", "hdf5"])
    func directoryWithADataExtensionIsRefused(_ ext: String) throws {
        let dir = try SharedData.temporaryDirectory("dir-ext")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("data.\(ext)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect { _ = try DataFileOpener.open(path: path) } throws: { error in
            let e = error as? DataError
            return e?.file == path && e?.reason == "is a directory, expected a file"
        }
    }
}
