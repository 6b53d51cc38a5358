import Foundation
import Testing
import _TestSupport
@testable import Chemistry
@testable import Datasets

@Suite struct RecipeTests {
    func writeRecipe(_ text: String) throws -> String {
        let dir = try SharedData.temporaryDirectory("recipe")
        let path = dir.appendingPathComponent("recipe.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func expectError(_ yaml: String, item: String?, reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = try writeRecipe(yaml)
        #expect(sourceLocation: sourceLocation) { try SuiteRecipe.load(path: path) } throws: { error in
            guard let e = error as? DataError else { return false }
            return e.file == path && (item == nil || e.item?.contains(item!) == true) && (reason.isEmpty || e.reason.contains(reason))
        }
    }

    @Test func shippedRecipesAreValid() throws {
        let folder = SharedData.packageRoot.appendingPathComponent("datasets")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.contains("chno-pretraining.yaml") && names.contains("xtb-drug-fragments.yaml") && names.contains("chno-xtb-pool.yaml"))
        for name in names {
            let recipe = try SuiteRecipe.load(path: folder.appendingPathComponent(name).path)
            #expect(recipe.suite + ".yaml" == name)
            #expect(!recipe.sources.isEmpty)
        }
    }

    /// The xTB drug-fragment pool builds from the shared data: three levels on identical
    /// geometries, forces everywhere, each with its own least-squares self-energies.
    @Test func xtbDrugFragmentPoolBuilds() throws {
        let path = SharedData.packageRoot.appendingPathComponent("datasets/xtb-drug-fragments.yaml").path
        let recipe = try SuiteRecipe.load(path: path)
        let (suite, _) = try SuiteBuilder(recipe: recipe, recipeFile: path, location: DataLocation(root: SharedData.root.path)).build()
        #expect(suite.tasks.map(\.name) == ["drugfrag@gfn2_xtb", "drugfrag@gfn1_xtb", "drugfrag@ipea1_xtb"])
        #expect(suite.tasks.allSatisfy { $0.conformations.count == 11 * 885 && $0.forceCount == $0.conformations.count })
        #expect(suite.tasks[0].conformations.map(\.positions) == suite.tasks[2].conformations.map(\.positions))
        #expect(suite.tasks.allSatisfy { $0.selfEnergies?.origin == .leastSquares })
    }

    @Test func malformedRecipesNameTheOffendingItem() throws {
        try expectError("suite: s\nsources:\n  - {path: a.xyz, format: extxyz, level: x, enrgy_key: e}\n",
                        item: "sources.[0]", reason: "unknown key 'enrgy_key'")
        try expectError("suite: s\nsourcs: []\n", item: nil, reason: "unknown key 'sourcs'")
        try expectError("suite: s\nsources:\n  - {path: a.xyz, format: xyz2, level: x}\n", item: "format", reason: "")
        try expectError("suite: s\nsources:\n  - {path: a.xyz, format: extxyz}\n", item: "sources[0]", reason: "needs a 'level'")
        try expectError("suite: s\nsources:\n  - {path: a.xyz, format: extxyz, level: x, energy_unit: furlongs}\n",
                        item: "sources[0]", reason: "unknown energy unit 'furlongs'")
        try expectError("suite: s\nsources:\n  - {path: a.xyz, format: extxyz, level: x, elements: [H, Qq]}\n",
                        item: "sources[0]", reason: "unknown element 'Qq'")
        try expectError("suite: s\nsources: []\n", item: "sources", reason: "no sources")
        try expectError("suite: [unclosed\n", item: nil, reason: "")
    }

    @Test(.enabled(if: SharedData.isAvailable)) func ani1xSourceNamesCompositeLevels() throws {
        let path = try writeRecipe("""
            suite: composite
            data_root: \(SharedData.root.path)
            sources:
              - {name: ani1x, path: ani-hdf5/ani1_n5.hdf5, format: ani1x-hdf5, levels: [mp2_tz, wb97x_dz]}
              - {name: all, path: ani-hdf5/ani1_n5.hdf5, format: ani1x-hdf5}
            """)
        let suite = try SuiteBuilder(recipePath: path).build().suite
        let mp2 = try #require(suite["ani1x@mp2_tz"])
        #expect(suite.tasks.prefix(2).map(\.name) == ["ani1x@mp2_tz", "ani1x@wb97x_dz"])
        #expect(mp2.levelOfTheory == "mp2_tz" && mp2.source.selector == "mp2_tz")
        #expect(mp2.metadata["composite"] == "hf_tz.energy + mp2_tz.corr_energy")
        #expect(mp2.conformations.count == 6 && mp2.forceCount == 0)
        // Read without `levels`, a file gives its stored levels and then its composites.
        #expect(suite.tasks.dropFirst(2).map(\.levelOfTheory.name) == [
            "ccsd(t)_cbs", "hf_dz", "hf_qz", "hf_tz", "wb97x_dz", "wb97x_tz",
            "mp2_dz", "mp2_qz", "mp2_tz", "npno_ccsd(t)_dz", "npno_ccsd(t)_tz", "tpno_ccsd(t)_dz"])
    }

    @Test func multiLevelSourceRefusesASingleLevel() throws {
        // `level` would be ignored by a multi-level reader (every level read), not a filter.
        try expectError("suite: s\nsources:\n  - {path: a.h5, format: ani1x-hdf5, level: mp2_tz}\n",
                        item: "sources[0] (a.h5).level", reason: "select levels with 'levels: [mp2_tz]'")
    }

    @Test func missingDataFileIsNamedWithTheRecipe() throws {
        let path = try writeRecipe("""
            suite: s
            data_root: \(SharedData.root.path)
            sources:
              - {path: 3bpa/nothere.xyz, format: extxyz, level: x}
            """)
        #expect { try SuiteBuilder(recipePath: path).build() } throws: { error in
            let e = error as? DataError
            return e?.file == path && e?.item == "sources[0]" && e?.reason.contains("nothere.xyz") == true
        }
    }

    @Test func buildsSuiteFromTextFormatsWithSelfEnergiesAndSubsampling() throws {
        let path = try writeRecipe("""
            suite: small
            data_root: \(SharedData.root.path)
            seed: 5
            sources:
              - {name: acac, path: acac/train_300K.xyz, format: extxyz, level: PBE+D3, isolated_atoms: acac/isolated_atoms.xyz, max_conformations: 50}
              - {name: ch2o, path: meuwly/ch2o_cc_avtz_3601.npz, format: npz, level: CCSD(T), energies_relative_to_free_atoms: true, max_conformations: 100}
              - {name: ge, path: mlearn/Ge/training.json, format: mlearn-json, level: PBE}
              - {name: eth, path: ethanol/md17_pbe_vdwts_sample.xyz, format: extxyz, level: PBE+vdW-TS, energy_unit: kcal/mol, max_conformations: 10}
            """)
        let (suite, report) = try SuiteBuilder(recipePath: path).build()
        #expect(suite.tasks.map(\.name) == ["acac", "ch2o", "ge", "eth"])
        #expect(suite.tasks.map(\.conformations.count) == [50, 100, 228, 10])
        #expect(report.conformations == 388)
        #expect(suite["acac"]?.selfEnergies?.origin == .isolatedAtoms)
        #expect(suite["acac"]?.selfEnergies?.energies[1] == -13.568422178253735)
        #expect(suite["ch2o"]?.selfEnergies == SelfEnergies(isolatedAtoms: [1: 0, 6: 0, 8: 0]))
        #expect(suite["ge"]?.selfEnergies?.origin == .leastSquares)
        #expect(suite["acac"]?.metadata["subsampled_from"] == "500")
        // Same seed → same subset; the subset keeps file order.
        let again = try SuiteBuilder(recipePath: path).build().suite
        #expect(again == suite)
        let frames = suite["acac"]!.conformations.compactMap { Int($0.properties["frame"]!) }
        #expect(frames == frames.sorted())
    }

    /// `relabel:` replaces the kept conformations' labels through the caller's relabeller
    /// (after subsampling), drops the file's isolated-atom energies, and an unknown name is
    /// a `DataError` naming the source's `relabel` key.
    @Test func relabelAppliesTheNamedRelabellerToKeptConformations() throws {
        let path = try writeRecipe("""
            suite: relabelled
            data_root: \(SharedData.root.path)
            sources:
              - {name: si-toy, path: mlearn/Si/training.json, format: mlearn-json, level: toy, max_conformations: 7, relabel: toy}
            """)
        var builder = try SuiteBuilder(recipePath: path)
        builder.relabellers = ["toy": { c, _ in
            var r = c
            r.energy = -Double(c.atomCount)
            r.forces = Array(repeating: SIMD3(1, 0, 0), count: c.atomCount)
            return r
        }]
        let task = try #require(builder.build().suite["si-toy"])
        #expect(task.conformations.count == 7 && task.metadata["relabelled"] == "toy")
        #expect(task.conformations.allSatisfy { $0.energy == -Double($0.atomCount) && $0.forces?.first == SIMD3(1, 0, 0) })
        #expect { try SuiteBuilder(recipePath: path).build() } throws: { error in
            let e = error as? DataError
            return e?.item == "sources[0].relabel" && e?.reason.contains("unknown relabelling 'toy'") == true
        }
    }

    @Test func duplicateTaskNamesAndEmptySelectionsAreRejected() throws {
        let dup = try writeRecipe("""
            suite: dup
            data_root: \(SharedData.root.path)
            sources:
              - {name: a, path: acac/train_300K.xyz, format: extxyz, level: x, max_conformations: 3}
              - {name: a, path: 3bpa/train_300K.xyz, format: extxyz, level: y, max_conformations: 3}
            """)
        #expect { try SuiteBuilder(recipePath: dup).build() } throws: { error in
            let e = error as? DataError
            return e?.item == "sources[1]" && e?.reason.contains("task name 'a' is used twice") == true
        }
        let empty = try writeRecipe("""
            suite: empty
            data_root: \(SharedData.root.path)
            sources:
              - {name: iso, path: acac/isolated_atoms.xyz, format: extxyz, level: x}
            """)
        #expect { try SuiteBuilder(recipePath: empty).build() } throws: { error in
            (error as? DataError)?.reason.contains("no conformations") == true
        }
    }

    @Test func dataRootResolutionOrder() throws {
        let env = [DataLocation.environmentVariable: "/data/qm"]
        #expect(DataLocation.resolve(explicit: "x", relativeTo: "/recipes", environment: env).root == "/recipes/x")
        #expect(DataLocation.resolve(explicit: nil, environment: env).root == "/data/qm")
        #expect(throws: DataError.self) { try DataLocation(root: nil).path(of: "a.xyz", recipe: "r.yaml") }
        #expect(try DataLocation(root: nil).path(of: "/abs/a.xyz", recipe: "r.yaml") == "/abs/a.xyz")
    }
}
