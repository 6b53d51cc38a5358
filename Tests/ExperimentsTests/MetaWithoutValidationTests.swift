import Foundation
import Testing
@testable import Experiments
import _TestSupport

/// Reptile on a pool without `validation_tasks`: there is no post-adaptation validation,
/// so nothing may report one — no "val loss 0" in the log, an empty validation column in
/// `curve.csv` and no validation loss in the pretraining summary (the latest parameters are
/// the ones kept).
@Suite(.serialized) struct MetaWithoutValidationTests {
    @Test func reptileWithoutValidationTasksReportsNoValidationLoss() throws {
        let dir = try SharedData.temporaryDirectory("experiment-meta-no-validation")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try ExperimentRunnerTests.write(dir, variants: """
              - {name: reptile, kind: reptile, iterations: 2, meta_batch_size: 2, inner: {steps: 1, batch_size: 4}, validate_every: 1}
            """, refit: "{n: [3], seeds: [0], epochs: 1, batch_size: 3}")
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "validation_tasks: [acac], ", with: "")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        var lines: [String] = []
        let runner = try ExperimentRunner(manifestPath: path, runDirectory: out.path)
        runner.log = { lines.append($0) }
        try runner.run()
        let progress = lines.filter { $0.hasPrefix("[reptile] iteration") }
        #expect(progress.count == 2)
        #expect(progress.allSatisfy { $0.contains("no validation tasks") && !$0.contains("val loss") && !$0.contains("nan") })
        let curve = try String(contentsOfFile: out.appendingPathComponent("pretrain/reptile/curve.csv").path, encoding: .utf8)
            .split(separator: "\n").dropFirst()
        #expect(curve.count == 2 && curve.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false)[1].isEmpty })
        let summary = try JSONDecoder().decode(PretrainingSummary.self,
                                               from: Data(contentsOf: out.appendingPathComponent("pretrain/reptile/summary.json")))
        #expect(summary.validationLoss == nil)
    }
}
