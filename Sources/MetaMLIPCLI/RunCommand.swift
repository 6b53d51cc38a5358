import ArgumentParser
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
            Results go to the run directory (default runs/<experiment>): pretrained models, one JSON per
            refit, results.csv, summary.csv and summary.md, and the scans and MD of an analysis: section.
            Running the same command again resumes: finished parts are skipped and an interrupted
            pretraining continues from its checkpoint. At the end the report (HTML, notebook, data) is
            written to <report-root>/<experiment>/, as `metamlip report RUN_DIR` would.
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

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        try MetaMLIP.reportingErrors {
            let study = try StudyKind.of(manifestPath: manifest).makeStudy(manifestPath: manifest, runDirectory: output)
            study.jobs = jobs
            study.fresh = fresh
            let runLog = RunLog(runDirectory: study.runDirectory)
            study.log = runLog.line
            if jobs > 1 && study.splitsWork { setBLASThreads(1) }
            if jobs > 1 && !study.splitsWork { runLog.announce("note: --jobs applies to refit and lifelong studies; this one runs on one thread") }
            runLog.announce("metamlip \(MetaMLIPRelease.version): " + CommandLine.arguments.dropFirst().joined(separator: " "))
            runLog.announce(study.announcement)
            do {
                if let report = try study.runAndReport(reportRoot: noReport ? nil : URL(fileURLWithPath: reportRoot ?? "notebooks-export")) {
                    runLog.line("report: \(report.html.path) and \(report.notebook.path)")
                }
            } catch {
                runLog.record("error: \(error)")
                throw error
            }
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

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        try MetaMLIP.reportingErrors {
            guard let refitMode = RefitMode(parsing: mode) else {
                throw DataError(file: "--mode", "'\(mode)' is not full, head or freeze:K")
            }
            try checkWritable(output, option: "--output")
            let (all, _) = try readConformations(path: data, options: reader.openerOptions())
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
            print("refitting \(model) on N = \(n) of \(data) (\(refitMode)); validation \(valid.count), test \(test.count)")
            // Divergence events are printed as they happen; `TrainingDiverged` ends the command.
            let every = progressEvery
            let (trainer, refitted) = try plan.run(potential: potential, parameters: parameters, training: train, validation: valid,
                                                   label: data, onDivergence: { print($0) }, progress: { p in
                // Epoch ends carry validation metrics; print the first and every `every`-th.
                guard every > 0, let v = p.validation, p.epoch == 0 || (p.epoch + 1) % every == 0 else { return }
                print(String(format: "epoch %4d  loss %.4e  val E %.2f meV/atom  F %.1f meV/Å  %.0f s (%.0f s left at most)",
                             p.epoch + 1, p.loss, v.energyPerAtomRMSE, v.forceRMSE, p.elapsed, p.remaining ?? 0))
            })
            try ModelFile(potential: refitted, parameters: trainer.bestParameters,
                          provenance: .init(dataFile: data, task: "refit N=\(n)", seed: seed, steps: trainer.step,
                                            epochs: trainer.epoch, finalMetrics: trainer.history.last?.validation))
                .save(to: output)
            print("wrote \(output) after \(trainer.epoch) epochs; self-energies: \(refitted.selfEnergies.origin.rawValue)")
            print("test set (\(test.count) conformations):")
            printMetrics(try errorMetrics(potential: refitted, parameters: trainer.bestParameters, conformations: test, label: data))
        }
    }
}
