import Foundation
import Testing
import _TestSupport

/// `train --resume` continues only the run its checkpoint directory was made by: other
/// widths or other data stop before any training, naming what differs; more epochs are fine.
@Suite struct TrainResumeTests {
    @Test func resumeRefusesOtherSettingsAndDataButTakesMoreEpochs() throws {
        let dir = try SharedData.temporaryDirectory("cli-train-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        try SharedData.write3BPA(frames: 0..<12, to: dir)
        // Other data of the same size: the next 12 conformations.
        try SharedData.write3BPA(frames: 12..<24, to: dir, name: "other.xyz")
        func manifest(data: String = "small.xyz", widths: String = "[8]", epochs: Int = 2) throws -> String {
            let path = dir.appendingPathComponent("train.yaml").path
            try """
                data: \(data)
                isolated_atoms: \(SharedData.path("3bpa/iso_atoms.xyz"))
                split: {seed: 1, n_train: 9}
                model: {widths: \(widths)}
                epochs: \(epochs)
                batch_size: 4
                checkpoint_dir: run
                checkpoint_every: 1
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let first = try CLIRunner.run(["train", try manifest()])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/fingerprint.json").path))

        let wider = try CLIRunner.run(["train", try manifest(widths: "[16]"), "--resume"])
        #expect(wider.status == 1 && wider.stderr.contains("model.widths: [8] → [16]") && !wider.stdout.contains("epoch"), "\(wider.stderr)")
        let other = try CLIRunner.run(["train", try manifest(data: "other.xyz"), "--resume"])
        #expect(other.status == 1 && other.stderr.contains("data: \"small.xyz\" → \"other.xyz\""), "\(other.stderr)")
        #expect(other.stderr.contains("data file data other.xyz: absent → size:"), "\(other.stderr)")

        let longer = try CLIRunner.run(["train", try manifest(epochs: 3), "--resume"])
        #expect(longer.status == 0 && longer.stdout.contains("epoch    3") && !longer.stdout.contains("epoch    1 "), "\(longer.stdout)\n\(longer.stderr)")

        // A fresh run with other widths: refused without --fresh, run aside with it.
        let refused = try CLIRunner.run(["train", try manifest(widths: "[16]")])
        #expect(refused.status == 1 && refused.stderr.contains("--fresh"), "\(refused.stderr)")
        let fresh = try CLIRunner.run(["train", try manifest(widths: "[16]"), "--fresh"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix("run.replaced-") })

        // A model evaluated on data read in the wrong unit: the error is orders above the one it
        // was saved with, and evaluate says so.
        let model = dir.appendingPathComponent("run/model.json").path
        let right = try CLIRunner.run(["evaluate", model, dir.appendingPathComponent("small.xyz").path])
        #expect(right.status == 0 && !right.stdout.contains("warning") && !right.stderr.contains("warning"), "\(right.stdout)")
        // Warnings go to stderr (and survive --quiet); the errors asked for stay on stdout.
        let hartree = try CLIRunner.run(["evaluate", model, dir.appendingPathComponent("small.xyz").path, "--energy-unit", "Ha", "--quiet"])
        #expect(hartree.status == 0 && hartree.stderr.contains("warning: the energy error here") && hartree.stderr.contains("--energy-unit"),
                "\(hartree.stderr)")
        #expect(hartree.stdout.contains("energy  MAE") && !hartree.stdout.contains("warning"), "\(hartree.stdout)")

        // A file of several levels of theory is not flattened into one training set.
        let multi = dir.appendingPathComponent("multi.yaml").path
        try "data: \(SharedData.path("ani-hdf5/ani1_n5.hdf5"))\nepochs: 1\n".write(toFile: multi, atomically: true, encoding: .utf8)
        let flattened = try CLIRunner.run(["train", multi])
        #expect(flattened.status == 1 && flattened.stderr.contains("tasks") && flattened.stderr.contains("levels of theory"), "\(flattened.stderr)")

        // An output folder that does not exist stops the command before training.
        let nowhere = try CLIRunner.run(["train", try manifest(widths: "[16]"), "-o", dir.appendingPathComponent("missing/model.json").path])
        #expect(nowhere.status == 1 && nowhere.stderr.contains("does not exist") && !nowhere.stdout.contains("epoch"), "\(nowhere.stderr)")
    }
}
