// Everything a report shows, read from one run directory.

import Chemistry
import Foundation

/// The contents of a study's run directory (see `ExperimentRunner`), typed:
///
///     manifest.yaml                          experiment name, description, full text
///     results.csv                            every refit (required)
///     summary.csv                            copied along, not parsed (results.csv is the source)
///     committees.csv                         committee errors (optional)
///     failures.csv                           units that failed, never in the tables (optional)
///     pretrain/<variant>/summary.json        pretraining summaries
///     refit/<variant>/n<N>-seed<S>.json      only to find the target's atom count
///     pretrain/<variant>/curve.csv, refit/<variant>/n<N>-seed<S>.{curve,test,test_forces}.csv
///                                            unit records (RunData+Units.swift; absent in older runs)
///     analysis/scans.csv, scan_metrics.csv   scans and their smoothness (optional)
///     analysis/md.csv, md_metrics.csv        MD traces and their stability (optional)
///
/// Optional tables are nil when their file is absent; a file that is present but
/// malformed is a `DataError` naming the file and the line.
public struct RunData: Sendable {
    public var directory: URL
    /// Experiment name (the manifest's `experiment`, else the directory's name).
    public var experiment: String
    public var description: String?
    /// The manifest's text, when `manifest.yaml` exists.
    public var manifestText: String?
    public var results: [RefitRecord]
    /// Committees of refitted models, nil without committees.csv.
    public var committees: [CommitteeRecord]?
    /// Units that failed, nil without failures.csv.
    public var failures: [FailureRecord]?
    /// Paired differences to the baseline with 95 % intervals, nil without comparisons.csv.
    public var comparisons: [ComparisonRecord]?
    public var pretraining: [PretrainingSummary]
    public var scans: [ScanPoint]?
    public var scanMetrics: [ScanMetric]?
    public var md: [MDFrame]?
    public var mdMetrics: [MDMetric]?
    /// Atoms in the target molecule: the `atoms` column of the refit test predictions when they
    /// agree, else force components ÷ (3 × conformations) of the refit result files when every one
    /// agrees on a whole number; used for per-atom MD energies.
    public var atomsPerMolecule: Int?
    /// Training curves and test predictions of the units (empty for runs made before they were written).
    public var units = UnitRecordsData()
    /// `analysis/torsion_maps.csv` and `analysis/torsion_map_metrics.csv`, when the run has them.
    public var torsionMaps: [TorsionMapPoint]?
    public var torsionMapMetrics: [TorsionMapMetric]?
    /// Paths (relative to the run directory) of the files that were read.
    public var filesRead: [String]

    /// Variants in order of first appearance in results.csv, then any that only the analysis names
    /// (never `reference`).
    public var variants: [String] {
        var names: [String] = []
        let analysis = (scans?.map(\.variant) ?? []) + (scanMetrics?.map(\.variant) ?? [])
            + (md?.map(\.variant) ?? []) + (mdMetrics?.map(\.variant) ?? [])
        for v in results.map(\.variant) + analysis where v != ReportNames.reference && !names.contains(v) { names.append(v) }
        return names
    }

    /// The run directory as reports show it: relative to the working directory when it lies
    /// below it (`runs/quickstart`), so a committed report does not carry one machine's
    /// absolute paths; absolute otherwise.
    public var displayPath: String {
        let path = directory.standardizedFileURL.path
        let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) && path.count > prefix.count ? String(path.dropFirst(prefix.count)) : path
    }

    /// Training-set sizes N of the refits, ascending.
    public var trainingSizes: [Int] { Set(results.map(\.n)).sorted() }

    public init(directory: URL, experiment: String, description: String? = nil, manifestText: String? = nil,
                results: [RefitRecord], committees: [CommitteeRecord]? = nil, failures: [FailureRecord]? = nil, pretraining: [PretrainingSummary] = [], scans: [ScanPoint]? = nil,
                scanMetrics: [ScanMetric]? = nil, md: [MDFrame]? = nil, mdMetrics: [MDMetric]? = nil,
                atomsPerMolecule: Int? = nil, filesRead: [String] = []) {
        self.directory = directory; self.experiment = experiment; self.description = description
        self.manifestText = manifestText; self.results = results; self.committees = committees; self.failures = failures; self.pretraining = pretraining
        self.scans = scans; self.scanMetrics = scanMetrics; self.md = md; self.mdMetrics = mdMetrics
        self.atomsPerMolecule = atomsPerMolecule; self.filesRead = filesRead
    }

    /// Reads a run directory. Throws a `DataError` when results.csv is missing or any table is malformed.
    /// `loadForces(variant, N, seed)` picks the refits whose per-atom test forces are read (nil: all).
    public static func load(from directory: URL, loadForces: ((String, Int, Int) -> Bool)? = nil) throws -> RunData {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(file: directory.path, "is not a run directory (it does not exist or is not a directory)")
        }
        var filesRead: [String] = []
        func url(_ relative: String) -> URL { directory.appendingPathComponent(relative) }
        func exists(_ relative: String) -> Bool { fm.fileExists(atPath: url(relative).path) }

        // Manifest: name and description only; Reports does not depend on a YAML parser.
        var experiment = directory.standardizedFileURL.lastPathComponent
        var description: String?
        var manifestText: String?
        if exists("manifest.yaml") {
            do { manifestText = try String(contentsOf: url("manifest.yaml"), encoding: .utf8) } catch {
                throw DataError(file: url("manifest.yaml").path, "cannot be read (\(error.localizedDescription))")
            }
            filesRead.append("manifest.yaml")
            let fields = ManifestFields(text: manifestText ?? "")
            if let name = fields.value(of: "experiment"), !name.isEmpty { experiment = name }
            description = fields.value(of: "description")
        }

        guard exists("results.csv") else {
            throw DataError(file: url("results.csv").path, "missing: a finished run writes results.csv (did `metamlip run` complete?)")
        }
        let results = try table("results.csv", in: directory, required: RefitRecord.requiredColumns).records.map(RefitRecord.init)
        filesRead.append("results.csv")
        guard !results.isEmpty else { throw DataError(file: url("results.csv").path, "has a header but no refits") }
        if exists("summary.csv") { filesRead.append("summary.csv") }

        func optional<T>(_ relative: String, _ required: [String], _ make: (CSVRecord) throws -> T) throws -> [T]? {
            guard exists(relative) else { return nil }
            filesRead.append(relative)
            return try table(relative, in: directory, required: required).records.map(make)
        }
        let committees = try optional("committees.csv", CommitteeRecord.requiredColumns, CommitteeRecord.init)
        let failures = try optional("failures.csv", FailureRecord.requiredColumns, FailureRecord.init)
        let scans = try optional("analysis/scans.csv", ScanPoint.requiredColumns, ScanPoint.init)
        let scanMetrics = try optional("analysis/scan_metrics.csv", ScanMetric.requiredColumns, ScanMetric.init)
        let md = try optional("analysis/md.csv", MDFrame.requiredColumns, MDFrame.init)
        let mdMetrics = try optional("analysis/md_metrics.csv", MDMetric.requiredColumns, MDMetric.init)

        let pretraining = try readPretraining(in: directory)
        filesRead += pretraining.map(\.file)
        let units = try UnitRecordsData.load(from: directory, loadForces: loadForces)
        filesRead += units.pretrainCurves.map(\.file)
        if !units.refitCurves.isEmpty || !units.testSets.isEmpty { filesRead.append("refit/*/n<N>-seed<S>.{curve,test,test_forces}.csv") }
        var data = RunData(directory: directory, experiment: experiment, description: description, manifestText: manifestText,
                           results: results, committees: committees, failures: failures, pretraining: pretraining, scans: scans, scanMetrics: scanMetrics, md: md,
                           mdMetrics: mdMetrics, atomsPerMolecule: units.atomsPerConformation ?? atomCount(in: directory), filesRead: filesRead)
        data.units = units
        data.torsionMaps = try optional("analysis/torsion_maps.csv", TorsionMapPoint.requiredColumns, TorsionMapPoint.init)
        data.torsionMapMetrics = try optional("analysis/torsion_map_metrics.csv", TorsionMapMetric.requiredColumns, TorsionMapMetric.init)
        data.comparisons = try optional("comparisons.csv", ComparisonRecord.requiredColumns, ComparisonRecord.init)
        data.filesRead = filesRead
        return data
    }

    static func table(_ relative: String, in directory: URL, required: [String]) throws -> CSVTable {
        let table = try CSVTable(contentsOf: directory.appendingPathComponent(relative))
        try table.require(columns: required)
        return table
    }

    /// `pretrain/<variant>/summary.json`, variants sorted by name.
    static func readPretraining(in directory: URL) throws -> [PretrainingSummary] {
        let root = directory.appendingPathComponent("pretrain")
        guard FileManager.default.fileExists(atPath: root.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: root.path).sorted().compactMap { name in
            let relative = "pretrain/\(name)/summary.json"
            let file = directory.appendingPathComponent(relative)
            guard FileManager.default.fileExists(atPath: file.path) else { return nil }
            let json: Any
            do { json = try JSONSerialization.jsonObject(with: try Data(contentsOf: file)) } catch {
                throw DataError(file: file.path, "is not valid JSON (\(error.localizedDescription))")
            }
            guard let object = json as? [String: Any] else { throw DataError(file: file.path, "is not a JSON object") }
            return PretrainingSummary(variant: name, json: object, file: relative)
        }
    }

    /// The atom count every refit result file's test set implies, or nil when they disagree, none
    /// says or none can be read (a hint for per-atom MD energies, so unreadable files are not errors).
    /// Only result files `n<N>-seed<S>.json` count: saved models (`.model.json`) and other JSON
    /// beside them say nothing about the test set.
    static func atomCount(in directory: URL) -> Int? {
        let fm = FileManager.default
        let refit = directory.appendingPathComponent("refit")
        var counts = Set<Int>()
        for variant in (try? fm.contentsOfDirectory(atPath: refit.path)) ?? [] {
            let dir = refit.appendingPathComponent(variant)
            for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
            where UnitRecordsData.refitUnit(name, suffix: ".json") != nil {
                guard let data = fm.contents(atPath: dir.appendingPathComponent(name).path),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let test = object["test"] as? [String: Any],
                      let components = (test["forceComponentCount"] as? NSNumber)?.intValue ?? test["forceComponentCount"] as? Int,
                      let conformations = (test["conformationCount"] as? NSNumber)?.intValue ?? test["conformationCount"] as? Int,
                      conformations > 0, components % (3 * conformations) == 0
                else { continue }
                counts.insert(components / (3 * conformations))
            }
        }
        return counts.count == 1 ? counts.first : nil
    }
}

/// Names the tables share.
enum ReportNames {
    /// The variant name of the reference method's rows in scans.csv.
    static let reference = "reference"
}

/// Top-level `key: value` scalars of a YAML manifest, enough for the name and description
/// (plain, single- or double-quoted, or a `|`/`>` block).
struct ManifestFields {
    var lines: [Substring]
    init(text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }

    func value(of key: String) -> String? {
        guard let i = lines.firstIndex(where: { $0.hasPrefix("\(key):") }) else { return nil }
        var v = lines[i].dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
        if v.hasPrefix("|") || v.hasPrefix(">") {
            let block = lines[(i + 1)...].prefix { $0.isEmpty || $0.first == " " }
            let parts = block.map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.joined(separator: v.hasPrefix("|") ? "\n" : " ").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let q = v.first, q == "\"" || q == "'", let end = v.dropFirst().lastIndex(of: q) {
            v = String(v[v.index(after: v.startIndex)..<end])
            return q == "'" ? v.replacingOccurrences(of: "''", with: "'") : v.replacingOccurrences(of: "\\\"", with: "\"")
        }
        if let hash = v.range(of: " #") { v = String(v[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces) }
        return v
    }
}
