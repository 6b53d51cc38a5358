import Foundation
import Testing
import Chemistry
import Experiments
import Training
import _TestSupport

/// experiments/si-ge-transfer.yaml at the smallest scale: Si pretraining at PBE and at
/// Stillinger–Weber (relabelled at load time), Ge refits with `element_map: {Ge: Si}`, and
/// MD-only analysis of the periodic Ge cells.
@Suite(.serialized) struct ElementTransferStudyTests {
    @Test func shippedManifestIsValid() throws {
        let manifest = try ExperimentManifest.load(path: SharedData.packageRoot.appendingPathComponent("experiments/si-ge-transfer.yaml").path)
        #expect(manifest.refit.elementMap == ["Ge": "Si"] && manifest.analysis?.scans == [])
    }

    @Test func tinySiToGeStudyRuns() throws {
        let dir = try SharedData.temporaryDirectory("si-ge")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            suite: si-tiny
            data_root: \(SharedData.root.path)
            self_energies: least-squares
            sources:
              - {name: si@PBE, path: mlearn/Si/training.json, format: mlearn-json, level: PBE, max_conformations: 6}
              - {name: si@SW, path: mlearn/Si/training.json, format: mlearn-json, level: SW, relabel: sw-si, max_conformations: 6}
            """.write(to: dir.appendingPathComponent("si.yaml"), atomically: true, encoding: .utf8)
        let manifest = dir.appendingPathComponent("study.yaml").path
        try """
            experiment: si-ge-tiny
            data_root: \(SharedData.root.path)
            pretraining: {recipe: si.yaml}
            target: {data: mlearn/Ge/training.json, test: 2, validation: 2, split_seed: 0}
            model: {kind: ani, widths: [4]}
            loss: {energy_weight: 1, force_weight: 1}
            variants:
              - {name: si-sw, kind: single, task: si@SW, epochs: 1, batch_size: 6}
              - {name: scratch, kind: scratch}
            refit: {n: [3], seeds: [0], epochs: 1, batch_size: 3, element_map: {Ge: Si}, save_models: true}
            analysis: {scans: [], md: [{ensemble: nve, temperature: 300, steps: 3, dt: 1}]}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        var lines: [String] = []
        let runner = try ExperimentRunner(manifestPath: manifest, runDirectory: out.path)
        runner.log = { lines.append($0) }
        let results = try runner.run()
        #expect(results.count == 2 && results.allSatisfy { $0.test.forceRMSE.isFinite })
        #expect(lines.contains { $0.contains("model ani for Si Ge") }, "\(lines)")
        let md = try String(contentsOf: out.appendingPathComponent("analysis/md_metrics.csv"), encoding: .utf8)
        #expect(md.split(separator: "\n").count == 3, "\(md)")   // header + one row per variant
        // No scans: the scan table holds its header only.
        let scans = try String(contentsOf: out.appendingPathComponent("analysis/scans.csv"), encoding: .utf8)
        #expect(scans.split(separator: "\n").count == 1, "\(scans)")

        // A mistyped element is an error naming the key, before any work.
        try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "{Ge: Si}", with: "{Ge: Sx}")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect { try ExperimentRunner(manifestPath: manifest, runDirectory: out.path) } throws: { error in
            (error as? DataError)?.item == "refit.element_map"
        }
    }
}
