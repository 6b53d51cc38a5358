// `metamlip train` as a library call: one model on one data file from a training manifest,
// with a locked, fingerprinted checkpoint directory.

import Foundation
import Autodiff
import Chemistry
import Datasets
import Descriptors
import Potentials
import Training

/// A training manifest (YAML, snake_case keys):
///
///     data: 3bpa/train_300K.xyz        # next to the manifest, else under the data root
///     isolated_atoms: 3bpa/iso_atoms.xyz   # else the file's own; needed for one molecule (see below)
///     split: {seed: 1, train: 0.8, validation: 0.1, test: 0.1}   # or n_train: 450 (rest validation)
///     model: {kind: ani, widths: [160, 128, 96], celu_alpha: 0.1}   # or {kind: ani, preset: ani1x}
///     loss: {energy_weight: 1, force_weight: 1}   # hierarchicality: w_H adds hippynn's term (kind hipnn)
///     optimizer: {kind: adam, learning_rate: 0.001, weight_decay: 0}
///     epochs: 100
///     batch_size: 32
///     seed: 0
///     checkpoint_dir: runs/3bpa          # checkpoint.json, model.json, split.json (the split's indices)
///     checkpoint_every: 5
///     ema_decay: 0.99                  # optional: validate and save a moving average of the parameters
///     divergence: {max_retries: 3, learning_rate_factor: 0.1, explosion_factor: 1000}   # the defaults
///     stage_two: {start_epoch: 90, energy_weight: 1000, force_weight: 100, learning_rate: 0.001}   # optional
///     gradient_clip: 10                # optional: largest global gradient norm (PyTorch clip_grad_norm_)
///
/// `stage_two` switches to other loss weights and a new learning rate from epoch
/// `start_epoch` (counted from 0) to the end, as mace-torch's SWA stage does for energies
/// (`StageTwoSettings`, `TrainerConfiguration.StageTwo`): the best parameters then come from
/// stage two only.
///
/// A diverging epoch (NaN or ±∞ loss or parameters, a mean training loss above
/// `explosion_factor` × the lowest epoch mean so far, or a validation loss above
/// `explosion_factor` × the best so far) is rolled back and retried with the learning rate
/// times `learning_rate_factor`, at most `max_retries` times per run (see `DivergenceGuard`);
/// then `train` stops with an error and writes no model.
public struct TrainManifest: Codable, Sendable {
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
    var npzKeys: NPZKeys?
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
    var stageTwo: StageTwoSettings?
    var gradientClip: Double?

    enum CodingKeys: String, CodingKey {
        case data, format, split, model, loss, optimizer, epochs, seed, patience, plateau, divergence
        case stageTwo = "stage_two", gradientClip = "gradient_clip"
        case energyKey = "energy_key", forcesKey = "forces_key", energyUnit = "energy_unit", npzKeys = "npz_keys"
        case isolatedAtoms = "isolated_atoms", batchSize = "batch_size"
        case checkpointDir = "checkpoint_dir", checkpointEvery = "checkpoint_every", emaDecay = "ema_decay"
    }

    /// Reads a manifest; unknown keys are errors (`YAMLDocument`).
    public static func load(path: String) throws -> TrainManifest {
        try YAMLDocument.load(TrainManifest.self, path: path)
    }

    /// The training configuration the manifest describes (no checkpoint path), every value
    /// checked against its range: what `train` runs and `check` validates.
    /// - Throws: `DataError` naming `file` and the key.
    public func trainerConfiguration(file: String) throws -> TrainerConfiguration {
        if let unit = energyUnit { _ = try EnergyUnit.parse(unit, file: file, item: "energy_unit") }
        if let npzKeys, energyUnit == nil {
            throw DataError(file: file, item: "energy_unit", "an npz file read with npz_keys (\(npzKeys)) records no energy unit MetaMLIP reads: state energy_unit")
        }
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
        if let clip = gradientClip, !(clip.isFinite && clip > 0) {
            throw DataError(file: file, item: "gradient_clip", "must be a finite number > 0 (the largest gradient norm), got \(clip)")
        }
        if let n = split?.nTrain, n < 1 { throw DataError(file: file, item: "split.n_train", "must be ≥ 1, got \(n)") }
        for (key, f) in [("split.train", split?.train), ("split.validation", split?.validation), ("split.test", split?.test)] {
            if let f, !(f.isFinite && f >= 0 && f <= 1) { throw DataError(file: file, item: key, "must lie in [0, 1], got \(f)") }
        }
        return TrainerConfiguration(
            epochs: epochs, batchSize: batchSize ?? 32, seed: seed ?? 0, loss: try LossSettings.resolve(loss, file: file, allowingHierarchicality: true),
            optimizer: choice, plateau: try (plateau ?? PlateauSettings()).schedule(file: file),
            earlyStopping: patience.map { EarlyStopping(patience: $0) },
            checkpointEvery: checkpointEvery ?? 0, checkpointPath: nil, emaDecay: emaDecay,
            divergenceGuard: try DivergenceSettings.resolve(divergence, file: file),
            hierarchicality: try LossSettings.hierarchicality(loss, file: file),
            stageTwo: try StageTwoSettings.resolve(stageTwo, epochs: epochs, file: file),
            gradientClip: gradientClip)
    }
}

/// `<checkpoint_dir>/split.json` of `metamlip train`: the data file and the indices (0-based,
/// in the file's order of conformations) of its training, validation and test conformations.
struct SplitRecord: Encodable {
    var data: String
    var task: String
    var train: [Int], validation: [Int], test: [Int]

    init(data: String, task: String, split: DataSplit) {
        self.data = data; self.task = task
        train = split.train; validation = split.validation; test = split.test
    }
}

/// Throws unless a file can be created at `path` (its folder exists and is writable), so a
/// command stops before long work rather than after it.
public func checkWritable(_ path: String, option: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw DataError(file: path, item: option, "its folder \(folder) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
        throw DataError(file: path, item: option, "its folder \(folder) is not writable")
    }
}

/// One `metamlip train` run: reads the manifest's data, splits it, fixes the self-energies,
/// builds the model and trains it (resuming from `<checkpoint_dir>/checkpoint.json` when
/// asked), then writes the model file and evaluates the held-out test split.
public struct TrainingRun {
    public let manifestPath: String

    public init(manifestPath: String) { self.manifestPath = manifestPath }

    /// What a run produced.
    public struct Outcome: Sendable {
        /// The model file written.
        public var modelPath: String
        public var bestValidationLoss: Double
        /// Errors of the best parameters on the test split (nil when the split has none).
        public var test: EnergyForceMetrics?
    }

    /// Runs (or, with `resume`, continues) the training and writes the model file
    /// (`output`, else `<checkpoint_dir>/model.json`, else `model.json`).
    ///
    /// - Throws: `DataError` for bad settings or data (before any training), a checkpoint
    ///   directory of another configuration (unless `fresh`), or `TrainingDiverged`.
    ///
    /// `log` receives the status and per-epoch lines; `progress`, when given, also receives
    /// every epoch's end (with validation metrics) and the manifest's epoch count (for a
    /// progress bar).
    public func run(output: String? = nil, resume: Bool = false, fresh: Bool = false,
                    log: @escaping (String) -> Void = { print($0) },
                    progress: ((TrainingProgress, _ epochs: Int) -> Void)? = nil) throws -> Outcome {
        let manifest = manifestPath
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
                                                                            forcesKey: m.forcesKey, energyUnit: m.energyUnit,
                                                                            npzKeys: m.npzKeys))
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
        log("self-energies: \(selfEnergies.origin.rawValue)")
        // Model.
        let elements = Array(Set(all.flatMap(\.atomicNumbers))).sorted()
        var potential = try (m.model ?? .standard)
            .makePotential(elements: elements, selfEnergies: selfEnergies, file: manifest)
        if config.hierarchicality != nil { _ = try HierarchicalityRegulariser.layered(potential, file: manifest) }
        // Symmetry-function models standardise their features over the training set.
        if let scaled = potential as? any FeatureScaledPotential {
            potential = try scaled.fittingScales(to: train)
        }
        // Constants computed on the training set: DeepPot's environment statistics (and an
        // automatic sel), MACE's average neighbours and scale.
        potential = try potential.withDataStatistics(from: train, file: manifest)
        if let fitted = potential as? any DataStatisticsPotential { log("model constants: \(fitted.dataStatisticsSummary)") }
        let dir = m.checkpointDir.map(resolve)
        let out = output ?? (dir.map { $0 + "/model.json" } ?? "model.json")
        if let output { try checkWritable(output, option: "--output") }
        // The checkpoint directory is locked and fingerprinted like a study's run directory:
        // a resume (or rerun) with other settings or data stops here, naming what differs.
        var runDirectory: RunDirectory?
        if let dir {
            var fingerprint = try RunFingerprint(configuration: m, dataPaths: ["data \(m.data)": dataPath]
                .merging(try m.isolatedAtoms.map { ["isolated_atoms \($0)": try resolveData($0)] } ?? [:]) { a, _ in a })
            try fingerprint.record("effective.loss", loss)
            try fingerprint.record("effective.divergence", divergence)
            try fingerprint.record("effective.model", m.model ?? .standard)
            runDirectory = try RunDirectory(url: URL(fileURLWithPath: dir), manifestPath: manifest, fingerprint: fingerprint,
                                            compatibility: .init(mutableKeys: ["epochs", "checkpoint_every"]), fresh: fresh && !resume, log: log)
        }
        defer { withExtendedLifetime(runDirectory) {} }
        if output == nil { try checkWritable(out, option: "model file") }
        let checkpointPath = dir.map { $0 + "/checkpoint.json" }
        // Which conformations of the data file trained, validated and were held out, so the
        // same split can be used elsewhere (another code, a reference model).
        if let dir { try writeJSONAtomically(SplitRecord(data: dataPath, task: task.name, split: split), to: dir + "/split.json") }
        config.checkpointPath = checkpointPath
        let trainer: Trainer
        if resume, let checkpointPath {
            trainer = try Trainer.resume(from: checkpointPath, training: train, validation: validation, configuration: config)
        } else {
            trainer = try Trainer(potential: potential, training: train, validation: validation, configuration: config)
        }
        log("training on \(train.count) conformations, validating on \(validation.count); \(trainer.parameters.scalarCount) parameters")
        if let two = config.stageTwo {
            log("stage two from epoch \(two.startEpoch) (counted from 0): loss weights energy \(two.loss.energyWeight), forces \(two.loss.forceWeight)"
                + (two.learningRate.map { ", learning rate \($0)" } ?? "") + "; the best parameters come from stage two")
        }
        trainer.onDivergence = { log("\($0)") }
        let epochs = config.epochs
        if let clip = config.gradientClip { log("gradient norms above \(clip) are scaled down to it") }
        trainer.progress = { [unowned trainer] p in
            guard let v = p.validation else { return }
            progress?(p, epochs)
            let norms = trainer.history.last?.gradientNorms
            let clipped = config.gradientClip == nil ? "" : "  clipped \(norms?.clippedSteps ?? 0)"
            log(String(format: "epoch %4d  step %6d  loss %.4e  val E %.2f meV/atom  F %.1f meV/Å  |g| %.3g (max %.3g)",
                       p.epoch + 1, p.step, p.loss, v.energyPerAtomRMSE, v.forceRMSE, norms?.median ?? .nan, norms?.max ?? .nan)
                + clipped + String(format: "  %.0f s (%.0f s left)", p.elapsed, p.remaining ?? 0))
        }
        try trainer.train()
        try trainer.modelFile(dataFile: dataPath, task: task.name).save(to: out)
        log("wrote \(out) (best validation loss \(trainer.bestValidationLoss))")
        var test: EnergyForceMetrics?
        if !split.test.isEmpty {
            test = try errorMetrics(potential: potential, parameters: trainer.bestParameters,
                                    conformations: split.test.map { all[$0] }, label: dataPath)
        }
        return Outcome(modelPath: out, bestValidationLoss: trainer.bestValidationLoss, test: test)
    }
}
