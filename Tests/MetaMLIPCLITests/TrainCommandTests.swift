import Foundation
import Testing
import _TestSupport

@Suite struct TrainCommandTests {
    @Test func trainsFromAManifestAndEvaluatesTheModel() throws {
        let dir = try SharedData.temporaryDirectory("cli-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A small extxyz with 12 3BPA conformations.
        try SharedData.write3BPA(frames: 0..<12, to: dir)
        let manifest = """
            data: small.xyz
            isolated_atoms: \(SharedData.path("3bpa/iso_atoms.xyz"))
            split: {seed: 1, n_train: 9}
            model: {widths: [8], celu_alpha: 0.1}
            loss: {energy_weight: 1, force_weight: 1}
            optimizer: {kind: adam, learning_rate: 0.003}
            epochs: 2
            batch_size: 4
            checkpoint_dir: run
            checkpoint_every: 1
            """
        try manifest.write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let train = try CLIRunner.run(["train", dir.appendingPathComponent("train.yaml").path])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("epoch    2"), "\(train.stdout)")
        let model = dir.appendingPathComponent("run/model.json").path
        #expect(FileManager.default.fileExists(atPath: model))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/checkpoint.json").path))

        let eval = try CLIRunner.run(["evaluate", model, dir.appendingPathComponent("small.xyz").path])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("12 conformations") && eval.stdout.contains("forces  MAE"), "\(eval.stdout)")
        // A committee of the model with itself predicts what the model does.
        let twice = try CLIRunner.run(["evaluate", model, dir.appendingPathComponent("small.xyz").path, "--with", model])
        #expect(twice.status == 0, "\(twice.stderr)")
        let blocks = twice.stdout.components(separatedBy: "committee of 2 models (mean prediction):\n")
        #expect(blocks.count == 2 && blocks[1] == eval.stdout.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n",
                "\(twice.stdout)")
        let missing = try CLIRunner.run(["evaluate", model, dir.appendingPathComponent("small.xyz").path, "--with", "nope.json"])
        #expect(missing.status == 1 && missing.stderr.contains("nope.json"), "\(missing.stderr)")

        try "data: small.xyz\nepochs: 1\noptimizer: {kind: sgdx}\n".write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try CLIRunner.run(["train", dir.appendingPathComponent("bad.yaml").path])
        #expect(bad.status == 1 && bad.stderr.contains("unknown optimizer"), "\(bad.stderr)")
    }
}

/// `--threads` changes how a step is shared, never its numbers: OpenBLAS runs one thread per
/// worker, as its own threads split a product differently (the ethanol ANI of
/// model-kinds/ethanol-ani.yaml trained to different last bits with `--threads 1` and 2 before).
@Suite struct TrainThreadCountTests {
    @Test func oneAndTwoThreadsTrainTheSameModel() throws {
        let dir = try SharedData.temporaryDirectory("cli-threads")
        defer { try? FileManager.default.removeItem(at: dir) }
        func train(threads: Int) throws -> [String: Any] {
            let manifest = """
                data: \(SharedData.path("ethanol/botnet_pbe_def2svp_train.xyz"))
                isolated_atoms: \(SharedData.path("ethanol/botnet_isolated_atoms.xyz"))
                split: {seed: 0, n_train: 64}
                model: {kind: ani, widths: [96, 64]}
                epochs: 2
                batch_size: 32
                checkpoint_dir: run\(threads)
                """
            let path = dir.appendingPathComponent("t\(threads).yaml")
            try manifest.write(to: path, atomically: true, encoding: .utf8)
            let run = try CLIRunner.run(["train", path.path, "--threads", "\(threads)", "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
            let model = try Data(contentsOf: dir.appendingPathComponent("run\(threads)/model.json"))
            return try #require(try JSONSerialization.jsonObject(with: model) as? [String: Any])
        }
        let one = try train(threads: 1), two = try train(threads: 2)
        let a = try #require(one["parameters"] as? [[String: Any]]), b = try #require(two["parameters"] as? [[String: Any]])
        #expect(a.count == b.count && !a.isEmpty)
        for (x, y) in zip(a, b) {
            let same = NSDictionary(dictionary: x).isEqual(to: y)   // a Bool, so a failure prints no arrays
            #expect(same, "parameter \(x["name"] ?? "?") differs between 1 and 2 threads")
        }
    }
}

@Suite struct TrainManifestStrictnessTests {
    @Test func unknownAndMisspelledKeysAreErrors() throws {
        let dir = try SharedData.temporaryDirectory()
        let cases = [
            ("data: 3bpa/train_300K.xyz\nepochs: 1\nbach_size: 4\n", "unknown key 'bach_size'"),
            ("data: 3bpa/train_300K.xyz\nepoch: 1\n", "unknown key 'epoch' (did you mean 'epochs'?)"),
            ("data: 3bpa/train_300K.xyz\nepochs: 1\nloss: {energy_wieght: 2}\n", "loss: unknown key 'energy_wieght'"),
            ("data: 3bpa/train_300K.xyz\nepochs: 1\ngradient_clip: 0\n", "gradient_clip: must be a finite number > 0"),
            ("data: 3bpa/train_300K.xyz\nepochs: 1\ngradient_clip: .nan\n", "gradient_clip: must be a finite number > 0"),
        ]
        for (i, (text, message)) in cases.enumerated() {
            let path = dir.appendingPathComponent("m\(i).yaml")
            try text.write(to: path, atomically: true, encoding: .utf8)
            let result = try CLIRunner.run(["train", path.path])
            #expect(result.status == 1)
            #expect(result.stderr.contains("m\(i).yaml: \(message)"), "\(result.stderr)")
        }
    }
}

@Suite struct RefitCommandTests {
    /// `refit --element-map` is parsed and checked against the model before any training, with
    /// errors that name the flag (the mapping itself is tested with `RefitPlan` in TrainingTests).
    @Test func refitsWithAnElementMapAndNamesABadOne() throws {
        let dir = try SharedData.temporaryDirectory("cli-refit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = """
            data: \(SharedData.path("mlearn/Si/training.json"))
            split: {seed: 0, n_train: 6}
            model: {kind: ani, widths: [8]}
            loss: {energy_weight: 1, force_weight: 1}
            epochs: 1
            batch_size: 4
            checkpoint_dir: si
            """
        try manifest.write(to: dir.appendingPathComponent("si.yaml"), atomically: true, encoding: .utf8)
        let train = try CLIRunner.run(["train", dir.appendingPathComponent("si.yaml").path])
        #expect(train.status == 0, "\(train.stderr)")
        let model = dir.appendingPathComponent("si/model.json").path
        // The split is recorded beside the model: 6 to train, the rest of the file to validate.
        let split = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("si/split.json"))) as? [String: Any])
        let trainIndices = try #require(split["train"] as? [Int]), validation = try #require(split["validation"] as? [Int])
        #expect(trainIndices.count == 6 && (split["test"] as? [Int]) == [])
        #expect(Set(trainIndices).isDisjoint(with: validation) && (trainIndices + validation).sorted() == Array(0..<(trainIndices.count + validation.count)))
        #expect((split["data"] as? String)?.hasSuffix("mlearn/Si/training.json") == true)
        let ge = SharedData.path("mlearn/Ge/training.json")
        // The Si-only model has no Ge network to initialise: the error names the flag.
        let missing = try CLIRunner.run(["refit", model, ge, "--n", "3", "--epochs", "1", "--element-map", "Ge:Si",
                                         "-o", dir.appendingPathComponent("ge.model.json").path])
        #expect(missing.status == 1 && missing.stderr.contains("--element-map"), "\(missing.stderr)")
        let bad = try CLIRunner.run(["refit", model, ge, "--n", "3", "--element-map", "Ge-Si"])
        #expect(bad.status == 1 && bad.stderr.contains("--element-map Ge-Si"), "\(bad.stderr)")
    }
}
