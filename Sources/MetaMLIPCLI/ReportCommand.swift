import ArgumentParser
import Experiments
import Foundation
import Reports

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report, a Jupyter notebook and summary JSON for a finished run directory.",
        discussion: """
            Any study kind (refit, lifelong, transferability: read from RUN_DIR/manifest.yaml). \
            For a refit study it reads RUN_DIR (results.csv, manifest.yaml, pretrain/*/summary.json, failures.csv and analysis/*.csv when present) \
            and writes <output-root>/<experiment>/: report.html (self-contained), report.ipynb (reloads data/ with \
            pandas and redraws the figures with matplotlib), summary.json and data/ with copies of the tables.
            """)

    @Argument(help: "The run directory written by `metamlip run`, e.g. runs/quickstart.")
    var runDirectory: String
    @Option(help: "Export root; the report goes into its <experiment> subfolder.")
    var outputRoot = "notebooks-export"
    @Option(parsing: .upToNextOption, help: "N values the scan and MD figures show (default: the smallest and the largest).")
    var figureN: [Int] = []
    @Option(help: "Seed shown in scan and MD figures (default: each curve's smallest).")
    var figureSeed: Int?

    func run() throws {
        try MetaMLIP.reportingErrors {
            // The study kind from the run directory's manifest copy (a refit study without one).
            let directory = URL(fileURLWithPath: runDirectory)
            let copy = directory.appendingPathComponent("manifest.yaml").path
            let kind = FileManager.default.fileExists(atPath: copy) ? try StudyKind.of(manifestPath: copy) : .refit
            let root = URL(fileURLWithPath: outputRoot)
            switch kind {
            case .refit: break
            case .lifelong:
                let folder = try LifelongResults.load(from: directory)
                    .writeReport(root: root, runDirectory: directory, manifest: try LifelongManifest.load(path: copy))
                print("wrote \(folder.appendingPathComponent("report.html").path) and \(folder.appendingPathComponent("report.ipynb").path)")
                return
            case .transferability:
                let runner = try TransferabilityRunner(manifestPath: copy, runDirectory: runDirectory)
                let folder = try runner.writeReport(try TransferabilityResults.load(from: directory), root: root)
                print("wrote \(folder.appendingPathComponent("report.html").path) and \(folder.appendingPathComponent("report.ipynb").path)")
                return
            }
            let options = ReportOptions(figureSizes: figureN.isEmpty ? nil : figureN, figureSeed: figureSeed)
            let output = try ReportBuilder(runDirectory: URL(fileURLWithPath: runDirectory),
                                           outputDirectory: URL(fileURLWithPath: outputRoot), options: options).build()
            print("wrote \(output.html.path)")
            print("wrote \(output.notebook.path)")
            print("wrote \(output.summary.path) and \(output.dataFiles.count) file(s) in \(output.directory.appendingPathComponent("data").path)")
        }
    }
}
