import Foundation
import Testing
import _TestSupport

/// `metamlip train` and `refit` print each divergence event as a line and, when the retries
/// run out, exit 1 with the `TrainingDiverged` message and write no model.
@Suite struct DivergenceCommandTests {
    /// A directory with 12 3BPA conformations and a manifest training at `learningRate`.
    func setUp(_ name: String, learningRate: String, divergence: String) throws -> URL {
        let dir = try SharedData.temporaryDirectory(name)
        try SharedData.write3BPA(frames: 0..<12, to: dir)
        let manifest = """
            data: small.xyz
            isolated_atoms: \(SharedData.path("3bpa/iso_atoms.xyz"))
            split: {seed: 1, n_train: 9}
            model: {widths: [8], celu_alpha: 0.1}
            optimizer: {kind: adam, learning_rate: \(learningRate)}
            epochs: 2
            batch_size: 4
            checkpoint_dir: run
            checkpoint_every: 1
            divergence: \(divergence)
            """
        try manifest.write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func trainStopsWithTheMessageAndNoModel() throws {
        let dir = try setUp("cli-diverge", learningRate: "1.0e6", divergence: "{max_retries: 0}")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try CLIRunner.run(["train", dir.appendingPathComponent("train.yaml").path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: training diverged at epoch 1: ") && result.stderr.contains("1e+06"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/model.json").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/checkpoint.json").path))
    }

    @Test func trainPrintsEachRetryAndRecovers() throws {
        let dir = try setUp("cli-recover", learningRate: "1.0e6", divergence: "{max_retries: 2, learning_rate_factor: 1.0e-4}")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try CLIRunner.run(["train", dir.appendingPathComponent("train.yaml").path])
        #expect(result.status == 0, "\(result.stderr)")
        let events = result.stdout.split(separator: "\n").filter { $0.hasPrefix("divergence at epoch 1: ") }
        #expect(events.count == 2, "\(result.stdout)")
        #expect(events.first?.hasSuffix("retry 1 with learning rate 100 (was 1e+06)") == true, "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/model.json").path))

        try "data: small.xyz\nepochs: 1\ndivergence: {learning_rate_factor: 2}\n".write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try CLIRunner.run(["train", dir.appendingPathComponent("bad.yaml").path])
        #expect(bad.status == 1 && bad.stderr.contains("divergence.learning_rate_factor: must lie in (0, 1)"), "\(bad.stderr)")
    }

    @Test func refitPrintsTheRetriesThenStops() throws {
        let dir = try setUp("cli-refit-diverge", learningRate: "0.001", divergence: "{}")
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("refit.model.json").path
        let result = try CLIRunner.run(["refit", "scratch:ani", dir.appendingPathComponent("small.xyz").path, "--n", "4", "--isolated-atoms", SharedData.path("3bpa/iso_atoms.xyz"),
                                        "--validation", "4", "--epochs", "2", "--learning-rate", "1e6", "-o", output])
        #expect(result.status == 1)
        let events = result.stdout.split(separator: "\n").filter { $0.hasPrefix("divergence at epoch 1: ") }
        #expect(events.count == 3, "\(result.stdout)")
        #expect(result.stderr.hasPrefix("error: training diverged at epoch 1: "), "\(result.stderr)")
        #expect(result.stderr.contains("1e+06 (epoch 1), 100000 (epoch 1), 10000 (epoch 1), 1000 (epoch 1)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A refit that trains prints its validation errors: the first epoch and every k-th.
    @Test func refitReportsProgress() throws {
        let dir = try setUp("cli-refit-progress", learningRate: "0.001", divergence: "{}")
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("refit.model.json").path
        let result = try CLIRunner.run(["refit", "scratch:ani", dir.appendingPathComponent("small.xyz").path, "--n", "4",
                                        "--isolated-atoms", SharedData.path("3bpa/iso_atoms.xyz"), "--validation", "4",
                                        "--epochs", "4", "--progress-every", "2", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let epochs = result.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochs.count == 3 && epochs[0].hasPrefix("epoch    1  loss ") && epochs[2].hasPrefix("epoch    4 "), "\(result.stdout)")
        #expect(epochs.allSatisfy { $0.contains("meV/atom") && $0.contains("s left at most") })
    }
}
