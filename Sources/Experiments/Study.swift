// The one interface `metamlip run` drives: every study kind runs into a `RunDirectory` and
// writes its report.

import Foundation
import Communication
import Chemistry
import Potentials
import Reports
import Training

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
    /// Builds every configuration the run would build, without reading data or training:
    /// a manifest error surfaces in a second (`metamlip check`).
    func check() throws
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
        // The report is files: rank 0 of an MPI run alone writes it.
        var paths: (html: URL, notebook: URL)?
        try World.onWriter {
            let report = try ReportBuilder(runDirectory: runDirectory, outputDirectory: reportRoot).build()
            paths = (report.html, report.notebook)
        }
        return paths
    }
}

extension LifelongRunner: Study {
    public var splitsWork: Bool { true }

    /// Each strategy's training configuration and the model (for H, C, N, O); the manifest's
    /// keys were checked when it was loaded.
    public func check() throws {
        for strategy in manifest.strategies {
            _ = TrainerConfiguration(epochs: strategy.epochs ?? manifest.epochsPerTask, batchSize: batchSize, seed: 0, loss: loss,
                                     optimizer: strategy.optimizer.choice, plateau: nil, earlyStopping: nil)
        }
        _ = try manifest.modelSpec.makePotential(
            elements: [1, 6, 7, 8], selfEnergies: SelfEnergies(energies: [:], origin: .leastSquares), file: manifestPath)
    }

    public var announcement: String { "lifelong study \(manifest.experiment) → \(runDirectory.path)" }

    public func runAndReport(reportRoot: URL?) throws -> (html: URL, notebook: URL)? {
        let results = try run()
        guard let reportRoot else { return nil }
        let folder = try results.writeReport(root: reportRoot, runDirectory: runDirectory, manifest: manifest)
        return (folder.appendingPathComponent("report.html"), folder.appendingPathComponent("report.ipynb"))
    }
}

extension TransferabilityRunner: Study {
    /// The selection and cross-training configurations; the manifest's keys (and each
    /// architecture's model) were checked when it was loaded.
    public func check() throws {
        _ = trainerConfiguration(epochs: manifest.selection.epochs, trainingCount: manifest.selection.finalSize, seed: 0)
        _ = trainerConfiguration(epochs: manifest.training.epochs, trainingCount: manifest.selection.finalSize, seed: 0)
    }
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
