import Foundation
import Testing
import _TestSupport

/// `--npz-keys` on the commands that read data files.
@Suite struct NPZKeysCommandTests {
    @Test func dataInspectReadsAnNPZFileByItsKeys() throws {
        let python = try #require(PythonInterpreter.importing("numpy"), "no python3 with numpy (run scripts/setup.sh)")
        let dir = try SharedData.temporaryDirectory("cli-npz-keys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("water.npz").path
        let script = """
            import sys, numpy as np
            pos = np.array([[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]], float)[None].repeat(4, 0)
            np.savez(sys.argv[1], numbers=np.array([8, 1, 1]), positions=pos, energy=np.array([-10.0, -10.5, -10.25, -10.75]),
                     forces=np.zeros((4, 3, 3)))
            """
        let written = try PythonInterpreter.run(python, ["-c", script, path])
        try #require(written.status == 0, "\(written.output)")
        let keys = "numbers=numbers,positions=positions,energy=energy,forces=forces"
        let inspect = try CLIRunner.run(["data", "inspect", path, "--npz-keys", keys, "--energy-unit", "eV"])
        #expect(inspect.status == 0 && inspect.stdout.contains("1 task(s)") && inspect.stdout.contains(" 4 "), "\(inspect.stdout)\(inspect.stderr)")

        // Bad mappings stop before the file is read, naming the option.
        let unknown = try CLIRunner.run(["data", "inspect", path, "--npz-keys", keys + ",charge=q", "--energy-unit", "eV"])
        #expect(unknown.status == 1 && unknown.stderr.contains("error: command line: --npz-keys: unknown role 'charge'"), "\(unknown.stderr)")
        let noUnit = try CLIRunner.run(["data", "inspect", path, "--npz-keys", keys])
        #expect(noUnit.status == 1 && noUnit.stderr.contains("--npz-keys") && noUnit.stderr.contains("--energy-unit"), "\(noUnit.stderr)")
        // A key the file lacks names the file and the key.
        let missing = try CLIRunner.run(["data", "inspect", path, "--npz-keys", "numbers=Z,positions=positions,energy=energy", "--energy-unit", "eV"])
        #expect(missing.status == 1 && missing.stderr.contains("\(path): Z: no array 'Z' for numbers"), "\(missing.stderr)")
        // Without keys, the unknown layout says how to name them.
        let plain = try CLIRunner.run(["data", "inspect", path])
        #expect(plain.status == 1 && plain.stderr.contains("--npz-keys"), "\(plain.stderr)")
        // Other formats refuse the option.
        let xyz = try CLIRunner.run(["data", "inspect", SharedData.path("3bpa/iso_atoms.xyz"), "--npz-keys", keys, "--energy-unit", "eV"])
        #expect(xyz.status == 1 && xyz.stderr.contains("apply to .npz files"), "\(xyz.stderr)")
    }

    /// A train manifest's `npz_keys:` is checked with the rest of the manifest.
    @Test func trainManifestsTakeNPZKeys() throws {
        let dir = try SharedData.temporaryDirectory("cli-npz-manifest")
        defer { try? FileManager.default.removeItem(at: dir) }
        func check(_ extra: String) throws -> CLIRunner.Result {
            let path = dir.appendingPathComponent("t-\(UUID().uuidString).yaml").path
            try "data: water.npz\nepochs: 1\n\(extra)".write(toFile: path, atomically: true, encoding: .utf8)
            return try CLIRunner.run(["check", path])
        }
        let good = try check("energy_unit: eV\nnpz_keys: {numbers: numbers, positions: positions, energy: energy}\n")
        #expect(good.status == 0 && good.stdout.contains(": ok"), "\(good.stdout)\(good.stderr)")
        let unknown = try check("energy_unit: eV\nnpz_keys: {numbers: n, positions: p, energy: e, dipole: d}\n")
        #expect(unknown.status == 1 && unknown.stderr.contains("npz_keys") && unknown.stderr.contains("unknown key 'dipole'"), "\(unknown.stderr)")
        let noUnit = try check("npz_keys: {numbers: n, positions: p, energy: e}\n")
        #expect(noUnit.status == 1 && noUnit.stderr.contains("energy_unit: an npz file read with npz_keys"), "\(noUnit.stderr)")
        let missingRole = try check("energy_unit: eV\nnpz_keys: {numbers: n, positions: p}\n")
        #expect(missingRole.status == 1 && missingRole.stderr.contains("energy"), "\(missingRole.stderr)")
    }
}
