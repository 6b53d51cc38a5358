import Foundation
import Testing
import _TestSupport

/// Command lines that must stop with exit status ≠ 0 and name the offending option or file.
/// `{dir}` is a fresh directory holding `dir.xyz/` (a directory), `empty.xyz` (0 bytes),
/// `two.xyz` (energy and REF_energy) and `mace.xyz` (only a MACE prediction).
@Suite(.enabled(if: SharedData.isAvailable)) struct BadCommandLineTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var message: String
        var testDescription: String { name }
    }

    static let bpa = SharedData.path("3bpa/train_300K.xyz")
    static let cases: [Case] = [
        Case(name: "inspect --energy-unit kcal", arguments: ["data", "inspect", bpa, "--energy-unit", "kcal"],
             message: "command line: --energy-unit: unknown energy unit 'kcal' (accepted: eV, meV, Ha"),
        Case(name: "inspect --energy-unit hartrees", arguments: ["data", "inspect", bpa, "--energy-unit", "hartrees"],
             message: "--energy-unit: unknown energy unit 'hartrees'"),
        Case(name: "inspect --energy-unit foo", arguments: ["data", "inspect", bpa, "--energy-unit", "foo"],
             message: "--energy-unit: unknown energy unit 'foo'"),
        Case(name: "inspect --energy-unit MeV", arguments: ["data", "inspect", bpa, "--energy-unit", "MeV"],
             message: "--energy-unit: unknown energy unit 'MeV'"),
        Case(name: "evaluate --energy-unit foo", arguments: ["evaluate", "{dir}/none.json", bpa, "--energy-unit", "foo"],
             message: "--energy-unit: unknown energy unit 'foo'"),
        Case(name: "evaluate --energy-unit kcal", arguments: ["evaluate", "{dir}/none.json", bpa, "--energy-unit", "kcal"],
             message: "--energy-unit: unknown energy unit 'kcal'"),
        Case(name: "classical --energy-unit hartrees",
             arguments: ["data", "classical", "--potential", "sw-si", SharedData.path("mlearn/Si/training.json"), "-o", "{dir}/o.xyz",
                         "--energy-unit", "hartrees"],
             message: "--energy-unit: unknown energy unit 'hartrees'"),
        Case(name: "evaluate --batch-size 0", arguments: ["evaluate", "{dir}/none.json", bpa, "--batch-size", "0"],
             message: "--batch-size 0: must be at least 1"),
        Case(name: "inspect a directory", arguments: ["data", "inspect", "{dir}/dir.xyz"],
             message: "dir.xyz: is a directory, expected a file"),
        Case(name: "evaluate on a directory", arguments: ["evaluate", "{dir}/none.json", "{dir}/dir.xyz"],
             message: "dir.xyz: is a directory, expected a file"),
        Case(name: "inspect an empty file", arguments: ["data", "inspect", "{dir}/empty.xyz"],
             message: "empty.xyz: file is empty (0 bytes)"),
        Case(name: "inspect ambiguous energies", arguments: ["data", "inspect", "{dir}/two.xyz"],
             message: "ambiguous reference energy: energy, REF_energy"),
        Case(name: "evaluate on only a model's energies", arguments: ["evaluate", "{dir}/none.json", "{dir}/mace.xyz"],
             message: "not guessed (model predictions or statistics): energy_mace"),
    ]

    @Test(arguments: cases)
    func exitsNonZeroNamingTheProblem(_ c: Case) throws {
        let dir = try SharedData.temporaryDirectory("bad-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("dir.xyz"), withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: dir.appendingPathComponent("empty.xyz").path, contents: Data())
        try "2\nProperties=species:S:1:pos:R:3 energy=-1.0 REF_energy=-1.1\nH 0 0 0\nH 0 0 0.74\n"
            .write(to: dir.appendingPathComponent("two.xyz"), atomically: true, encoding: .utf8)
        try "2\nProperties=species:S:1:pos:R:3:force_mace:R:3 energy_mace=-1.0\nH 0 0 0 0 0 1\nH 0 0 0.74 0 0 -1\n"
            .write(to: dir.appendingPathComponent("mace.xyz"), atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(c.arguments.map { $0.replacingOccurrences(of: "{dir}", with: dir.path) })
        #expect(result.status != 0)
        #expect(result.stderr.contains(c.message), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"), "\(result.stderr)")
    }

    /// `data inspect` keeps the level of theory the file records.
    @Test func inspectShowsTheRecordedLevel() throws {
        let result = try CLIRunner.run(["data", "inspect", SharedData.path("ani-hdf5/s66x8_wb97x6-31gd.h5")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wb97x/6-31g*") && !result.stdout.contains("unspecified"), "\(result.stdout)")
        let named = try CLIRunner.run(["data", "inspect", SharedData.path("ani-hdf5/s66x8_wb97x6-31gd.h5"), "--level", "ωB97x"])
        #expect(named.stdout.contains("ωB97x"), "\(named.stdout)")
    }
}

/// `evaluate` with the reader options of `data inspect`, and force metrics that do not depend
/// on the batch size or on one conformation without forces.
@Suite(.enabled(if: SharedData.isAvailable)) struct EvaluateReaderOptionsTests {
    /// 12 3BPA frames; in `holes.xyz` frame 4 has no forces.
    static func writeData(to dir: URL) throws {
        let lines = try String(contentsOfFile: SharedData.path("3bpa/train_300K.xyz"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).prefix(12 * 29).map(String.init)
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("small.xyz"), atomically: true, encoding: .utf8)
        var holes = lines
        let start = 4 * 29
        holes[start + 1] = holes[start + 1].replacingOccurrences(of: ":forces:R:3", with: "")
        for a in 0..<27 { holes[start + 2 + a] = holes[start + 2 + a].split(separator: " ").prefix(4).joined(separator: " ") }
        try (holes.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("holes.xyz"), atomically: true, encoding: .utf8)
    }

    @Test func optionsAndBatchSizeIndependence() throws {
        let dir = try SharedData.temporaryDirectory("cli-evaluate")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeData(to: dir)
        try """
            data: small.xyz
            isolated_atoms: \(SharedData.path("3bpa/iso_atoms.xyz"))
            split: {seed: 1, n_train: 9}
            model: {widths: [8], celu_alpha: 0.1}
            epochs: 1
            batch_size: 4
            checkpoint_dir: run
            """.write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let train = try CLIRunner.run(["train", dir.appendingPathComponent("train.yaml").path])
        try #require(train.status == 0, "\(train.stderr)")
        let model = dir.appendingPathComponent("run/model.json").path
        let holes = dir.appendingPathComponent("holes.xyz").path

        // Force errors over the 11 frames with forces, whatever the batch size.
        let runs = try [1, 3, 32].map { try CLIRunner.run(["evaluate", model, holes, "--batch-size", String($0)]) }
        for run in runs { #expect(run.status == 0, "\(run.stderr)") }
        #expect(runs[0].stdout.contains("12 conformations") && runs[0].stdout.contains("forces  MAE"), "\(runs[0].stdout)")
        #expect(runs[1].stdout == runs[0].stdout, "\(runs[1].stdout)\nvs\n\(runs[0].stdout)")
        #expect(runs[2].stdout == runs[0].stdout, "\(runs[2].stdout)\nvs\n\(runs[0].stdout)")

        // The reader options of `data inspect`.
        let small = dir.appendingPathComponent("small.xyz").path
        let eV = try CLIRunner.run(["evaluate", model, small])
        let meV = try CLIRunner.run(["evaluate", model, small, "--energy-unit", "meV", "--format", "extxyz"])
        #expect(eV.status == 0 && meV.status == 0, "\(eV.stderr) \(meV.stderr)")
        #expect(eV.stdout != meV.stdout)
        let mace = SharedData.path("solvents/mace02_md_100_xtb.xyz")
        let reference = try CLIRunner.run(["evaluate", model, mace])
        let keys = try CLIRunner.run(["evaluate", model, mace, "--energy-key", "energy_xtb", "--forces-key", "forces_xtb"])
        let other = try CLIRunner.run(["evaluate", model, mace, "--energy-key", "energy_mace", "--forces-key", "force_mace"])
        #expect(reference.status == 0 && keys.status == 0 && other.status == 0, "\(reference.stderr) \(keys.stderr) \(other.stderr)")
        #expect(reference.stdout == keys.stdout && reference.stdout.contains("forces  MAE"), "\(reference.stdout)")
        #expect(other.stdout != reference.stdout)
    }
}
