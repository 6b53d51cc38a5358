// Runs a lifelong-learning study: every strategy × committee member through the task
// stream, evaluations after every task, final errors, flags and calibration; resumable.

import Foundation
import Autodiff
import Chemistry
import Datasets
import Potentials
import Training

/// One member's state after some tasks: parameters, optimizer state and what it cost.
public struct LifelongMemberState: Codable, Sendable {
    public var strategy: String
    public var member: Int
    /// Tasks learned (1…T; for a joint strategy, T).
    public var tasksLearned: Int
    public var parameters: [ModelFile.StoredTensor]
    /// The optimizer state to continue from (CoRe: moments, step sizes, scores, frozen counts).
    public var optimizer: OptimizerState
    public var epochs: Int
    public var steps: Int
    /// Conformations in this stage's training set (task + rehearsed).
    public var trainingConformations: Int
    public var seconds: Double
}

/// Executes a ``LifelongManifest`` into a run directory:
///
///     <run>/manifest.yaml
///     <run>/<strategy>/member<m>/after-<t>.json   a LifelongMemberState (t tasks learned)
///     <run>/<strategy>/buffer-after-<t>.json      the RehearsalBuffer after t tasks
///     <run>/<strategy>/eval-after-<t>.json        a StageEvaluation (errors on tasks 1…t, flags on task t+1)
///     <run>/<strategy>/final.json                 a FinalAnalysis (flags, calibration on every test set)
///     <run>/forgetting.csv, final.csv, flags.csv, new-task-flags.csv, calibration.csv, calibration-bins.csv, summary.md
///
/// Every file is written atomically once its stage is done; a rerun loads finished stages
/// and computes only what is missing.
public final class LifelongRunner {
    public let manifest: LifelongManifest
    public let manifestPath: String
    public let runDirectory: URL
    /// Where progress lines go (called from several threads when `jobs` > 1).
    public var log: (String) -> Void = { print($0) }
    /// How many committee members train at once (one thread each; give each one BLAS
    /// thread). Results do not depend on it.
    public var jobs = 1
    /// Move an existing run directory aside instead of resuming it (`metamlip run --fresh`).
    public var fresh = false

    /// The loss (``LossSettings``: the same defaults as every manifest).
    let loss: EnergyForceLoss
    var batchSize: Int { manifest.batchSize ?? 16 }
    var seeds: [UInt64] { manifest.committee.memberSeeds }

    public init(manifestPath: String, runDirectory: String? = nil) throws {
        manifest = try LifelongManifest.load(path: manifestPath)
        loss = try LossSettings.resolve(manifest.loss, file: manifestPath)
        self.manifestPath = manifestPath
        self.runDirectory = URL(fileURLWithPath: runDirectory ?? "runs/\(manifest.experiment)")
    }

    func path(_ strategy: String, _ name: String) -> String {
        runDirectory.appendingPathComponent(strategy).appendingPathComponent(name).path
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// The fingerprint of a run of `manifest`: its keys and a hash of the recipe's files.
    func fingerprint(of manifest: LifelongManifest) throws -> RunFingerprint {
        let location = manifest.dataRoot.map {
            DataLocation.resolve(explicit: $0, relativeTo: URL(fileURLWithPath: manifestPath).deletingLastPathComponent().path)
        }
        let (builder, _) = try studySuiteBuilder(recipe: manifest.recipe, manifestPath: manifestPath, location: location)
        var fingerprint = try RunFingerprint(configuration: manifest, dataPaths: try builder.inputFiles())
        try fingerprint.record("effective.loss", loss)
        return fingerprint
    }

    // MARK: Running

    /// Runs (or resumes) the study, writes the CSV files and `summary.md`, and returns the results.
    @discardableResult
    public func run() throws -> LifelongResults {
        let start = Date()
        let directory = try RunDirectory(url: runDirectory, manifestPath: manifestPath, fingerprint: try fingerprint(of: manifest),
                                         compatibility: .init(mutableKeys: ["description"]), fresh: fresh, log: log,
                                         legacy: { [self] copy in (try? LifelongManifest.load(path: copy.path)).flatMap { try? fingerprint(of: $0) } })
        defer { withExtendedLifetime(directory) {} }

        let tasks = try manifest.loadStream(manifestPath: manifestPath, log: log)
        let selfEnergies = try PreparedStream.selfEnergies(of: tasks)
        let elements = Array(Set(tasks.flatMap(\.elements))).sorted()
        let potential = try manifest.modelSpec
            .makePotential(elements: elements, selfEnergies: selfEnergies, file: manifestPath)
            // DeepPot, MACE: data constants over every task's training conformations, fixed before the
            // stream starts, as the element list is (MACE's force scale thereby sees later tasks' forces).
            .withDataStatistics(from: tasks.flatMap(\.train), file: manifestPath)
        let stream = try PreparedStream(tasks: tasks, potential: potential, requireForces: loss.forceWeight > 0)
        log("model \(potential.architecture.kind) for \(elements.map { Element.symbol(for: $0) }.joined(separator: " ")), "
            + "\(potential.initialParameters(seed: 0).tensors.reduce(0) { $0 + $1.scalars.count }) parameters; "
            + "self-energies (eV) " + elements.map { "\(Element.symbol(for: $0)) \(String(format: "%.4f", selfEnergies.energies[$0] ?? .nan))" }.joined(separator: ", "))
        for (i, t) in tasks.enumerated() {
            log("  task \(i + 1) \(t.name): train \(t.train.count), validation \(t.validation.count), test \(t.test.count), elements "
                + t.elements.map { Element.symbol(for: $0) }.joined())
        }

        var strategies: [StrategyResults] = []
        for strategy in manifest.strategies {
            try FileManager.default.createDirectory(at: runDirectory.appendingPathComponent(strategy.name), withIntermediateDirectories: true)
            let finalStates: [LifelongMemberState]
            var evaluations: [StageEvaluation] = []
            switch strategy.kind {
            case .sequential:
                (finalStates, evaluations) = try runSequential(strategy, potential: potential, stream: stream)
            case .joint:
                finalStates = try runJoint(strategy, potential: potential, stream: stream)
                evaluations = [try evaluation(strategy, after: tasks.count, states: finalStates, potential: potential, stream: stream)]
            }
            let final = try finalAnalysis(strategy, states: finalStates, potential: potential, stream: stream)
            strategies.append(StrategyResults(name: strategy.name, kind: strategy.kind, optimizer: strategy.optimizer,
                                              rehearsal: strategy.rehearsal ?? false, evaluations: evaluations, final: final,
                                              seconds: finalStates.reduce(0) { $0 + $1.seconds }
                                                  + (strategy.kind == .sequential ? try stageSeconds(strategy, tasks.count) : 0),
                                              epochs: finalStates.first?.epochs ?? 0))
        }
        let results = LifelongResults(experiment: manifest.experiment, tasks: tasks.map(\.name),
                                      taskSizes: tasks.map { [$0.train.count, $0.validation.count, $0.test.count] },
                                      selfEnergies: selfEnergies, parameterCount: potential.initialParameters(seed: 0).tensors.reduce(0) { $0 + $1.scalars.count },
                                      strategies: strategies, wallSeconds: Date().timeIntervalSince(start))
        try results.write(to: runDirectory, manifest: manifest)
        log("\n" + results.summaryMarkdown(manifest: manifest))
        return results
    }

    /// Training seconds of the earlier stages of a sequential strategy (the last stage's are
    /// in the final states).
    func stageSeconds(_ strategy: LifelongManifest.Strategy, _ taskCount: Int) throws -> Double {
        var total = 0.0
        for t in stride(from: 1, to: taskCount, by: 1) {
            for m in seeds.indices {
                total += try readStageJSON(LifelongMemberState.self, path: path(strategy.name, "member\(m)/after-\(t).json"), what: "member state").seconds
            }
        }
        return total
    }

    /// Sequential training through the stream; returns the states after the last task and
    /// the evaluation after every task.
    func runSequential(_ strategy: LifelongManifest.Strategy, potential: any AtomisticPotential,
                       stream: PreparedStream) throws -> ([LifelongMemberState], [StageEvaluation]) {
        let rehearse = strategy.rehearsal ?? false
        let r = manifest.rehearsal
        var buffer = RehearsalBuffer(capacity: r?.capacity ?? 1, rule: r?.rule ?? .balanced, seed: r?.seed ?? 0)
        var states: [LifelongMemberState] = []
        var evaluations: [StageEvaluation] = []
        for t in stream.tasks.indices {
            // Training set of task t: its own training split plus the rehearsed conformations.
            var parts = [stream.train[t]]
            if rehearse { parts += (0..<t).map { stream.train[$0].subset(buffer.indices(ofTask: $0)) } }
            let training = FittingSet.concatenating(parts)
            let validation = FittingSet.concatenating(Array(stream.validation[0...t]))
            states = try memberStates(strategy.name, tasksLearned: t + 1) { m, seed, file in
                let previous = t == 0 ? nil : states[m]
                let parameters = try previous.map { try ModelFile.restore($0.parameters, like: potential, file: file, item: "parameters") }
                    ?? potential.initialParameters(seed: seed)
                let config = TrainerConfiguration(epochs: manifest.epochsPerTask, batchSize: batchSize,
                                                  seed: seed &* 1000 &+ UInt64(t), loss: loss, optimizer: strategy.optimizer.choice,
                                                  plateau: nil, earlyStopping: nil)
                return try train(strategy: strategy.name, member: m, tasksLearned: t + 1, potential: potential,
                                 parameters: parameters, optimizerState: previous?.optimizer,
                                 training: training, validation: validation, configuration: config)
            }
            evaluations.append(try evaluation(strategy, after: t + 1, states: states, potential: potential, stream: stream))
            // The buffer after task t (read back when it exists: the uncertainty rule's spreads).
            let bufferFile = path(strategy.name, "buffer-after-\(t + 1).json")
            if rehearse {
                if exists(bufferFile) {
                    buffer = try readStageJSON(RehearsalBuffer.self, path: bufferFile, what: "rehearsal buffer")
                } else {
                    var spreads: [Double] = []
                    if buffer.rule == .uncertainty {
                        spreads = try committee(states, potential: potential).predict(stream.train[t], batchSize: 64).map(\.energySpreadPerAtom)
                    }
                    buffer.add(taskOfSize: stream.train[t].count, spreads: spreads)
                    try writeStageJSON(buffer, to: bufferFile)
                }
            }
        }
        return (states, evaluations)
    }

    /// All tasks' training data at once, for the joint strategy's epochs (default: the
    /// conformation-gradient budget of a rehearsing sequential run).
    func runJoint(_ strategy: LifelongManifest.Strategy, potential: any AtomisticPotential,
                  stream: PreparedStream) throws -> [LifelongMemberState] {
        let training = FittingSet.concatenating(stream.train)
        let validation = FittingSet.concatenating(stream.validation)
        let epochs = strategy.epochs ?? jointEpochs(stream: stream)
        return try memberStates(strategy.name, tasksLearned: stream.tasks.count) { m, seed, _ in
            let config = TrainerConfiguration(epochs: epochs, batchSize: batchSize, seed: seed &* 1000, loss: loss,
                                              optimizer: strategy.optimizer.choice, plateau: nil, earlyStopping: nil)
            return try train(strategy: strategy.name, member: m, tasksLearned: stream.tasks.count, potential: potential,
                             parameters: potential.initialParameters(seed: seed), optimizerState: nil,
                             training: training, validation: validation, configuration: config)
        }
    }

    /// Every committee member's state after `tasksLearned` tasks: read from its stage file
    /// when that exists, else made by `train(member, seed, file)` and written there. The
    /// members are independent and run up to `jobs` at once.
    func memberStates(_ strategy: String, tasksLearned: Int,
                      train: (Int, UInt64, String) throws -> LifelongMemberState) throws -> [LifelongMemberState] {
        var states = [LifelongMemberState?](repeating: nil, count: seeds.count)
        let lock = NSLock()
        try runConcurrently(seeds.count, jobs: jobs) { m in
            let file = path(strategy, "member\(m)/after-\(tasksLearned).json")
            let state: LifelongMemberState
            if exists(file) {
                state = try readStageJSON(LifelongMemberState.self, path: file, what: "member state")
            } else {
                state = try train(m, seeds[m], file)
                try FileManager.default.createDirectory(atPath: path(strategy, "member\(m)"), withIntermediateDirectories: true)
                try writeStageJSON(state, to: file)
            }
            lock.withLock { states[m] = state }
        }
        return states.map { $0! }
    }

    /// Epochs over all training data that match, in conformation-gradient evaluations,
    /// `epochs_per_task` over each task plus the rehearsal buffer (without rehearsal: the
    /// tasks alone), at least 1.
    func jointEpochs(stream: PreparedStream) -> Int {
        let rehearses = manifest.strategies.contains { $0.kind == .sequential && $0.rehearsal == true }
        var buffer = RehearsalBuffer(capacity: manifest.rehearsal?.capacity ?? 1)
        var total = 0
        for t in stream.tasks.indices {
            total += stream.train[t].count + (rehearses ? buffer.entries.count : 0)
            buffer.add(taskOfSize: stream.train[t].count, spreads: [Double](repeating: 0, count: stream.train[t].count))
        }
        let all = stream.train.reduce(0) { $0 + $1.count }
        return max(1, Int((Double(total * manifest.epochsPerTask) / Double(all)).rounded()))
    }

    func train(strategy: String, member: Int, tasksLearned: Int, potential: any AtomisticPotential,
               parameters: ParameterSet<Float>, optimizerState: OptimizerState?, training: FittingSet, validation: FittingSet,
               configuration: TrainerConfiguration) throws -> LifelongMemberState {
        let trainer = try Trainer(potential: potential, parameters: parameters, training: training, validation: validation,
                                  configuration: configuration, optimizerState: optimizerState)
        try trainer.train()
        let v = trainer.history.last?.validation
        log(String(format: "[%@] member %d after %d task(s): %d conformations × %d epochs, %.0f s; validation E %.2f meV/atom, F %.1f meV/Å",
                   strategy, member, tasksLearned, training.count, trainer.epoch, trainer.elapsedBefore,
                   v?.energyPerAtomRMSE ?? .nan, v?.forceRMSE ?? .nan))
        // The current parameters (not the best on validation): the optimizer state belongs to them.
        return LifelongMemberState(strategy: strategy, member: member, tasksLearned: tasksLearned,
                                   parameters: ModelFile.store(trainer.parameters), optimizer: trainer.optimizerState,
                                   epochs: trainer.epoch, steps: trainer.step, trainingConformations: training.count,
                                   seconds: trainer.elapsedBefore)
    }

    func committee(_ states: [LifelongMemberState], potential: any AtomisticPotential) throws -> Committee {
        Committee(potential: potential, members: try states.map {
            try ModelFile.restore($0.parameters, like: potential, file: path($0.strategy, "member\($0.member)"), item: "parameters")
        })
    }
}
