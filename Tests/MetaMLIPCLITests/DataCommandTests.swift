import Foundation
import Testing
import _TestSupport

@Suite struct DataCommandTests {
    @Test func inspectPrintsOneRowPerTask() throws {
        let result = try CLIRunner.run(["data", "inspect", SharedData.path("solvents/solvent_xtb_train_200.xyz"), "--level", "GFN2-xTB"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("GFN2-xTB"))
        #expect(result.stdout.contains("H C O"))
        #expect(result.stdout.contains("isolated-atoms"))
        let row = result.stdout.split(separator: "\n").first { $0.hasPrefix("solvent_xtb_train_200") }
        #expect(row?.contains("200     200") == true, "\(result.stdout)")
    }

    @Test func badInputExitsNonZeroWithTheFileNamed() throws {
        let missing = try CLIRunner.run(["data", "inspect", "/nonexistent/data.xyz"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/data.xyz: file does not exist"))

        let dir = try SharedData.temporaryDirectory()
        let bad = dir.appendingPathComponent("bad.xyz")
        try "2\nenergy=1.0\nH 0 0 0\nZz 0 0 1\n".write(to: bad, atomically: true, encoding: .utf8)
        let unknown = try CLIRunner.run(["data", "inspect", bad.path])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("bad.xyz: frame 0 (line 1), atom 1 (line 4): unknown element 'Zz'"), "\(unknown.stderr)")

        let recipe = dir.appendingPathComponent("r.yaml")
        try "suite: s\nsources:\n  - {path: x.xyz, format: extxyz, level: l, colour: red}\n".write(to: recipe, atomically: true, encoding: .utf8)
        let badRecipe = try CLIRunner.run(["data", "build", recipe.path, "-o", dir.appendingPathComponent("o.h5").path])
        #expect(badRecipe.status == 1)
        #expect(badRecipe.stderr.contains("unknown key 'colour'"), "\(badRecipe.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.h5").path))
    }
}

@Suite struct SuiteBuildCommandTests {
    @Test func buildsAndInspectsASuiteFromEveryReader() throws {
        let dir = try SharedData.temporaryDirectory()
        let recipe = dir.appendingPathComponent("mixed.yaml")
        try """
            suite: mixed
            data_root: \(SharedData.root.path)
            sources:
              - {name: ani1x, path: ani-hdf5/ani1_n5.hdf5, format: ani1x-hdf5, levels: [wb97x_dz, ccsd(t)_cbs]}
              - {name: s66, path: ani-hdf5/s66x8_wb97x6-31gd.h5, format: pyanitools-hdf5, level: wB97x/6-31G*, max_conformations: 40}
              - {name: spice, path: ani-hdf5/SPICE-1.1.4_n2.hdf5, format: spice-hdf5, level: wB97M-D3(BJ), elements: [H, C, N, O]}
              - {name: ch2o, path: meuwly/ch2o_mp2_avtz_3601.npz, format: npz, level: MP2, energies_relative_to_free_atoms: true, max_conformations: 30}
              - {name: si, path: mlearn/Si/training.json, format: mlearn-json, level: PBE, max_conformations: 5}
              - {name: acac, path: acac/train_300K.xyz, format: extxyz, level: PBE+D3, isolated_atoms: acac/isolated_atoms.xyz, max_conformations: 20}
            """.write(to: recipe, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("mixed.h5").path
        let build = try CLIRunner.run(["data", "build", recipe.path, "-o", output])
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stdout.contains("built \(output): 7 tasks"), "\(build.stdout)")

        let inspect = try CLIRunner.run(["data", "inspect", output])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let rows = inspect.stdout.split(separator: "\n").map(String.init)
        func row(_ name: String) -> String? { rows.first { $0.hasPrefix(name + " ") } }
        #expect(row("ani1x@wb97x_dz")?.contains("H C N O") == true)
        #expect(row("ani1x@ccsd(t)_cbs")?.contains(" 2 ") == true, "NaN count: \(rows)")
        #expect(row("s66")?.contains("  40      40") == true, "\(rows)")
        #expect(row("spice")?.contains("H C N ") == true)
        #expect(row("si")?.contains("least-squares") == true)
        #expect(row("acac")?.contains("isolated-atoms") == true)

        // Wrong layout for the declared format is a clear error.
        try "suite: w\ndata_root: \(SharedData.root.path)\nsources:\n  - {path: ani-hdf5/ani2x_minimal.hdf5, format: spice-hdf5, level: x}\n"
            .write(to: recipe, atomically: true, encoding: .utf8)
        let wrong = try CLIRunner.run(["data", "build", recipe.path, "-o", output])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("ani2x_minimal.hdf5: the recipe says format spice-hdf5 but the file has the ani2x-hdf5 layout"), "\(wrong.stderr)")
        // The earlier suite is untouched by the failed build.
        #expect(try CLIRunner.run(["data", "inspect", output]).status == 0)
    }
}
