import ArgumentParser
import Communication
import Autodiff
import Chemistry
import Datasets
import Experiments
import Foundation
import Potentials
import Reports
import Training

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a whole study from an experiment manifest: pretrain every variant, refit, evaluate, tabulate.",
        discussion: """
            Results go to the run directory (default runs/<experiment>): pretrained models, one JSON per \
            refit, results.csv, summary.csv and summary.md, and the scans and MD of an analysis: section. \
            Running the same command again resumes: finished parts are skipped and an interrupted \
            pretraining continues from its checkpoint. At the end the report (HTML, notebook, data) is \
            written to <report-root>/<experiment>/, as `metamlip report RUN_DIR` would.

            Everything printed also goes to RUN_DIR/run.log with timestamps (with --quiet too, which \
            prints only warnings, errors, the results table and the report's path). When stdout is a \
            terminal, the unit counter of each stage is one line redrawn in place.
            """)

    @Argument(help: "The experiment manifest (YAML), e.g. experiments/quickstart.yaml.")
    var manifest: String
    @Option(name: .shortAndLong, help: "Run directory (default: runs/<experiment>).")
    var output: String?
    @Option(help: "Where the report goes (default: notebooks-export).")
    var reportRoot: String?
    @Flag(help: "Do not write the report at the end.")
    var noReport = false
    @Option(help: ArgumentHelp("Units run at once, one BLAS thread each: a refit study's pretrainings, refits and scans/MD, a lifelong study's committee members.",
                               discussion: "Results are the same for any value; use up to the number of cores."))
    var jobs = 1
    @Flag(help: ArgumentHelp("Move an existing run directory aside (to RUN_DIR.replaced-<time>) and start afresh.",
                             discussion: "Without it, rerunning into a run directory resumes it, and stops with the differing keys when the manifest or data changed."))
    var fresh = false
    @Flag(inversion: .prefixedNo,
          help: ArgumentHelp("metamlip-mpi: deal a refit study's refits out over the ranks, each refit run by one rank alone.",
                             discussion: "With --no-refits-across-ranks every rank shares every step of every refit instead (worth it only for refits with batches of many 16-conformation chunks). Pretrainings are always shared. Results are the same either way."))
    var refitsAcrossRanks = true
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        logging.configure()
        let console = Console.shared
        try MetaMLIP.reportingErrors {
            let kind = try StudyKind.of(manifestPath: manifest)
            // MPI ranks run a refit study's pretrainings together (SPMD) and deal its refits out.
            let ranks = World.communicator.size
            if ranks > 1 && kind != .refit {
                throw DataError(file: manifest, item: "study", "\(kind) studies run in one process (metamlip run); metamlip-mpi runs refit studies and train")
            }
            let study = try kind.makeStudy(manifestPath: manifest, runDirectory: output)
            study.jobs = jobs
            (study as? ExperimentRunner)?.refitsAcrossRanks = refitsAcrossRanks
            study.fresh = fresh
            // Rank 0 alone keeps run.log.
            let runLog = World.isWriter ? RunLog(runDirectory: study.runDirectory) : nil
            runLog?.holding = true
            console.runLog = runLog
            study.log = { line in
                runLog?.holding = false
                StudyLine.forward(line, to: console)
            }
            if ranks > 1 && jobs > 1 {
                console.info(refitsAcrossRanks ? "note: under MPI --jobs applies to the refits each rank runs alone; the \(ranks) ranks share each pretraining one at a time"
                                               : "note: under MPI with --no-refits-across-ranks the \(ranks) ranks share every unit, one at a time; --jobs applies only to the analysis")
            }
            threading.apply(concurrentUnits: study.splitsWork ? study.jobs : 1)
            if jobs > 1 && !study.splitsWork { console.info("note: --jobs applies to refit and lifelong studies; this one runs on one thread") }
            console.info("metamlip \(MetaMLIPRelease.versionDescription): " + CommandLine.arguments.dropFirst().joined(separator: " "))
            console.info(study.announcement)
            console.debug("study kind \(kind), run directory \(study.runDirectory.path), \(jobs) job(s)"
                          + (jobs > 1 && study.splitsWork ? ", one BLAS thread per unit" : ""))
            do {
                if let report = try study.runAndReport(reportRoot: noReport ? nil : URL(fileURLWithPath: reportRoot ?? "notebooks-export")) {
                    console.endProgress()
                    console.result("report: \(report.html.path) and \(report.notebook.path)")
                }
            } catch let error where !(error is DataError || error is TrainingDiverged) {
                // (DataError and TrainingDiverged are printed and recorded by reportingErrors.)
                console.endProgress()
                runLog?.holding = false
                runLog?.record("error: \(error)")
                throw error
            }
        }
    }
}

/// How `metamlip run` shows a study's log lines (studies log plain text).
enum StudyLine {
    /// `[progress] …` lines (``UnitProgress``) become progress (a bar on a terminal, the
    /// line itself otherwise); a message that opens with a blank line is the study's results
    /// table, printed whatever the level; `[unit] FAILED …` is a warning; the rest is info.
    static func forward(_ text: String, to console: Console) {
        if let p = UnitProgress(line: text) {
            console.progress(ProgressBar(label: "\(p.stage): unit", done: p.done, total: p.total, elapsed: p.elapsed,
                                         remaining: p.remaining, detail: p.unit), line: text)
            if p.done >= p.total { console.endProgress() }
        } else if text.hasPrefix("\n") {
            console.result(text)
        } else if text.contains("] FAILED") {
            console.warning(text)
        } else {
            console.info(text)
        }
    }
}

struct RefitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refit",
        abstract: "Refit a pretrained model (or one from scratch) to N conformations of a new molecule.")

    @Argument(help: "The pretrained model file (JSON), or 'scratch:<kind>' for a random initialisation, e.g. scratch:ani.")
    var model: String
    @Argument(help: "The target data file (extended XYZ, HDF5, …).")
    var data: String
    @Option(help: "Training conformations N (drawn with --seed; the rest is split into validation and test).")
    var n: Int
    @Option(help: "Validation conformations for early stopping.")
    var validation = 25
    @Option(help: "Seed of the draw and of the training run.")
    var seed: UInt64 = 0
    @Option(help: "full, head, or freeze:K (layers 0..<K stay fixed).")
    var mode = "full"
    @Option(help: "Epochs.")
    var epochs = 300
    @Option(help: "Early-stopping patience in epochs.")
    var patience = 40
    @Option(help: "Print validation errors every this many epochs (0: silent).")
    var progressEvery = 10
    @Option(help: "Adam learning rate.")
    var learningRate = 1e-3
    @Option(help: "Force weight of the loss (the manifests' default).")
    var forceWeight = LossSettings.defaultForceWeight
    @Option(help: "Per-atom energy weight of the loss (the manifests' default).")
    var energyWeight = LossSettings.defaultEnergyWeight
    @Option(help: "Element transfer TARGET:SOURCE, e.g. Ge:Si: the source element's parameters initialise the target's (repeatable; the model must have both).")
    var elementMap: [String] = []
    @Option(help: ArgumentHelp("Isolated-atom energies of the target's level of theory (extended XYZ).",
                               discussion: "Self-energies are fitted to the N conformations; where their compositions do not determine every element (one molecule), the fit is anchored to these energies (default: the model's own self-energies)."))
    var isolatedAtoms: String?
    @OptionGroup var reader: DataReaderOptions
    @Option(name: .shortAndLong, help: "Refitted model file to write.")
    var output = "refit.model.json"
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var threading: ThreadOptions

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        logging.configure()
        threading.apply()
        let console = Console.shared
        try MetaMLIP.reportingErrors {
            guard let refitMode = RefitMode(parsing: mode) else {
                throw DataError(file: "--mode", "'\(mode)' is not full, head or freeze:K")
            }
            try checkWritable(output, option: "--output")
            let (all, _) = try readConformations(path: data, options: reader.openerOptions(), console: console)
            guard n >= 1, all.count > n + validation else {
                throw DataError(file: data, "\(all.count) conformations cannot give N = \(n) plus \(validation) validation and a test set")
            }
            var order = Array(all.indices)
            var g = SeededGenerator(seed: seed)
            g.shuffle(&order)
            let train = order.prefix(n).map { all[$0] }
            let valid = order.dropFirst(n).prefix(validation).map { all[$0] }
            let test = order.dropFirst(n + validation).map { all[$0] }
            let potential: any AtomisticPotential
            var parameters: ParameterSet<Float>?
            if model.hasPrefix("scratch:") {
                potential = try ModelSpec(kind: String(model.dropFirst("scratch:".count)))
                    .makePotential(elements: all.flatMap(\.atomicNumbers), selfEnergies: SelfEnergies(energies: [:], origin: .leastSquares), file: model)
                    .withDataStatistics(from: train, file: model)
            } else {
                let loaded = try ModelFile.load(path: model)
                potential = loaded.potential
                parameters = loaded.parameters
                console.debug(modelSummary(model, potential, loaded.parameters))
            }
            let unit = try reader.energyUnit.map { try EnergyUnit.parse($0, file: "command line", item: "--energy-unit") } ?? .eV
            let selfEnergies = try isolatedAtoms.map {
                SelfEnergies(isolatedAtoms: try ExtendedXYZReader(energyUnit: unit).read(path: $0).isolatedAtomEnergies)
            }
            var map: [Int: Int] = [:]
            for pair in elementMap {
                let symbols = pair.split(separator: ":").map { String($0) }
                guard symbols.count == 2, let target = Element(symbol: symbols[0]), let source = Element(symbol: symbols[1]) else {
                    throw DataError(file: "command line", item: "--element-map \(pair)", "expected TARGET:SOURCE element symbols, e.g. Ge:Si")
                }
                map[target.atomicNumber] = source.atomicNumber
            }
            if let parameters, !map.isEmpty {   // checked here so the error names the flag
                _ = try ElementTransfer.mapping(map, parameters: parameters, of: potential, file: model,
                                                item: "--element-map \(elementMap.joined(separator: " "))")
            }
            let plan = RefitPlan(mode: refitMode,
                                 trainer: TrainerConfiguration(epochs: epochs, batchSize: min(8, n), seed: seed,
                                                               loss: EnergyForceLoss(energyWeight: energyWeight, forceWeight: forceWeight),
                                                               optimizer: .adam(learningRate: learningRate, weightDecay: 0),
                                                               earlyStopping: EarlyStopping(patience: patience)),
                                 selfEnergyPrior: selfEnergies, elementMap: map)
            console.info("refitting \(model) on N = \(n) of \(data) (\(refitMode)); validation \(valid.count), test \(test.count)")
            console.debug("seed \(seed): draw of N and the training run; \(epochs) epochs at most, patience \(patience), Adam learning rate \(learningRate), batches of \(min(8, n)), loss weights E \(energyWeight) F \(forceWeight)")
            // Divergence events are printed as they happen; `TrainingDiverged` ends the command.
            // --verbose prints every epoch.
            let every = console.level <= .debug ? 1 : progressEvery
            let total = epochs
            let (trainer, refitted) = try plan.run(potential: potential, parameters: parameters, training: train, validation: valid,
                                                   label: data, onDivergence: { console.info("\($0)") }, progress: { p in
                guard let v = p.validation else { return }
                console.progress(ProgressBar(label: "epoch", done: p.epoch + 1, total: total, elapsed: p.elapsed, remaining: p.remaining,
                                             detail: String(format: "val F %.1f meV/Å", v.forceRMSE)), line: nil)
                // Epoch ends carry validation metrics; print the first and every `every`-th.
                guard every > 0, p.epoch == 0 || (p.epoch + 1) % every == 0 else { return }
                console.info(String(format: "epoch %4d  loss %.4e  val E %.2f meV/atom  F %.1f meV/Å  %.0f s (%.0f s left at most)",
                                    p.epoch + 1, p.loss, v.energyPerAtomRMSE, v.forceRMSE, p.elapsed, p.remaining ?? 0))
            })
            console.endProgress()
            try ModelFile(potential: refitted, parameters: trainer.bestParameters,
                          provenance: .init(dataFile: data, task: "refit N=\(n)", seed: seed, steps: trainer.step,
                                            epochs: trainer.epoch, finalMetrics: trainer.history.last?.validation))
                .save(to: output)
            console.info("wrote \(output) after \(trainer.epoch) epochs; self-energies: \(refitted.selfEnergies.origin.rawValue)")
            console.result("test set (\(test.count) conformations):")
            printMetrics(try errorMetrics(potential: refitted, parameters: trainer.bestParameters, conformations: test, label: data))
        }
    }
}
