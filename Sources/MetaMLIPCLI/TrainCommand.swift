import ArgumentParser
import Autodiff
import Chemistry
import Datasets
import Descriptors
import Experiments
import Foundation
import Potentials
import Training

/// A training manifest (YAML, snake_case keys):
///
///     data: 3bpa/train_300K.xyz        # next to the manifest, else under the data root
///     isolated_atoms: 3bpa/iso_atoms.xyz   # else the file's own; needed for one molecule (see below)
///     split: {seed: 1, train: 0.8, validation: 0.1, test: 0.1}   # or n_train: 450 (rest validation)
///     model: {kind: ani, widths: [160, 128, 96], celu_alpha: 0.1}   # or {kind: ani, preset: ani1x}
///     loss: {energy_weight: 1, force_weight: 1}
///     optimizer: {kind: adam, learning_rate: 0.001, weight_decay: 0}
///     epochs: 100
///     batch_size: 32
///     seed: 0
///     checkpoint_dir: runs/3bpa
///     checkpoint_every: 5
///     ema_decay: 0.99                  # optional: validate and save a moving average of the parameters
///     divergence: {max_retries: 3, learning_rate_factor: 0.1, explosion_factor: 1000}   # the defaults
///
/// A diverging epoch (NaN or ±∞ loss or parameters, or a validation loss above
/// `explosion_factor` × the best so far) is rolled back and retried with the learning rate
/// times `learning_rate_factor`, at most `max_retries` times per run (see `DivergenceGuard`);
/// then `train` stops with an error and writes no model.
struct TrainManifest: Codable {
    struct Split: Codable {
        var seed: UInt64?
        var train: Double?
        var validation: Double?
        var test: Double?
        var nTrain: Int?
        enum CodingKeys: String, CodingKey { case seed, train, validation, test, nTrain = "n_train" }
    }
    struct OptimizerSpec: Codable {
        var kind: String
        var learningRate: Double?
        var weightDecay: Double?
        enum CodingKeys: String, CodingKey { case kind, learningRate = "learning_rate", weightDecay = "weight_decay" }
    }

    var data: String
    var format: SourceFormat?
    var energyKey: String?
    var forcesKey: String?
    var energyUnit: String?
    var isolatedAtoms: String?
    var split: Split?
    var model: ModelSpec?
    var loss: LossSettings?
    var optimizer: OptimizerSpec?
    var epochs: Int
    var batchSize: Int?
    var seed: UInt64?
    var checkpointDir: String?
    var checkpointEvery: Int?
    var patience: Int?
    var plateau: PlateauSettings?
    var emaDecay: Double?
    var divergence: DivergenceSettings?

    enum CodingKeys: String, CodingKey {
        case data, format, split, model, loss, optimizer, epochs, seed, patience, plateau, divergence
        case energyKey = "energy_key", forcesKey = "forces_key", energyUnit = "energy_unit"
        case isolatedAtoms = "isolated_atoms", batchSize = "batch_size"
        case checkpointDir = "checkpoint_dir", checkpointEvery = "checkpoint_every", emaDecay = "ema_decay"
    }

    /// Reads a manifest; unknown keys are errors (`YAMLDocument`).
    static func load(path: String) throws -> TrainManifest {
        try YAMLDocument.load(TrainManifest.self, path: path)
    }

    /// The training configuration the manifest describes (no checkpoint path), every value
    /// checked against its range: what `train` runs and `check` validates.
    /// - Throws: `DataError` naming `file` and the key.
    func trainerConfiguration(file: String) throws -> TrainerConfiguration {
        if let unit = energyUnit { _ = try EnergyUnit.parse(unit, file: file, item: "energy_unit") }
        let lr = optimizer?.learningRate ?? 1e-3, wd = optimizer?.weightDecay
        guard lr.isFinite && lr > 0 else { throw DataError(file: file, item: "optimizer.learning_rate", "must be a finite number > 0, got \(lr)") }
        if let wd, !(wd.isFinite && wd >= 0) { throw DataError(file: file, item: "optimizer.weight_decay", "must be a finite number ≥ 0, got \(wd)") }
        let choice: TrainerConfiguration.OptimizerChoice
        switch optimizer?.kind.lowercased() ?? "adam" {
        case "adam": choice = .adam(learningRate: lr, weightDecay: wd ?? 0)
        case "core": choice = .core(learningRate: lr, weightDecay: wd ?? 0.1)
        case let other: throw DataError(file: file, item: "optimizer.kind", "unknown optimizer '\(other)' (adam, core)")
        }
        if let d = emaDecay, !(d > 0 && d < 1) { throw DataError(file: file, item: "ema_decay", "must lie in (0, 1), got \(d)") }
        guard epochs >= 1 else { throw DataError(file: file, item: "epochs", "must be ≥ 1, got \(epochs)") }
        if let b = batchSize, b < 1 { throw DataError(file: file, item: "batch_size", "must be ≥ 1, got \(b)") }
        if let c = checkpointEvery, c < 0 { throw DataError(file: file, item: "checkpoint_every", "must be ≥ 0, got \(c)") }
        if let p = patience, p < 1 { throw DataError(file: file, item: "patience", "must be ≥ 1, got \(p)") }
        if let n = split?.nTrain, n < 1 { throw DataError(file: file, item: "split.n_train", "must be ≥ 1, got \(n)") }
        for (key, f) in [("split.train", split?.train), ("split.validation", split?.validation), ("split.test", split?.test)] {
            if let f, !(f.isFinite && f >= 0 && f <= 1) { throw DataError(file: file, item: key, "must lie in [0, 1], got \(f)") }
        }
        return TrainerConfiguration(
            epochs: epochs, batchSize: batchSize ?? 32, seed: seed ?? 0, loss: try LossSettings.resolve(loss, file: file),
            optimizer: choice, plateau: try (plateau ?? PlateauSettings()).schedule(file: file),
            earlyStopping: patience.map { EarlyStopping(patience: $0) },
            checkpointEvery: checkpointEvery ?? 0, checkpointPath: nil, emaDecay: emaDecay,
            divergenceGuard: try DivergenceSettings.resolve(divergence, file: file))
    }
}

/// Throws unless a file can be created at `path` (its folder exists and is writable), so a
/// command stops before long work rather than after it.
func checkWritable(_ path: String, option: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw DataError(file: path, item: option, "its folder \(folder) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
        throw DataError(file: path, item: option, "its folder \(folder) is not writable")
    }
}

/// Reads a data file's conformations (all tasks) with optional reader options (an unknown
/// energy unit is a `DataError`; see `DataFileOpener.open(path:options:)`).
func readConformations(path: String, format: SourceFormat?, energyKey: String?, forcesKey: String?,
                       energyUnit: String?) throws -> (conformations: [Conformation], task: QMTask) {
    try readConformations(path: path, options: .init(format: format, energyKey: energyKey, forcesKey: forcesKey,
                                                     energyUnit: energyUnit))
}

/// Reads a data file's conformations (all tasks) with the given reader options.
func readConformations(path: String, options: DataFileOpener.Options) throws -> (conformations: [Conformation], task: QMTask) {
    let tasks = try DataFileOpener.open(path: path, options: options)
    guard let first = tasks.first else { throw DataError(file: path, "no tasks in the file") }
    return (tasks.flatMap(\.conformations), first)
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a potential from a YAML manifest; writes checkpoints and model.json.")

    @Argument(help: "The training manifest (YAML).")
    var manifest: String
    @Option(name: .shortAndLong, help: "Model file to write (default: <checkpoint_dir>/model.json or model.json).")
    var output: String?
    @Flag(help: "Continue from <checkpoint_dir>/checkpoint.json.")
    var resume = false
    @Flag(help: "Move an existing checkpoint_dir aside (to DIR.replaced-<time>) instead of refusing a run with other settings.")
    var fresh = false

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // progress lines reach a log file as they happen
        try MetaMLIP.reportingErrors {
            let m = try TrainManifest.load(path: manifest)
            // Settings first, so a bad value stops the command before any data is read.
            var config = try m.trainerConfiguration(file: manifest)
            let loss = config.loss, divergence = config.divergenceGuard
            let base = URL(fileURLWithPath: manifest).deletingLastPathComponent()
            func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base.appendingPathComponent(p).standardizedFileURL.path }
            // Data files: next to the manifest when they are there, else under the data root
            // ($METAMLIP_DATA or ../shared/datasets), as recipes do.
            let location = DataLocation.resolve()
            func resolveData(_ p: String) throws -> String { try location.path(of: p, nextTo: manifest) }
            let dataPath = try resolveData(m.data)
            let tasks = try DataFileOpener.open(path: dataPath, options: .init(format: m.format, energyKey: m.energyKey,
                                                                                forcesKey: m.forcesKey, energyUnit: m.energyUnit))
            // One model has one set of self-energies: tasks at several levels of theory cannot
            // be flattened into one training set (a study trains them as tasks).
            guard tasks.count == 1, let task = tasks.first else {
                throw DataError(file: dataPath, item: "tasks",
                                tasks.isEmpty ? "no tasks in the file"
                                : "holds \(tasks.count) tasks (\(tasks.map(\.name).joined(separator: ", "))) at different levels of theory; `train` fits one level with one set of self-energies. Train each task from its own file, or use a study (`metamlip run`) that keeps them apart")
            }
            let all = task.conformations
            // Split.
            let splitSeed = m.split?.seed ?? 0
            let split: DataSplit
            if let n = m.split?.nTrain {
                guard n > 0 && n < all.count else { throw DataError(file: manifest, item: "split.n_train", "must lie in 1..<\(all.count)") }
                var order = Array(all.indices)
                var g = SeededGenerator(seed: splitSeed)
                g.shuffle(&order)
                split = DataSplit(train: Array(order.prefix(n)), validation: Array(order.dropFirst(n)), test: [])
            } else {
                let f = DataSplit.Fractions(train: m.split?.train ?? 0.8, validation: m.split?.validation ?? 0.1,
                                            test: m.split?.test ?? 0.1)
                split = try DataSplit.random(count: all.count, fractions: f, seed: splitSeed)
            }
            let train = split.train.map { all[$0] }, validation = split.validation.map { all[$0] }
            // Self-energies: the suite's own; else isolated-atom energies (the manifest's, or the
            // file's), fixed when the training compositions determine every element and as the
            // anchor of a least-squares shift when they do not (one molecule); else least squares,
            // which needs compositions that determine every element.
            let selfEnergies: SelfEnergies
            let isolated: [Int: Double]? = try m.isolatedAtoms.map {
                try ExtendedXYZReader(energyKey: m.energyKey ?? "energy", energyUnit: try m.energyUnit.map { try EnergyUnit.parse($0, file: manifest, item: "energy_unit") } ?? .eV)
                    .read(path: resolveData($0)).isolatedAtomEnergies
            } ?? task.isolatedAtomEnergies.flatMap { $0.isEmpty ? nil : $0 }
            let (rank, elementCount) = SelfEnergies.compositionRank(train)
            if let s = task.selfEnergies {
                selfEnergies = s
            } else if let isolated {
                selfEnergies = rank == elementCount ? SelfEnergies(isolatedAtoms: isolated)
                    : try SelfEnergies.fit(train, anchoredTo: SelfEnergies(isolatedAtoms: isolated), task: task.name)
            } else if rank == elementCount {
                selfEnergies = try SelfEnergies.fit(train, task: task.name)
            } else {
                throw DataError(file: manifest, item: "isolated_atoms",
                                "the training compositions (rank \(rank) for \(elementCount) elements) cannot determine per-element self-energies, and \(dataPath) has no isolated atoms: the model would carry minimum-norm values, off by hundreds of eV per atom on any other molecule. Name the isolated-atom energies of this level of theory (isolated_atoms: FILE)")
            }
            print("self-energies: \(selfEnergies.origin.rawValue)")
            // Model.
            let elements = Array(Set(all.flatMap(\.atomicNumbers))).sorted()
            var potential = try (m.model ?? .standard)
                .makePotential(elements: elements, selfEnergies: selfEnergies, file: manifest)
            // Symmetry-function models standardise their features over the training set.
            if let scaled = potential as? any FeatureScaledPotential {
                potential = try scaled.fittingScales(to: train)
            }
            let dir = m.checkpointDir.map(resolve)
            let out = output ?? (dir.map { $0 + "/model.json" } ?? "model.json")
            if let output { try checkWritable(output, option: "--output") }
            // The checkpoint directory is locked and fingerprinted like a study's run directory:
            // a resume (or rerun) with other settings or data stops here, naming what differs.
            var runDirectory: RunDirectory?
            if let dir {
                var fingerprint = try RunFingerprint(configuration: m, dataPaths: ["data \(m.data)": dataPath]
                    .merging(try m.isolatedAtoms.map { ["isolated_atoms \($0)": try resolveData($0)] } ?? [:]) { a, _ in a })
                fingerprint.record("effective.loss", loss)
                fingerprint.record("effective.divergence", divergence)
                fingerprint.record("effective.model", m.model ?? .standard)
                runDirectory = try RunDirectory(url: URL(fileURLWithPath: dir), manifestPath: manifest, fingerprint: fingerprint,
                                                compatibility: .init(mutableKeys: ["epochs", "checkpoint_every"]), fresh: fresh && !resume)
            }
            defer { withExtendedLifetime(runDirectory) {} }
            if output == nil { try checkWritable(out, option: "model file") }
            let checkpointPath = dir.map { $0 + "/checkpoint.json" }
            config.checkpointPath = checkpointPath
            let trainer: Trainer
            if resume, let checkpointPath {
                trainer = try Trainer.resume(from: checkpointPath, training: train, validation: validation, configuration: config)
            } else {
                trainer = try Trainer(potential: potential, training: train, validation: validation, configuration: config)
            }
            print("training on \(train.count) conformations, validating on \(validation.count); \(trainer.parameters.scalarCount) parameters")
            trainer.onDivergence = { print($0) }
            trainer.progress = { p in
                guard let v = p.validation else { return }
                print(String(format: "epoch %4d  step %6d  loss %.4e  val E %.2f meV/atom  F %.1f meV/Å  %.0f s (%.0f s left)",
                             p.epoch + 1, p.step, p.loss, v.energyPerAtomRMSE, v.forceRMSE, p.elapsed, p.remaining ?? 0))
            }
            try trainer.train()
            try trainer.modelFile(dataFile: dataPath, task: task.name).save(to: out)
            print("wrote \(out) (best validation loss \(trainer.bestValidationLoss))")
            if !split.test.isEmpty {
                let test = split.test.map { all[$0] }
                print("held-out test set (\(test.count) conformations), best-validation parameters:")
                printMetrics(try errorMetrics(potential: potential, parameters: trainer.bestParameters,
                                              conformations: test, label: dataPath))
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

    func run() throws {
        try MetaMLIP.reportingErrors {
            guard batchSize >= 1 else {
                throw DataError(file: "command line", item: "--batch-size \(batchSize)", "must be at least 1")
            }
            let (conformations, _) = try readConformations(path: data, options: reader.openerOptions())
            var members: [Predictions] = []
            for path in [model] + others {
                let file = try ModelFile.read(path: path)
                let (potential, parameters) = try file.model(file: path)
                let missing = potential.unsupported(conformations.flatMap(\.atomicNumbers))
                guard missing.isEmpty else { throw DataError(file: data, "elements \(missing) are not in the model \(path)") }
                let p = try predictions(potential: potential, parameters: parameters, conformations: conformations,
                                        label: data, batchSize: batchSize)
                let r = p.metrics(against: conformations)
                print("\(path) on \(data): \(r.conformationCount) conformations")
                printMetrics(r)
                if let warning = implausibility(of: r, against: file.provenance?.finalMetrics) { print(warning) }
                members.append(p)
            }
            if members.count > 1 {
                print("committee of \(members.count) models (mean prediction):")
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

/// Prints energy and force errors in meV, meV/atom and meV/Å.
func printMetrics(_ r: EnergyForceMetrics) {
    print(String(format: "energy  MAE %.3f meV/atom  RMSE %.3f meV/atom  (MAE %.2f meV, RMSE %.2f meV)",
                 r.energyPerAtomMAE, r.energyPerAtomRMSE, r.energyMAE, r.energyRMSE))
    if r.forceComponentCount > 0 {
        print(String(format: "forces  MAE %.2f meV/Å  RMSE %.2f meV/Å", r.forceMAE, r.forceRMSE))
    }
}
