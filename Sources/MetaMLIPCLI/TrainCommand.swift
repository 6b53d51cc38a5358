import ArgumentParser
import Autodiff
import Chemistry
import Datasets
import Descriptors
import Experiments
import Foundation
import Potentials
import Training

/// Reads a data file's conformations (all tasks) with optional reader options (an unknown
/// energy unit is a `DataError`; see `DataFileOpener.open(path:options:)`).
func readConformations(path: String, format: SourceFormat?, energyKey: String?, forcesKey: String?,
                       energyUnit: String?) throws -> (conformations: [Conformation], task: QMTask) {
    try readConformations(path: path, options: .init(format: format, energyKey: energyKey, forcesKey: forcesKey,
                                                     energyUnit: energyUnit))
}

/// Reads a data file's conformations (all tasks) with the given reader options; with
/// `--verbose`, says what was read and how long it took.
func readConformations(path: String, options: DataFileOpener.Options,
                       console: Console = .shared) throws -> (conformations: [Conformation], task: QMTask) {
    let start = Date()
    let tasks = try DataFileOpener.open(path: path, options: options)
    guard let first = tasks.first else { throw DataError(file: path, "no tasks in the file") }
    let all = tasks.flatMap(\.conformations)
    console.debug(String(format: "read %@: %d task(s), %d conformations (%d with forces) in %.2f s", path, tasks.count, all.count,
                         all.filter { $0.forces != nil }.count, Date().timeIntervalSince(start)))
    return (all, first)
}

/// `MODEL: kind ani, elements H C N O, 12345 parameters` (for `--verbose`).
func modelSummary(_ path: String, _ potential: any AtomisticPotential, _ parameters: ParameterSet<Float>) -> String {
    "model \(path): kind \(potential.architecture.kind), elements \(potential.elements.map { Element.symbol(for: $0) }.joined(separator: " ")), \(parameters.scalarCount) parameters"
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a potential from a YAML manifest; writes checkpoints and model.json.",
        discussion: TrainCommand.manifestHelp)

    @Argument(help: "The training manifest (YAML).")
    var manifest: String
    @Option(name: .shortAndLong, help: "Model file to write (default: <checkpoint_dir>/model.json or model.json).")
    var output: String?
    @Flag(help: "Continue from <checkpoint_dir>/checkpoint.json.")
    var resume = false
    @Flag(help: "Move an existing checkpoint_dir aside (to DIR.replaced-<time>) instead of refusing a run with other settings.")
    var fresh = false
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var threading: ThreadOptions

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // progress lines reach a log file as they happen
        logging.configure()
        threading.apply()
        let console = Console.shared
        try MetaMLIP.reportingErrors {
            console.debug("manifest \(manifest); model file \(output ?? "from checkpoint_dir, else model.json")"
                          + (resume ? "; resuming from checkpoint_dir/checkpoint.json" : "") + (fresh ? "; --fresh" : ""))
            let outcome = try TrainingRun(manifestPath: manifest).run(
                output: output, resume: resume, fresh: fresh, log: { console.info($0) },
                progress: { p, epochs in
                    console.progress(ProgressBar(label: "epoch", done: p.epoch + 1, total: epochs, elapsed: p.elapsed, remaining: p.remaining,
                                                 detail: p.validation.map { String(format: "val F %.1f meV/Å", $0.forceRMSE) } ?? ""),
                                     line: nil)
                })
            console.endProgress()
            if let test = outcome.test {
                console.result("held-out test set (\(test.conformationCount) conformations), best-validation parameters:")
                printMetrics(test)
            }
        }
    }
}

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Energy and force errors (MAE, RMSE) of a model file on a data file.",
        discussion: """
            With --with, further models join the first in a committee: each member's errors are printed, then \
            those of their mean prediction (energies and forces averaged, each model with its own self-energies). \
            Force errors are counted over every conformation that has reference forces, whatever the batch size.
            """)

    @Argument(help: "The model file (JSON).")
    var model: String
    @Argument(help: "A data file (extended XYZ, HDF5, …).")
    var data: String
    @Option(name: .customLong("with"), help: "A further model file; the committee of all the models is evaluated too (repeatable).")
    var others: [String] = []
    @OptionGroup var reader: DataReaderOptions
    @Option(help: "Conformations per batch (the metrics do not depend on it).")
    var batchSize = 32
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.configure()
        let console = Console.shared
        try MetaMLIP.reportingErrors {
            guard batchSize >= 1 else {
                throw DataError(file: "command line", item: "--batch-size \(batchSize)", "must be at least 1")
            }
            let (conformations, _) = try readConformations(path: data, options: reader.openerOptions())
            var members: [Predictions] = []
            for path in [model] + others {
                let file = try ModelFile.read(path: path)
                let (potential, parameters) = try file.model(file: path)
                console.debug(modelSummary(path, potential, parameters)
                              + (file.provenance?.gitCommit.map { ", written by git \($0.prefix(7))" } ?? ""))
                let missing = potential.unsupported(conformations.flatMap(\.atomicNumbers))
                guard missing.isEmpty else { throw DataError(file: data, "elements \(missing) are not in the model \(path)") }
                let start = Date()
                let p = try predictions(potential: potential, parameters: parameters, conformations: conformations,
                                        label: data, batchSize: batchSize)
                console.debug(String(format: "evaluated in %.2f s, batches of %d", Date().timeIntervalSince(start), batchSize))
                let r = p.metrics(against: conformations)
                console.result("\(path) on \(data): \(r.conformationCount) conformations")
                printMetrics(r)
                if let warning = implausibility(of: r, against: file.provenance?.finalMetrics) { console.warning(warning) }
                members.append(p)
            }
            if members.count > 1 {
                console.result("committee of \(members.count) models (mean prediction):")
                printMetrics(Predictions.mean(members).metrics(against: conformations))
            }
        }
    }
}

/// A warning when a model's energy error on some data is orders of magnitude above the error
/// it was saved with (its final validation or test metrics): the mark of another energy
/// unit, another reference (level of theory, isolated atoms) or another molecule.
func implausibility(of metrics: EnergyForceMetrics, against saved: EnergyForceMetrics?) -> String? {
    guard let saved, saved.energyPerAtomRMSE > 0, metrics.energyPerAtomRMSE.isFinite,
          metrics.energyPerAtomRMSE > 100 * saved.energyPerAtomRMSE, metrics.energyPerAtomRMSE > 100 else { return nil }
    return String(format: "warning: the energy error here (%.4g meV/atom) is %.0f× the %.4g meV/atom the model was saved with; "
                  + "check the energy unit (--energy-unit), the energy key and the level of theory of this file",
                  metrics.energyPerAtomRMSE, metrics.energyPerAtomRMSE / saved.energyPerAtomRMSE, saved.energyPerAtomRMSE)
}

/// Prints energy and force errors in meV, meV/atom and meV/Å (results: shown with `--quiet`).
func printMetrics(_ r: EnergyForceMetrics) {
    Console.shared.result(String(format: "energy  MAE %.3f meV/atom  RMSE %.3f meV/atom  (MAE %.2f meV, RMSE %.2f meV)",
                                 r.energyPerAtomMAE, r.energyPerAtomRMSE, r.energyMAE, r.energyRMSE))
    if r.forceComponentCount > 0 {
        Console.shared.result(String(format: "forces  MAE %.2f meV/Å  RMSE %.2f meV/Å", r.forceMAE, r.forceRMSE))
    }
}
