// One call from a run directory to an export folder: report.html, report.ipynb, summary.json
// and data/ with the tables the notebook reads.

import Chemistry
import Foundation

/// Writes a run's report into `<outputDirectory>/<experiment>/`:
///
///     report.html        self-contained page (inline CSS and SVG)
///     report.ipynb       notebook that reloads data/ and redraws the figures
///     summary.json       the report's tables, machine-readable
///     data/results.csv, data/summary.csv, data/committees.csv, data/failures.csv, data/<analysis csv>…, data/pretrain/<variant>.json, data/manifest.yaml
///     data/test_predictions.csv, test_forces.csv, pretrain_curves.csv, refit_curves.csv  (unit records combined; Report+UnitExports.swift)
///
/// `data/` is replaced on every build, so it holds exactly what this run has.
///
///     try ReportBuilder(runDirectory: URL(fileURLWithPath: "runs/quickstart")).build()
public struct ReportBuilder: Sendable {
    public var runDirectory: URL
    /// The export root; the files go into its `<experiment>` subfolder.
    public var outputDirectory: URL
    public var options: ReportOptions

    /// `notebooks-export` in the current directory.
    public static var defaultOutputDirectory: URL {
        URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("notebooks-export")
    }

    public init(runDirectory: URL, outputDirectory: URL? = nil, options: ReportOptions = ReportOptions()) {
        self.runDirectory = runDirectory
        self.outputDirectory = outputDirectory ?? ReportBuilder.defaultOutputDirectory
        self.options = options
    }

    /// What ``build()`` wrote.
    public struct Output: Sendable {
        /// `<outputDirectory>/<experiment>`.
        public var directory: URL
        public var html: URL
        public var notebook: URL
        public var summary: URL
        /// Paths of the copied files, relative to `directory` (e.g. `data/results.csv`).
        public var dataFiles: [String]
    }

    /// Reads the run directory and writes the export. Throws a `DataError` for a missing
    /// results.csv or a malformed table, naming the file and the line.
    @discardableResult
    public func build() throws -> Output {
        // Per-atom test forces are the large files: read only those of the refits the figures show.
        let sizes = try RunData.load(from: runDirectory, loadForces: { _, _, _ in false })
        let report0 = Report(data: sizes, options: options)
        let shown = Set(report0.paritySizes.flatMap { n in report0.figureTestSets(n: n).map { "\($0.variant)/\(n)/\($0.seed)" } })
        let data = try RunData.load(from: runDirectory, loadForces: { shown.contains("\($0)/\($1)/\($2)") })
        let report = Report(data: data, options: options)
        let directory = outputDirectory.appendingPathComponent(ReportBuilder.folderName(data.experiment))
        let dataDirectory = directory.appendingPathComponent("data")
        let fm = FileManager.default
        try ReportBuilder.prepareExportFolder(directory, data: dataDirectory)

        var copied: [String] = []
        var files = Report.ExportedFiles()
        func copy(_ relative: String, to name: String) throws {
            let source = runDirectory.appendingPathComponent(relative)
            let target = dataDirectory.appendingPathComponent(name)
            do {
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contentsOf: source).write(to: target, options: .atomic)
            } catch {
                throw DataError(file: source.path, "cannot be copied to \(target.path) (\(error.localizedDescription))")
            }
            copied.append("data/\(name)")
        }
        func exists(_ relative: String) -> Bool { fm.fileExists(atPath: runDirectory.appendingPathComponent(relative).path) }

        try copy("results.csv", to: "results.csv")
        if exists("summary.csv") { try copy("summary.csv", to: "summary.csv"); files.summary = true }
        if data.committees != nil { try copy("committees.csv", to: "committees.csv"); files.committees = true }
        if data.comparisons != nil { try copy("comparisons.csv", to: "comparisons.csv") }
        if data.failures != nil { try copy("failures.csv", to: "failures.csv"); files.failures = true }
        if exists("manifest.yaml") { try copy("manifest.yaml", to: "manifest.yaml"); files.manifest = true }
        let analysis = runDirectory.appendingPathComponent("analysis")
        let analysisFiles = fm.fileExists(atPath: analysis.path)
            ? try fm.contentsOfDirectory(atPath: analysis.path).filter { $0.hasSuffix(".csv") }.sorted() : []
        for name in analysisFiles where name != "results.csv" && name != "summary.csv" {
            try copy("analysis/\(name)", to: name)
        }
        files.scans = data.scans != nil
        files.scanMetrics = data.scanMetrics != nil
        files.md = data.md != nil
        files.mdMetrics = data.mdMetrics != nil
        files.torsionMaps = data.torsionMaps != nil && data.torsionMapMetrics != nil
        for p in data.pretraining { try copy(p.file, to: "pretrain/\(ReportBuilder.folderName(p.variant)).json") }
        files.pretraining = !data.pretraining.isEmpty
        for (name, text) in report.unitDataFiles() {
            try write(Data(text.utf8), to: dataDirectory.appendingPathComponent(name))
            copied.append("data/\(name)")
        }
        files.testPredictions = copied.contains("data/test_predictions.csv")
        files.testForces = copied.contains("data/test_forces.csv")
        files.pretrainCurves = copied.contains("data/pretrain_curves.csv")
        files.refitCurves = copied.contains("data/refit_curves.csv")

        let output = Output(directory: directory, html: directory.appendingPathComponent("report.html"),
                            notebook: directory.appendingPathComponent("report.ipynb"),
                            summary: directory.appendingPathComponent("summary.json"), dataFiles: copied)
        try write(Data(report.html().utf8), to: output.html)
        try write(report.notebook(files: files), to: output.notebook)
        try write(report.summaryJSON(dataFiles: copied), to: output.summary)
        return output
    }

    /// Creates `directory` and an empty `data` folder in it (an old one is removed).
    static func prepareExportFolder(_ directory: URL, data dataDirectory: URL) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            if fm.fileExists(atPath: dataDirectory.path) { try fm.removeItem(at: dataDirectory) }
            try fm.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: directory.path, "cannot prepare the export folder (\(error.localizedDescription))")
        }
    }

    func write(_ data: Data, to url: URL) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw DataError(file: url.path, "cannot be written (\(error.localizedDescription))")
        }
    }

    /// A name safe as one path component: letters, digits, `-`, `_`, `.`; anything else becomes `_`.
    static func folderName(_ name: String) -> String {
        let safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
        return safe.isEmpty || safe.allSatisfy({ $0 == "." }) ? "run" : safe
    }
}

// MARK: summary.json

extension Report {
    struct Summary: Encodable {
        struct Best: Encodable { var n: Int; var metric: String; var variant: String }
        struct Pretraining: Encodable {
            var variant: String, kind: String?, tasks: [String], conformations: Int?, steps: Int?
            var seconds: Double?, validationLoss: Double?
        }
        var experiment: String
        var description: String?
        var runDirectory: String
        var generated: String
        var variants: [String]
        var trainingSizes: [Int]
        var atomsPerMolecule: Int?
        var learningCurves: [LearningCurveCell]
        var best: [Best]
        var committees: [CommitteeRecord]?
        var failures: [FailureRecord]?
        var smoothness: [SmoothnessRow]?
        var mdStability: [MDStabilityRow]?
        var pretraining: [Pretraining]
        var dataFiles: [String]

        enum CodingKeys: String, CodingKey {
            case experiment, description, runDirectory, generated, variants, trainingSizes, atomsPerMolecule
            case learningCurves, best, committees, failures, smoothness, mdStability, pretraining, dataFiles
        }

        /// Absent values are written as null, so a reader sees "not available" rather than a missing key.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(experiment, forKey: .experiment)
            try c.encode(description, forKey: .description)
            try c.encode(runDirectory, forKey: .runDirectory)
            try c.encode(generated, forKey: .generated)
            try c.encode(variants, forKey: .variants)
            try c.encode(trainingSizes, forKey: .trainingSizes)
            try c.encode(atomsPerMolecule, forKey: .atomsPerMolecule)
            try c.encode(learningCurves, forKey: .learningCurves)
            try c.encode(best, forKey: .best)
            try c.encode(committees, forKey: .committees)
            try c.encode(failures, forKey: .failures)
            try c.encode(smoothness, forKey: .smoothness)
            try c.encode(mdStability, forKey: .mdStability)
            try c.encode(pretraining, forKey: .pretraining)
            try c.encode(dataFiles, forKey: .dataFiles)
        }
    }

    /// The report's tables as JSON (snake_case keys; NaN written as the string "nan").
    public func summaryJSON(dataFiles: [String] = []) throws -> Data {
        let best = data.trainingSizes.flatMap { n in
            ErrorMetric.allCases.compactMap { m in
                LearningCurveCell.best(cells, metric: m, n: n).map { Summary.Best(n: n, metric: m.rawValue, variant: $0) }
            }
        }
        let summary = Summary(
            experiment: data.experiment, description: data.description, runDirectory: data.displayPath,
            generated: Report.timestamp(options.date), variants: variants, trainingSizes: data.trainingSizes,
            atomsPerMolecule: atomsPerMolecule, learningCurves: cells, best: best, committees: data.committees, failures: data.failures, smoothness: smoothness,
            mdStability: mdStability,
            pretraining: data.pretraining.map {
                Summary.Pretraining(variant: $0.variant, kind: $0.kind, tasks: $0.tasks, conformations: $0.conformations,
                                    steps: $0.steps, seconds: $0.seconds, validationLoss: $0.validationLoss)
            },
            dataFiles: dataFiles)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(summary)
    }
}
