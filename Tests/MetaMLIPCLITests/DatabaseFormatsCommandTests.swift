import Foundation
import Testing
import _TestSupport

/// ASE `.db` files and DeePMD-kit systems through the commands: `train` from a manifest whose
/// `data:` is a DeePMD system directory, `evaluate` and `predict` on the same frames as an ASE
/// database, `data inspect` of both, and bad input named.
@Suite struct DatabaseFormatsCommandTests {
    /// 12 3BPA frames as `small.db` (ASE's own writer) and `small_system/` (deepmd/npy by NumPy).
    static let script = #"""
import sys
from pathlib import Path
import numpy as np
from ase.db import connect
from ase.io import read

xyz, out = sys.argv[1], Path(sys.argv[2])
frames = read(xyz, index=":")
with connect(out / "small.db") as db:
    for atoms in frames:
        db.write(atoms)
with connect(out / "unlabelled.db") as db:
    db.write(frames[0])
    bare = frames[1].copy()  # no calculator: no energy
    db.write(bare)
system = out / "small_system"
(system / "set.000").mkdir(parents=True)
names = sorted(set(frames[0].get_chemical_symbols()))
(system / "type_map.raw").write_text("\n".join(names) + "\n")
(system / "type.raw").write_text("\n".join(str(names.index(s)) for s in frames[0].get_chemical_symbols()) + "\n")
(system / "nopbc").write_text("")
np.save(system / "set.000" / "coord.npy", np.array([a.positions.reshape(-1) for a in frames]))
np.save(system / "set.000" / "energy.npy", np.array([a.get_potential_energy() for a in frames]))
np.save(system / "set.000" / "force.npy", np.array([a.get_forces().reshape(-1) for a in frames]))
"""#

    @Test func trainEvaluatePredictAndInspect() throws {
        let python = try #require(PythonInterpreter.importing("ase, numpy"), "no python3 with ase and numpy (scripts/setup.sh installs python3-ase)")
        try #require(SharedData.isAvailable, "needs ../shared/datasets (3BPA)")
        let dir = try SharedData.temporaryDirectory("cli-db-deepmd")
        defer { try? FileManager.default.removeItem(at: dir) }
        let xyz = try SharedData.write3BPA(frames: 0..<12, to: dir)
        let made = try PythonInterpreter.run(python, ["-c", Self.script, xyz.path, dir.path])
        try #require(made.status == 0, "\(made.output)")
        let manifest = """
            data: small_system
            isolated_atoms: \(SharedData.path("3bpa/iso_atoms.xyz"))
            split: {seed: 1, n_train: 9}
            model: {widths: [8], celu_alpha: 0.1}
            loss: {energy_weight: 1, force_weight: 1}
            optimizer: {kind: adam, learning_rate: 0.003}
            epochs: 1
            batch_size: 4
            checkpoint_dir: run
            """
        try manifest.write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let train = try CLIRunner.run(["train", dir.appendingPathComponent("train.yaml").path])
        #expect(train.status == 0, "\(train.stderr)")
        let model = dir.appendingPathComponent("run/model.json").path

        let db = dir.appendingPathComponent("small.db").path, system = dir.appendingPathComponent("small_system").path
        let fromDB = try CLIRunner.run(["evaluate", model, db])
        let fromSystem = try CLIRunner.run(["evaluate", model, system, "--format", "deepmd"])
        let fromXYZ = try CLIRunner.run(["evaluate", model, xyz.path])
        #expect(fromDB.status == 0 && fromSystem.status == 0 && fromXYZ.status == 0, "\(fromDB.stderr)\(fromSystem.stderr)")
        // The same frames in three formats give the same errors (the first line names the file).
        func body(_ text: String) -> String { text.split(separator: "\n").dropFirst().joined(separator: "\n") }
        #expect(fromDB.stdout.contains("12 conformations") && body(fromDB.stdout) == body(fromXYZ.stdout), "\(fromDB.stdout)\n\(fromXYZ.stdout)")
        #expect(body(fromSystem.stdout) == body(fromXYZ.stdout), "\(fromSystem.stdout)")

        let predicted = dir.appendingPathComponent("predicted.xyz").path
        let predict = try CLIRunner.run(["predict", model, db, "-o", predicted])
        #expect(predict.status == 0 && FileManager.default.fileExists(atPath: predicted), "\(predict.stderr)")

        let inspect = try CLIRunner.run(["data", "inspect", system])
        #expect(inspect.status == 0 && inspect.stdout.contains("small_system"), "\(inspect.stderr)")
        let row = inspect.stdout.split(separator: "\n").first { $0.hasPrefix("small_system") }
        #expect(row?.contains("12      12") == true, "\(inspect.stdout)")

        let unlabelled = try CLIRunner.run(["data", "inspect", dir.appendingPathComponent("unlabelled.db").path])
        #expect(unlabelled.status == 1 && unlabelled.stderr.contains("unlabelled.db: row id=2: no energy"), "\(unlabelled.stderr)")
        let wrongFormat = try CLIRunner.run(["data", "inspect", xyz.path, "--format", "db"])
        #expect(wrongFormat.status == 1 && wrongFormat.stderr.contains("not an SQLite database"), "\(wrongFormat.stderr)")
        let fileAsSystem = try CLIRunner.run(["data", "inspect", db, "--format", "deepmd"])
        #expect(fileAsSystem.status == 1 && fileAsSystem.stderr.contains("is a file; a DeePMD-kit system is a directory"), "\(fileAsSystem.stderr)")
    }
}
