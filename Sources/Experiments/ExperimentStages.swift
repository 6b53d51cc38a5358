// The two stages of a study: pretraining a variant, and refitting it over the N × seed grid.

import Foundation
import Communication
import Autodiff
import Chemistry
import MetaLearning
import Potentials
import Training

/// One refit's outcome on the fixed test set.
public struct RefitResult: Codable, Equatable, Sendable {
    public var variant: String
    public var n: Int
    public var seed: UInt64
    public var test: EnergyForceMetrics
    public var epochs: Int
    public var seconds: Double
    /// Per-test-conformation errors for paired comparisons (nil in results written before
    /// they were recorded).
    public var testErrors: TestErrors?

    /// The log line of this refit: `[variant] refit N=… seed …<tag>: test E RMSE …, F RMSE …,
    /// epochs, seconds`.
    func summary(tag: String = "") -> String {
        String(format: "[\(variant)] refit N=%d seed %d\(tag): test E RMSE %.1f meV (%.2f meV/atom), F RMSE %.1f meV/Å, %d epochs, %.0f s",
               n, Int(seed), test.energyRMSE, test.energyPerAtomRMSE, test.forceRMSE, epochs, seconds)
    }
}

/// What pretraining a variant cost and reached.
public struct PretrainingSummary: Codable, Sendable {
    public var variant: String
    public var kind: String
    public var tasks: [String]
    public var conformations: Int
    public var steps: Int
    public var seconds: Double
    /// Final validation loss (post-adaptation for meta-learning).
    public var validationLoss: Double?
    /// The model file the variant started from (`pretrained`, or a pretraining's `start:`).
    public var startModel: String?
    /// The tasks among `tasks` without forces, which contributed energy terms only (nil in
    /// summaries written before force masks existed).
    public var energyOnlyTasks: [String]?
}

/// A unit that an earlier run recorded as failed: it is reported as failed again, not rerun
/// (the same settings would fail the same way; `metamlip run --fresh` starts afresh).
struct UnitFailed: Error, CustomStringConvertible {
    var failure: RunDirectory.Failure
    var description: String { "\(failure.unit) failed in an earlier run (\(failure.stage)): \(failure.reason)" }
}

extension ExperimentRunner {
    /// "; energy-only (no forces, energy terms only): a, b" for a log line, or "".
    static func energyOnlyNote(_ tasks: [String]) -> String {
        tasks.isEmpty ? "" : "; energy-only (no forces, energy terms only): \(tasks.joined(separator: ", "))"
    }

    /// The pool of `variant`: the study's, without its `exclude_tasks`.
    ///
    /// - Throws: `DataError` naming `exclude_tasks` for a task the pool does not have.
    func variantPool(_ variant: ExperimentManifest.Variant, _ pool: (train: [QMTask], validation: [QMTask])) throws
        -> (train: [QMTask], validation: [QMTask]) {
        guard let excluded = variant.excludeTasks else { return pool }
        let names = pool.train.map(\.name)
        if let unknown = excluded.first(where: { !names.contains($0) }) {
            throw DataError(file: manifestPath, item: "variants (\(variant.name)).exclude_tasks",
                            "no pretraining task '\(unknown)' (tasks: \(names.joined(separator: ", ")))")
        }
        let kept = pool.train.filter { !excluded.contains($0.name) }
        guard !kept.isEmpty else {
            throw DataError(file: manifestPath, item: "variants (\(variant.name)).exclude_tasks", "leaves no pretraining task")
        }
        return (kept, pool.validation)
    }

    /// Whether the sets of `pool` keep their topologies: yes up to
    /// `FittingSet.topologyCacheLimit` conformations in all, else they are rebuilt per batch.
    static func cachesTopologies(_ pool: (train: [QMTask], validation: [QMTask])) -> Bool {
        (pool.train + pool.validation).map(\.conformations.count).reduce(0, +) <= FittingSet.topologyCacheLimit
    }

    /// Checks `variant`'s `refit_head` and `delta_heads` against the pretraining tasks
    /// (run for every variant as soon as the pool is read, before any training).
    func checkHeads(_ variant: ExperimentManifest.Variant, pool allTasks: (train: [QMTask], validation: [QMTask])) throws {
        let pool = try variantPool(variant, allTasks)
        guard variant.taskHeads == true else { return }
        let headChoices = ["shared", "mean"] + pool.train.map(\.name)
        if let head = variant.refitHead, !headChoices.contains(head) {
            throw DataError(file: manifestPath, item: "variants (\(variant.name)).refit_head",
                            "'\(head)' is not one of \(headChoices.joined(separator: ", "))")
        }
        if let bases = variant.deltaHeads, let problem = TaskHeadPotential.checkDeltaBases(bases, tasks: pool.train.map(\.name)) {
            throw DataError(file: manifestPath, item: "variants (\(variant.name)).delta_heads", problem)
        }
    }

    /// The pretrained parameters of `variant` (nil for scratch), from its model file when it
    /// and its summary exist, else by pretraining (resuming from its checkpoint if there is
    /// one: a run killed between the two writes finishes the unit from the final checkpoint).
    ///
    /// - Throws: ``UnitFailed`` when an earlier run recorded this pretraining as failed.
    func pretrain(_ variant: ExperimentManifest.Variant, potential: any AtomisticPotential,
                  pool: (train: [QMTask], validation: [QMTask]), start startModel: StartModel? = nil,
                  directory: RunDirectory? = nil) throws -> ParameterSet<Float>? {
        guard variant.kind != .scratch else { return nil }
        if let failure = try directory?.failure(of: "pretrain/\(variant.name)") { throw UnitFailed(failure: failure) }
        let pool = try variantPool(variant, pool)  // its keys were checked with checkHeads before any unit ran
        let dir = runDirectory.appendingPathComponent("pretrain/\(variant.name)")
        let modelPath = dir.appendingPathComponent("model.json").path
        let summaryPath = dir.appendingPathComponent("summary.json").path
        if variant.kind == .pretrained {
            guard let startModel else { preconditionFailure("a pretrained variant's model is loaded before any unit runs") }
            try createRunFolder(dir)
            try writeJSONAtomically(PretrainingSummary(variant: variant.name, kind: variant.kind.rawValue, tasks: [], conformations: 0,
                                                       steps: 0, seconds: 0, validationLoss: nil, startModel: startModel.path),
                                    to: summaryPath)
            return startModel.parameters
        }
        let base = startModel?.potential ?? potential
        if FileManager.default.fileExists(atPath: modelPath) && FileManager.default.fileExists(atPath: summaryPath) {
            log("[\(variant.name)] pretrained model found, reusing \(modelPath)")
            let saved = try ModelFile.load(path: modelPath)
            return refitStart(variant, potential: saved.potential, parameters: saved.parameters)
        }
        let potential: any AtomisticPotential = variant.taskHeads == true
            ? TaskHeadPotential(base: base, tasks: pool.train.map(\.name), deltaBases: variant.deltaHeads ?? [:]) : base
        try createRunFolder(dir)
        let checkpoint = dir.appendingPathComponent("checkpoint.json").path
        let resume = FileManager.default.fileExists(atPath: checkpoint)
        func part(_ t: QMTask) -> FittingSet.Part {
            FittingSet.Part(name: t.name, conformations: t.conformations,
                            selfEnergies: t.selfEnergies ?? SelfEnergies(energies: [:], origin: .leastSquares))
        }
        // A pool of ~10⁵ conformations keeps no topologies (rebuilt per batch; same numbers).
        let cache = Self.cachesTopologies(pool)
        let start = Date()
        let parameters: ParameterSet<Float>
        var summary: PretrainingSummary
        let initial = startModel.map { Self.initialParameters(of: potential, from: $0) }
        switch variant.kind {
        case .reptile, .fomaml, .maml:
            let tasks = try pool.train.map { t in
                PotentialTask<Float>(name: t.name, potential: potential,
                                     data: try FittingSet([part(t)], potential: potential, requireForces: false, label: t.name, cacheTopologies: cache),
                                     loss: loss)
            }
            let validation = try pool.validation.map { t -> ValidationTask in
                let set = try FittingSet([part(t)], potential: potential, requireForces: false, label: t.name, cacheTopologies: cache)
                let half = set.count / 2
                return ValidationTask(adapt: PotentialTask(name: t.name, potential: potential, data: set.subset(Array(0..<half)), loss: loss),
                                      evaluate: set.subset(Array(half..<set.count)))
            }
            let config = try metaConfiguration(variant, checkpoint: checkpoint)
            let algorithm = config.algorithm
            let trainer = resume
                ? try MetaTrainer.resume(from: checkpoint, tasks: tasks, validationTasks: validation, configuration: config)
                : try MetaTrainer(potential: potential, parameters: initial, tasks: tasks, validationTasks: validation, configuration: config)
            log("[\(variant.name)] \(algorithm.rawValue) on \(tasks.count) tasks (\(tasks.map(\.count).reduce(0, +)) conformations), validating on \(validation.map(\.adapt.name))\(resume ? ", resumed at iteration \(trainer.iteration)" : "")\(Self.energyOnlyNote(tasks.filter { $0.data.isEnergyOnly }.map(\.name)))")
            trainer.onDivergence = { [log] in log("[\(variant.name)] \($0)") }
            trainer.progress = { [log] record, left in
                let f = record.metrics.values.map(\.forceRMSE).filter { !$0.isNaN }  // energy-only tasks have none
                // Without validation tasks (or with energy-only ones) there is no such number to print.
                let loss = record.metrics.isEmpty ? "post-adaptation validation: no validation tasks"
                    : String(format: "post-adaptation val loss %.3e", record.validationLoss)
                let force = f.isEmpty ? "" : String(format: "  F RMSE %.1f meV/Å", f.reduce(0, +) / Double(f.count))
                log(String(format: "[\(variant.name)] iteration %5d  ε %.3f  ", record.iteration, record.epsilon) + loss + force
                    + String(format: "  %.0f s (%.0f s left)", record.seconds, left ?? 0))
            }
            try trainer.train()
            parameters = trainer.bestParameters
            try UnitRecords.write(UnitRecords.metaCurve(trainer.history), to: dir.appendingPathComponent("curve.csv").path)
            summary = PretrainingSummary(variant: variant.name, kind: variant.kind.rawValue, tasks: tasks.map(\.name),
                                         conformations: tasks.map(\.count).reduce(0, +),
                                         steps: trainer.iteration * config.metaBatchSize * config.inner.steps,
                                         seconds: trainer.elapsedBefore, validationLoss: validation.isEmpty ? nil : trainer.bestValidationLoss,
                                         energyOnlyTasks: tasks.filter { $0.data.isEnergyOnly }.map(\.name))
        case .multitask, .single:
            let chosen = variant.kind == .single ? pool.train.filter { $0.name == variant.task } : pool.train
            guard !chosen.isEmpty else {
                throw DataError(file: manifestPath, item: "variants (\(variant.name)).task",
                                "task '\(variant.task ?? "")' is not among the pretraining tasks")
            }
            let set = try FittingSet(chosen.map(part), potential: potential, requireForces: false, label: variant.name,
                                     cacheTopologies: cache)
            var order = Array(0..<set.count)
            var g = SeededGenerator(seed: seed ^ 0x7A11)
            g.shuffle(&order)
            let held = max(1, set.count / 20)
            let config = try trainerConfiguration(variant, checkpoint: checkpoint)
            let training = set.subset(Array(order.dropFirst(held))), validation = set.subset(Array(order.prefix(held)))
            let trainer = resume
                ? try Trainer.resume(from: checkpoint, training: training, validation: validation, configuration: config)
                : try Trainer(potential: potential, parameters: initial, training: training, validation: validation, configuration: config)
            log("[\(variant.name)] \(variant.kind.rawValue) training on \(chosen.count) task(s), \(training.count) conformations\(resume ? ", resumed at epoch \(trainer.epoch)" : "")\(Self.energyOnlyNote(set.energyOnlyParts))")
            let every = max(1, variant.epochs! / 10)
            trainer.onDivergence = { [log] in log("[\(variant.name)] \($0)") }
            trainer.progress = { [log] p in
                guard let v = p.validation, (p.epoch + 1) % every == 0 else { return }
                log(String(format: "[\(variant.name)] epoch %4d  val E %.2f meV/atom  F %.1f meV/Å  %.0f s (%.0f s left)",
                           p.epoch + 1, v.energyPerAtomRMSE, v.forceRMSE, p.elapsed, p.remaining ?? 0))
            }
            try trainer.train()
            parameters = trainer.bestParameters
            try UnitRecords.write(UnitRecords.epochCurve(trainer.history), to: dir.appendingPathComponent("curve.csv").path)
            summary = PretrainingSummary(variant: variant.name, kind: variant.kind.rawValue, tasks: chosen.map(\.name),
                                         conformations: training.count, steps: trainer.step, seconds: trainer.elapsedBefore,
                                         validationLoss: trainer.bestValidationLoss, energyOnlyTasks: set.energyOnlyParts)
        case .scratch, .pretrained:
            preconditionFailure("handled above")
        }
        summary.startModel = startModel?.path
        try ModelFile(potential: potential, parameters: parameters,
                      provenance: .init(dataFile: manifest.pretraining?.recipe, task: variant.name, seed: seed, steps: summary.steps))
            .save(to: modelPath)
        try writeJSONAtomically(summary, to: summaryPath)
        log(String(format: "[\(variant.name)] pretrained in %.0f s (this call %.0f s)", summary.seconds, Date().timeIntervalSince(start)))
        return refitStart(variant, potential: potential, parameters: parameters)
    }

    /// The plain parameters a refit of `variant` starts from: for a model with per-task
    /// heads, the shared trunk with the readout of `refit_head` (`shared`: the shared
    /// readout alone, `mean`: plus the mean head deviation, a task: plus that task's).
    func refitStart(_ variant: ExperimentManifest.Variant, potential: any AtomisticPotential,
                    parameters: ParameterSet<Float>) -> ParameterSet<Float> {
        guard let heads = potential as? TaskHeadPotential else { return parameters }
        switch variant.refitHead ?? "shared" {
        case "mean": return heads.baseParametersWithMeanHead(in: parameters)
        case "shared": return heads.baseParameters(for: nil, in: parameters)
        case let task: return heads.baseParameters(for: task, in: parameters)
        }
    }

    /// One refit of `variant` to `n` target conformations with seed `seed`: its result from
    /// the result file when that exists, else refitted, evaluated and written.
    ///
    /// - Parameter replay: the pretraining pool with its tasks' self-energies, from which
    ///   `refit.replay × N` conformations are added to each refit of a pretrained variant.
    /// - Throws: ``UnitFailed`` when an earlier run recorded this refit as failed.
    func refit(_ variant: ExperimentManifest.Variant, n: Int, seed s: UInt64, potential: any AtomisticPotential,
               parameters: ParameterSet<Float>?, target: TargetData, replay: FittingSet? = nil,
               directory: RunDirectory? = nil) throws -> RefitResult {
        let r = manifest.refit
        let dir = runDirectory.appendingPathComponent("refit/\(variant.name)")
        try createRunFolder(dir)
        let path = dir.appendingPathComponent("n\(n)-seed\(s).json").path
        if FileManager.default.fileExists(atPath: path) {
            return try readJSON(RefitResult.self, path: path, what: "refit result")
        }
        if let failure = try directory?.failure(of: Self.refitUnit(variant.name, n: n, seed: s)) { throw UnitFailed(failure: failure) }
        var order = Array(target.pool.indices)
        var g = SeededGenerator(seed: s &* 0x51ED &+ 17)
        g.shuffle(&order)
        let training = order.prefix(n).map { target.pool[$0] }
        let plan = try refitPlan(n: n, seed: s, pretrained: parameters != nil, selfEnergyPrior: target.selfEnergies)
        let start = Date()
        let unit = Self.refitUnit(variant.name, n: n, seed: s)
        let (trainer, refitted) = try plan.run(potential: potential, parameters: parameters, training: training,
                                               validation: target.validation, replay: replay, label: "\(variant.name) N=\(n)",
                                               onDivergence: { [log] in log("[\(unit)] \($0)") })
        let predicted = try predictions(potential: refitted, parameters: trainer.bestParameters, conformations: target.test,
                                        label: target.path)
        let test = predicted.metrics(against: target.test)
        let stem = dir.appendingPathComponent("n\(n)-seed\(s)").path
        try UnitRecords.write(UnitRecords.epochCurve(trainer.history), to: stem + ".curve.csv")
        try UnitRecords.write(UnitRecords.testEnergies(predicted, target.test), to: stem + ".test.csv")
        try UnitRecords.write(UnitRecords.testForces(predicted, target.test), to: stem + ".test_forces.csv")
        if r.saveModels ?? false {
            try ModelFile(potential: refitted, parameters: trainer.bestParameters,
                          provenance: .init(dataFile: target.path, task: "\(variant.name) refit N=\(n)", seed: s,
                                            steps: trainer.step, epochs: trainer.epoch,
                                            finalMetrics: test))
                .save(to: dir.appendingPathComponent("n\(n)-seed\(s).model.json").path)
        }
        let result = RefitResult(variant: variant.name, n: n, seed: s, test: test, epochs: trainer.epoch,
                                 seconds: Date().timeIntervalSince(start), testErrors: TestErrors(predicted, against: target.test))
        try writeJSONAtomically(result, to: path)
        log(result.summary() + ", self-energies \(refitted.selfEnergies.origin.rawValue)")
        return result
    }
}

/// Creates a folder of the run directory (with its parents); in an MPI run rank 0 alone does,
/// and the other ranks wait for it.
func createRunFolder(_ url: URL) throws {
    try World.onWriter { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
}
