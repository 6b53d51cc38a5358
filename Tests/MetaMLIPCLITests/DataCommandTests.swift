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
