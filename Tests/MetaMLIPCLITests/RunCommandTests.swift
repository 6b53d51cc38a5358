import Foundation
import Testing
import _TestSupport

/// `metamlip run` drives every study kind through one interface; a rerun with other settings
/// stops naming them, `--fresh` starts afresh, and the report is written at the end.
@Suite struct RunCommandTests {
    @Test func runsAStudyRefusesChangedSettingsAndStartsAfreshOnRequest() throws {
        let dir = try SharedData.temporaryDirectory("cli-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        func manifest(epochs: Int) throws -> String {
            let path = dir.appendingPathComponent("study.yaml").path
            try """
                experiment: cli-study
                data_root: \(SharedData.root.path)
                target: {data: 3bpa/train_300K.xyz, isolated_atoms: 3bpa/iso_atoms.xyz, test: 4, validation: 3}
                model: {kind: ani, widths: [4]}
                variants:
                  - {name: scratch, kind: scratch}
                refit: {n: [3], seeds: [0, 1], epochs: \(epochs), batch_size: 3, committee: true, save_models: true}
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let out = dir.appendingPathComponent("run").path, exports = dir.appendingPathComponent("exports").path
        let first = try CLIRunner.run(["run", try manifest(epochs: 1), "-o", out, "--report-root", exports])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("experiment cli-study → \(out)") && first.stdout.contains("report: "), "\(first.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("exports/cli-study/report.html").path))
        // Everything printed is in run.log too, timestamped.
        let log = try String(contentsOfFile: out + "/run.log", encoding: .utf8).split(separator: "\n")
        #expect(log.first?.contains(" metamlip ") == true && log.contains { $0.hasSuffix("experiment cli-study → \(out)") }, "\(log)")
        #expect(log.contains { $0.contains("report: ") } && log.allSatisfy { $0.prefix(4).allSatisfy(\.isNumber) && $0.contains("Z ") })

        let changed = try CLIRunner.run(["run", try manifest(epochs: 2), "-o", out, "--no-report"])
        #expect(changed.status == 1 && changed.stderr.contains("refit.epochs: 1 → 2") && changed.stderr.contains("--fresh"), "\(changed.stderr)")
        // The refused rerun is recorded in the run's log (it owns the directory), after the first run's lines.
        let after = try String(contentsOfFile: out + "/run.log", encoding: .utf8)
        #expect(after.contains("error: ") && after.hasPrefix(log.joined(separator: "\n")), "\(after)")
        let fresh = try CLIRunner.run(["run", try manifest(epochs: 2), "-o", out, "--no-report", "--fresh"])
        #expect(fresh.status == 0 && fresh.stdout.contains("moved to"), "\(fresh.stdout)\n\(fresh.stderr)")
    }
}
