import Foundation
import Testing
import _TestSupport

@Suite struct ReportCommandTests {
    /// `report` reads the study kind from the run directory: an unfinished lifelong or
    /// transferability run is named as such, not as a refit run missing results.csv.
    @Test(arguments: ["lifelong", "transferability"])
    func everyStudyKindIsRecognised(kind: String) throws {
        let dir = try SharedData.temporaryDirectory("cli-report-\(kind)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("runs/\(kind)")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("experiments")
        try FileManager.default.copyItem(at: experiments.appendingPathComponent("\(kind == "lifelong" ? "lifelong-meuwly" : "solvents-transferability").yaml"),
                                         to: run.appendingPathComponent("manifest.yaml"))
        let result = try CLIRunner.run(["report", run.path, "--output-root", dir.appendingPathComponent("exports").path])
        #expect(result.status == 1 && result.stderr.contains("results.json") && result.stderr.contains("\(kind) run has not finished"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("results.csv"))
    }

    @Test func writesTheReportAndReportsBadTables() throws {
        let dir = try SharedData.temporaryDirectory("cli-report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("runs/tiny")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try "experiment: tiny-study\ndescription: Two variants.\n".write(to: run.appendingPathComponent("manifest.yaml"), atomically: true, encoding: .utf8)
        let results = """
            variant,n,seed,energy_rmse_meV,energy_mae_meV,energy_per_atom_rmse_meV,force_rmse_meV_per_A,force_mae_meV_per_A,epochs,seconds
            reptile,10,0,100,80,4,200,150,10,1
            reptile,100,0,50,40,2,90,70,10,1
            scratch,10,0,120,90,5,260,190,10,1
            scratch,100,0,60,45,2.5,95,75,10,1

            """
        try results.write(to: run.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)

        let ok = try CLIRunner.run(["report", "runs/tiny", "--output-root", "exports"], in: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
        let export = dir.appendingPathComponent("exports/tiny-study")
        for name in ["report.html", "report.ipynb", "summary.json", "data/results.csv", "data/manifest.yaml"] {
            #expect(FileManager.default.fileExists(atPath: export.appendingPathComponent(name).path), "\(name)")
        }
        #expect(ok.stdout.contains("report.html"), "\(ok.stdout)")

        // Default output root: notebooks-export in the current directory.
        let byDefault = try CLIRunner.run(["report", "runs/tiny"], in: dir)
        #expect(byDefault.status == 0, "\(byDefault.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("notebooks-export/tiny-study/report.html").path))

        try results.replacingOccurrences(of: "scratch,10,0,120", with: "scratch,10,0,abc")
            .write(to: run.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        let bad = try CLIRunner.run(["report", "runs/tiny"], in: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("results.csv: line 4, column energy_rmse_meV: 'abc' is not a number"), "\(bad.stderr)")

        let missing = try CLIRunner.run(["report", "runs/none"], in: dir)
        #expect(missing.status == 1 && missing.stderr.contains("runs/none"), "\(missing.stderr)")
    }
}
