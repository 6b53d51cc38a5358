import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
import Training
import _TestSupport

/// No model file or checkpoint holds a non-finite value: saving refuses one with a
/// `DataError` naming the file and the parameter, loading one names them too.
@Suite struct NonFiniteFileTests {
    /// The small 3BPA potential's parameters with `value` at `index` of the third tensor.
    func parameters(with value: Float, at index: Int) -> (ParameterSet<Float>, name: String) {
        var p = ThreeBPA.smallPotential().initialParameters(seed: 0)
        let name = p.names[2]
        var v = p[name].scalars
        v[index] = value
        p[name] = Tensor(shape: p[name].shape, scalars: v)
        return (p, name)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func savingANonFiniteParameterNamesFileAndParameter(value: Float) throws {
        let dir = try SharedData.temporaryDirectory("nonfinite-save")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (p, name) = parameters(with: value, at: 5)
        let path = dir.appendingPathComponent("bad.model.json").path
        let error = try #require(throws: DataError.self) {
            try ModelFile(potential: ThreeBPA.smallPotential(), parameters: p).save(to: path)
        }
        #expect(error.file == path && error.item == "parameters.\(name)")
        #expect(error.reason.contains("\(value)") && error.reason.contains("index 5"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func checkpointsRefuseNonFiniteValuesAndKeepAFreshOne() throws {
        let dir = try SharedData.temporaryDirectory("nonfinite-checkpoint")
        defer { try? FileManager.default.removeItem(at: dir) }
        let confs = Array(ThreeBPA.conformations.prefix(4))
        let path = dir.appendingPathComponent("checkpoint.json").path
        // A checkpoint before any epoch (best validation loss +∞) is written and read back.
        let trainer = try Trainer(potential: ThreeBPA.smallPotential(), training: Array(confs.prefix(3)), validation: Array(confs.suffix(1)),
                                  configuration: TrainerConfiguration(epochs: 0, checkpointPath: path))
        try trainer.train()
        let fresh = try TrainingCheckpoint.load(path: path)
        #expect(fresh.bestValidationLoss == .infinity && fresh.epoch == 0)
        _ = try Trainer.resume(from: path, training: Array(confs.prefix(3)), validation: Array(confs.suffix(1)))

        let (p, name) = parameters(with: .nan, at: 0)
        var bad = trainer.checkpoint()
        bad.bestParameters = ModelFile.store(p)
        let other = dir.appendingPathComponent("bad.json").path
        let error = try #require(throws: DataError.self) { try bad.save(to: other) }
        #expect(error.file == other && error.item == "bestParameters.\(name)")
        // Any other non-finite value: a DataError with its key path, never a raw EncodingError.
        var late = trainer.checkpoint()
        late.elapsedSeconds = .nan
        let encoding = try #require(throws: DataError.self) { try late.save(to: other) }
        #expect(encoding.file == other && encoding.item == "elapsedSeconds")
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    /// A model JSON whose value overflows Float (1e39), or holds the string "nan" (a writer
    /// with a lenient non-conforming-float strategy): loading names the file and the parameter.
    @Test func loadingANonFiniteValueNamesFileAndParameter() throws {
        let dir = try SharedData.temporaryDirectory("nonfinite-load")
        defer { try? FileManager.default.removeItem(at: dir) }
        let potential = ThreeBPA.smallPotential()
        let path = dir.appendingPathComponent("m.model.json").path
        try ModelFile(potential: potential, parameters: potential.initialParameters(seed: 0)).save(to: path)
        #expect(throws: Never.self) { try ModelFile.load(path: path) }
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var tensors = try #require(original["parameters"] as? [[String: Any]])
        let name = try #require(tensors[1]["name"] as? String)

        for (bad, says) in [(1e39 as Any, "1e+39"), ("nan" as Any, "'nan'")] {
            var values = try #require(tensors[1]["values"] as? [Any])
            values[3] = bad
            tensors[1]["values"] = values
            var json = original
            json["parameters"] = tensors
            try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: DataError.self) { try ModelFile.load(path: path) }
            #expect(error.file == path && error.item == "parameters.\(name).values.[3]", "\(error)")
            #expect(error.reason.contains(says) && error.reason.contains("non-finite"), "\(error)")
            tensors = try #require(original["parameters"] as? [[String: Any]])
        }
    }
}
