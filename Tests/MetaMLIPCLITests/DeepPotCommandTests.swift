import Foundation
import Testing
import _TestSupport

/// DeepPot through the command line: `train` with `kind: deeppot` (environment statistics and
/// `sel: auto` resolved from the training set and stored in the model file), its manifest
/// checks, and `model import-deepmd` of the deepmd-kit parity fixture.
@Suite struct DeepPotCommandTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PotentialsTests/Fixtures/deepmd_se_e2_a.json")

    static func manifest(model: String) -> String {
        """
        data: small.xyz
        isolated_atoms: \(SharedData.path("3bpa/iso_atoms.xyz"))
        split: {seed: 1, n_train: 9}
        model: \(model)
        loss: {energy_weight: 1, force_weight: 1}
        optimizer: {kind: adam, learning_rate: 0.003}
        epochs: 2
        batch_size: 4
        checkpoint_dir: run
        """
    }

    @Test func trainsWithAutomaticSelAndStoresTheStatistics() throws {
        let dir = try SharedData.temporaryDirectory("cli-deeppot")
        defer { try? FileManager.default.removeItem(at: dir) }
        try SharedData.write3BPA(frames: 0..<12, to: dir)
        let path = dir.appendingPathComponent("train.yaml").path
        try Self.manifest(model: "{kind: deeppot, rcut: 5.0, rcut_smth: 1.0, neuron: [4, 8], axis_neuron: 2, fitting_neuron: [8]}")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let train = try CLIRunner.run(["train", path])
        #expect(train.status == 0, "\(train.stderr)")
        let modelPath = dir.appendingPathComponent("run/model.json").path
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: modelPath))) as? [String: Any])
        let architecture = try #require(json["architecture"] as? [String: Any])
        #expect(architecture["kind"] as? String == "deeppot")
        let sel = try #require(architecture["sel"] as? [Int])
        #expect(sel.count == 4 && sel.allSatisfy { $0 % 4 == 0 && $0 > 0 }, "\(sel)")   // deepmd-kit rounds up to a multiple of 4
        let davg = try #require(architecture["davg"] as? [[Double]])
        #expect(davg.allSatisfy { $0[0] > 0 }, "\(davg)")
        let evaluate = try CLIRunner.run(["evaluate", modelPath, dir.appendingPathComponent("small.xyz").path])
        #expect(evaluate.status == 0 && evaluate.stdout.contains("forces  MAE"), "\(evaluate.stderr)")
    }

    @Test func manifestErrorsNameTheKey() throws {
        let dir = try SharedData.temporaryDirectory("cli-deeppot-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        try SharedData.write3BPA(frames: 0..<12, to: dir)
        let cases = [
            ("{kind: deeppot, sel: {H: 2, C: 12, N: 2, O: 1}, neuron: [4]}", "model.sel: sel.H = 2 but atom"),
            ("{kind: deeppot, sel: everything}", "sel must be auto"),
            ("{kind: deeppot, axis_nueron: 2}", "unknown key 'axis_nueron'"),
            ("{kind: deeppot, neuron: [4, 8], axis_neuron: 16}", "model.axis_neuron: must lie in 1…8"),
            ("{kind: hipnn, rcut_smth: 1}", "model.rcut_smth: does not apply to model kind hipnn"),
        ]
        for (k, (model, message)) in cases.enumerated() {
            let path = dir.appendingPathComponent("m\(k).yaml").path
            try Self.manifest(model: model).write(toFile: path, atomically: true, encoding: .utf8)
            let result = try CLIRunner.run(["train", path])
            #expect(result.status == 1 && result.stderr.contains(message), "\(model): \(result.stderr)")
        }
    }

    @Test func importsADeepMDKitModel() throws {
        let dir = try SharedData.temporaryDirectory("cli-import-deepmd")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The fixture's first model, as deepmd-kit's dictionary in a file of its own.
        let fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any])
        let model = try #require((fixture["models"] as? [[String: Any]])?.first?["model"])
        let input = dir.appendingPathComponent("dp.json")
        try JSONSerialization.data(withJSONObject: ["model": model, "backend": "PyTorch"]).write(to: input)
        let output = dir.appendingPathComponent("imported.json").path
        let result = try CLIRunner.run(["model", "import-deepmd", input.path, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("types H C N O, rcut 5.0 Å, sel [12, 12, 3, 2]"), "\(result.stdout)")
        // The YAML route (`dp convert-backend MODEL.pth MODEL.yaml`); JSON is YAML's flow style.
        let yaml = dir.appendingPathComponent("dp.yaml")
        try FileManager.default.copyItem(at: input, to: yaml)
        let fromYAML = try CLIRunner.run(["model", "import-deepmd", yaml.path, "-o", dir.appendingPathComponent("y.json").path])
        #expect(fromYAML.status == 0 && fromYAML.stdout.contains("sel [12, 12, 3, 2]"), "\(fromYAML.stderr)")
        try SharedData.write3BPA(frames: 0..<3, to: dir)
        let predict = try CLIRunner.run(["evaluate", output, dir.appendingPathComponent("small.xyz").path])
        #expect(predict.status == 0, "\(predict.stderr)")
        let bad = try CLIRunner.run(["model", "import-deepmd", dir.appendingPathComponent("small.xyz").path, "-o", output])
        #expect(bad.status == 1 && bad.stderr.contains("small.xyz: not JSON"), "\(bad.stderr)")
    }
}
