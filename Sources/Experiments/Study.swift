// The one interface `metamlip run` drives: every study kind runs into a `RunDirectory` and
// writes its report.

import Foundation
import Reports

/// A study that `metamlip run` executes, whatever its kind: it owns a ``RunDirectory``
/// (lock, fingerprint, `--fresh`, failure records), runs or resumes its units, and writes
/// its report.
public protocol Study: AnyObject {
    /// The directory the study runs into.
    var runDirectory: URL { get }
    /// Units at once, one thread each (kinds that cannot split their work ignore it; see
    /// ``splitsWork``).
    var jobs: Int { get set }
    /// Move an earlier run in ``runDirectory`` aside instead of resuming it.
    var fresh: Bool { get set }
    /// Where progress lines go.
    var log: (String) -> Void { get set }
    /// Whether `jobs` > 1 runs units at once (then each gets one BLAS thread).
    var splitsWork: Bool { get }
    /// One line naming the experiment, its kind and its run directory.
    var announcement: String { get }
    /// Runs (or resumes) every unit and, unless `reportRoot` is nil, writes the report into
    /// `reportRoot/<experiment>/`; returns the report's HTML and notebook paths.
    func runAndReport(reportRoot: URL?) throws -> (html: URL, notebook: URL)?
}

extension StudyKind {
    /// The study of this kind described by the manifest at `manifestPath`.
    /// - Throws: `DataError` for a manifest that is not valid for this kind.
    public func makeStudy(manifestPath: String, runDirectory: String?) throws -> any Study {
        switch self {
        case .refit: try ExperimentRunner(manifestPath: manifestPath, runDirectory: runDirectory)
        case .lifelong: try LifelongRunner(manifestPath: manifestPath, runDirectory: runDirectory)
        case .transferability: try TransferabilityRunner(manifestPath: manifestPath, runDirectory: runDirectory)
        }
    }
}

extension ExperimentRunner: Study {
    public var splitsWork: Bool { true }
    public var announcement: String { "experiment \(manifest.experiment) → \(runDirectory.path)\(jobs > 1 ? ", \(jobs) jobs" : "")" }

    public func runAndReport(reportRoot: URL?) throws -> (html: URL, notebook: URL)? {
        try run()
        guard let reportRoot else { return nil }
        let report = try ReportBuilder(runDirectory: runDirectory, outputDirectory: reportRoot).build()
        return (report.html, report.notebook)
    }
}

extension LifelongRunner: Study {
    public var splitsWork: Bool { true }
    public var announcement: String { "lifelong study \(manifest.experiment) → \(runDirectory.path)" }

    public func runAndReport(reportRoot: URL?) throws -> (html: URL, notebook: URL)? {
        let results = try run()
        guard let reportRoot else { return nil }
        let folder = try results.writeReport(root: reportRoot, runDirectory: runDirectory, manifest: manifest)
        return (folder.appendingPathComponent("report.html"), folder.appendingPathComponent("report.ipynb"))
    }
}

extension TransferabilityRunner: Study {
    /// Its stages depend on each other; it runs on one thread.
    public var splitsWork: Bool { false }
    public var jobs: Int {
        get { 1 }
        set {}
    }
    public var announcement: String { "experiment \(manifest.experiment) (transferability) → \(runDirectory.path)" }

    public func runAndReport(reportRoot: URL?) throws -> (html: URL, notebook: URL)? {
        let results = try run()
        guard let reportRoot else { return nil }
        let folder = try writeReport(results, root: reportRoot)
        return (folder.appendingPathComponent("report.html"), folder.appendingPathComponent("report.ipynb"))
    }
}
