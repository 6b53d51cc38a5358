// Runs a whole study: pretrain every variant, refit each to the target for every N and
// seed, evaluate on a fixed test set, and write results; resumable at every stage.

import Foundation
import Communication
import Autodiff
import Chemistry
import Datasets
import MetaLearning
import Potentials
import Training

/// Executes an ``ExperimentManifest`` into a run directory:
///
///     <run>/manifest.yaml                       copy of the manifest
///     <run>/pretrain/<variant>/model.json       pretrained model (+ checkpoint.json while running)
///     <run>/pretrain/<variant>/summary.json     pretraining time, steps, final validation
///     <run>/refit/<variant>/n<N>-seed<S>.json   one refit's test metrics (a RefitResult)
///     <run>/refit/<variant>/n<N>-seed<S>.model.json  the refitted model (with `refit.save_models`)
///     <run>/results.csv                         every refit, one row each
///     <run>/summary.csv, summary.md             mean ± sample std over seeds per variant and N
///     <run>/committees.csv                      committee errors of the saved refits (`refit.committee`)
///     <run>/analysis/…                          scans and MD of refitted models (an `analysis:` section)
///
/// Finished parts are recognised by their files and skipped, and an interrupted
/// pretraining continues from its checkpoint, so rerunning the same command resumes.
public final class ExperimentRunner {
    public let manifest: ExperimentManifest
    public let manifestPath: String
    public let runDirectory: URL
    /// Where progress lines go (called from several threads when `jobs` > 1).
    public var log: (String) -> Void = { print($0) }
    /// How many pretrainings, refits or analysis units run at once (one thread each; give each one BLAS
    /// thread, see `setBLASThreads`). Results do not depend on it.
    public var jobs = 1
    /// Move an existing run directory aside instead of resuming it (`metamlip run --fresh`).
    public var fresh = false
    /// Under MPI (more than one rank): deal the refits out over the ranks, each refit run by one
    /// rank alone (true, the default), instead of all ranks sharing every step of every refit.
    /// Pretrainings are always shared. Results are the same either way.
    public var refitsAcrossRanks = true

    private let location: DataLocation
    /// The study's loss (``LossSettings``: the same defaults as every manifest).
    let loss: EnergyForceLoss
    /// How every pretraining and refit of the study handles divergence.
    let divergence: DivergenceGuard
    var seed: UInt64 { manifest.seed ?? 0 }

    public init(manifestPath: String, runDirectory: String? = nil) throws {
        manifest = try ExperimentManifest.load(path: manifestPath)
        loss = try LossSettings.resolve(manifest.loss, file: manifestPath)
        divergence = try DivergenceSettings.resolve(manifest.divergence, file: manifestPath)
        self.manifestPath = manifestPath
        let base = URL(fileURLWithPath: manifestPath).deletingLastPathComponent()
        self.runDirectory = URL(fileURLWithPath: runDirectory ?? "runs/\(manifest.experiment)")
        location = DataLocation.resolve(explicit: manifest.dataRoot, relativeTo: base.path)
    }

    // MARK: Data

    /// A path next to the manifest if it exists there, else under the data root.
    func dataPath(_ p: String) throws -> String {
        try location.path(of: p, nextTo: manifestPath)
    }

    /// The target's conformations split into a fixed test set, a fixed validation set and
    /// the pool refits draw their N from.
    struct TargetData {
        var test: [Conformation], validation: [Conformation], pool: [Conformation]
        var selfEnergies: SelfEnergies?
        var path: String
    }

    func loadTarget() throws -> TargetData {
        let t = manifest.target
        let path = try dataPath(t.data)
        let tasks = try DataFileOpener.open(path: path, options: .init(format: t.format, energyKey: t.energyKey,
                                                                        forcesKey: t.forcesKey, energyUnit: t.energyUnit))
        let all = tasks.flatMap(\.conformations)
        let needed = t.test + t.validation + (manifest.refit.n.max() ?? 0)
        guard all.count >= needed else {
            throw DataError(file: manifestPath, item: "target",
                            "\(path) has \(all.count) conformations; test + validation + largest N needs \(needed)")
        }
        var order = Array(all.indices)
        var g = SeededGenerator(seed: t.splitSeed ?? 0)
        g.shuffle(&order)
        var selfEnergies: SelfEnergies?
        if let iso = t.isolatedAtoms {
            let unit = try t.energyUnit.map { try EnergyUnit.parse($0, file: manifestPath, item: "target.energy_unit") } ?? .eV
            selfEnergies = SelfEnergies(isolatedAtoms: try ExtendedXYZReader(energyKey: t.energyKey ?? "energy", energyUnit: unit)
                .read(path: dataPath(iso)).isolatedAtomEnergies)
        }
        return TargetData(test: order.prefix(t.test).map { all[$0] },
                          validation: order.dropFirst(t.test).prefix(t.validation).map { all[$0] },
                          pool: order.dropFirst(t.test + t.validation).map { all[$0] },
                          selfEnergies: selfEnergies, path: path)
    }

    /// The pretraining tasks (seeded subsets) and the validation tasks, from the recipe.
    func loadPool() throws -> (train: [QMTask], validation: [QMTask]) {
        guard let p = manifest.pretraining else { return ([], []) }
        // The manifest's data_root, when it has one, is where the recipe's sources are too.
        let (builder, recipe) = try studySuiteBuilder(recipe: p.recipe, manifestPath: manifestPath,
                                                      location: manifest.dataRoot == nil ? nil : location)
        let (suite, report) = try builder.build()
        log("pretraining pool \(suite.name): \(suite.tasks.count) tasks, \(report.conformations) conformations (read in \(String(format: "%.1f", report.seconds)) s)")
        let names = Set(suite.tasks.map(\.name))
        for (key, list) in [("tasks", p.tasks ?? []), ("exclude", p.exclude ?? []), ("validation_tasks", p.validationTasks ?? [])] {
            if let unknown = list.first(where: { !names.contains($0) }) {
                throw DataError(file: manifestPath, item: "pretraining.\(key)", "no task '\(unknown)' in \(recipe) (tasks: \(suite.tasks.map(\.name).joined(separator: ", ")))")
            }
        }
        let validationNames = Set(p.validationTasks ?? [])
        let excluded = Set(p.exclude ?? []).union(validationNames)
        var chosen = suite.tasks.filter { (p.tasks.map(Set.init)?.contains($0.name) ?? true) && !excluded.contains($0.name) }
        let validation = suite.tasks.filter { validationNames.contains($0.name) }
        // Tasks without forces (or with forces on some conformations only) take part with
        // energy terms where forces are missing (force masks in the loss); say which.
        if loss.forceWeight > 0 {
            let energyOnly = chosen.filter { $0.forceCount == 0 }.map(\.name)
            let partial = chosen.filter { $0.forceCount > 0 && $0.forceCount < $0.conformations.count }
                .map { "\($0.name) (\($0.forceCount) of \($0.conformations.count))" }
            if !energyOnly.isEmpty { log("  energy-only tasks (no forces; energy terms only): \(energyOnly.joined(separator: ", "))") }
            if !partial.isEmpty { log("  tasks with forces on some conformations only (the rest energy terms only): \(partial.joined(separator: ", "))") }
        }
        let tooSmall = chosen.filter { $0.conformations.count < 4 }.map(\.name)
        if !tooSmall.isEmpty { log("  left out, fewer than 4 conformations: \(tooSmall.joined(separator: ", "))") }
        chosen.removeAll { $0.conformations.count < 4 }
        // Every task's self-energies by least squares on its own conformations, so each
        // task's residual targets are centred (isolated-atom references would leave
        // atomisation energies of several eV per atom for the shared network to learn).
        // (Fitted after subsampling, on the conformations actually used.)
        func subsample(_ task: QMTask, _ k: Int) throws -> QMTask {
            var t = task
            if let max = manifest.pretraining?.maxConformations, task.conformations.count > max {
                var order = Array(task.conformations.indices)
                var g = SeededGenerator(seed: seed &+ UInt64(k) &* 0x9E37)
                g.shuffle(&order)
                t.conformations = order.prefix(max).sorted().map { task.conformations[$0] }
            }
            try t.fitSelfEnergies(preferIsolatedAtoms: false)
            return t
        }
        return (try chosen.enumerated().map { try subsample($1, $0) },
                try validation.enumerated().map { try subsample($1, 1000 + $0) })
    }

    // MARK: Running

    /// What may change between runs into one directory: the N and seed grid, committees, the
    /// comparison baselines (tables only) and the description; variants may be added or removed (not changed), and the `analysis:`
    /// section may be added or changed (the analysis stage records its own settings and
    /// redoes its work when they change: ``StudyAnalysis``).
    static let compatibility = RunFingerprint.Compatibility(
        mutableKeys: ["refit.n", "refit.seeds", "refit.committee", "refit.baselines", "description"],
        namedGroups: ["variants", "effective.inner"], addableSections: ["analysis"], mutableSections: ["analysis"])

    /// The fingerprint of a run of `manifest` (this runner's or a run directory's older copy,
    /// resolved next to this runner's manifest): its keys, the defaults they resolve to and
    /// a hash of every data file the study reads.
    func fingerprint(of manifest: ExperimentManifest) throws -> RunFingerprint {
        var files = ["target \(manifest.target.data)": try dataPath(manifest.target.data)]
        if let iso = manifest.target.isolatedAtoms { files["target isolated atoms \(iso)"] = try dataPath(iso) }
        if let p = manifest.pretraining {
            let (builder, _) = try studySuiteBuilder(recipe: p.recipe, manifestPath: manifestPath,
                                                     location: manifest.dataRoot == nil ? nil : location)
            for (label, path) in try builder.inputFiles() { files["pretraining \(label)"] = path }
        }
        var fingerprint = try RunFingerprint(configuration: manifest, dataPaths: files)
        try fingerprint.record("effective.loss", try LossSettings.resolve(manifest.loss, file: manifestPath))
        try fingerprint.record("effective.divergence", try DivergenceSettings.resolve(manifest.divergence, file: manifestPath))
        try fingerprint.record("effective.model", manifest.model ?? .standard)
        try fingerprint.record("effective.refit_mode", (manifest.refit.mode ?? .full).description)
        for v in manifest.variants {
            if let (key, path) = try startModelPath(v) { files["variant \(v.name) \(key)"] = path }
            if let algorithm = v.metaAlgorithm {
                try fingerprint.record("effective.inner.\(v.name)", try InnerLoopSettings.resolve(
                    v.inner, algorithm: algorithm, file: manifestPath, item: "variants (\(v.name)).inner"))
            }
        }
        return fingerprint
    }

    /// The analysis stage of `settings` in this run directory.
    func analysisStage(_ settings: AnalysisSettings) -> StudyAnalysis {
        StudyAnalysis(settings: settings, directory: runDirectory.appendingPathComponent("analysis"),
                      manifestPath: manifestPath, location: location, log: log, jobs: jobs)
    }

    /// The name of a refit unit in failure records: `refit/<variant>/n<N>-seed<S>`.
    static func refitUnit(_ variant: String, n: Int, seed: UInt64) -> String { "refit/\(variant)/n\(n)-seed\(seed)" }

    /// Whether `error` ends one unit (recorded as failed) rather than the whole study:
    /// training that diverged beyond recovery, or a failure recorded by an earlier run.
    static func isUnitFailure(_ error: Error) -> Bool {
        error is UnitFailed || error is TrainingDiverged
    }

    /// Runs (or resumes) the whole study and returns every refit result.
    @discardableResult
    public func run() throws -> [RefitResult] {
        try check()
        let directory = try RunDirectory(
            url: runDirectory, manifestPath: manifestPath, fingerprint: try fingerprint(of: manifest),
            compatibility: Self.compatibility, fresh: fresh, log: log,
            legacy: { [self] copy in (try? ExperimentManifest.load(path: copy.path)).flatMap { try? fingerprint(of: $0) } })
        let target = try loadTarget()
        let (rank, elementCount) = SelfEnergies.compositionRank(target.pool)
        if rank < elementCount && target.selfEnergies == nil {
            throw DataError(file: manifestPath, item: "target.isolated_atoms",
                            "the target's compositions (rank \(rank) for \(elementCount) elements) cannot determine per-element self-energies; refitted models would carry minimum-norm values that are off by hundreds of eV per atom on any other molecule. Give the isolated-atom energies of the target's level of theory (e.g. isolated_atoms: 3bpa/iso_atoms.xyz): the refits then fit one shift per determined direction on top of them")
        }
        log("target \(target.path): test \(target.test.count), validation \(target.validation.count), pool \(target.pool.count)")
        // The analysis's scans, references and torsion maps resolved on its structure now,
        // so a dihedral that is not a chain of bonds stops the study before any training.
        if let settings = manifest.analysis { try analysisStage(settings).preflight(structure: target.test[settings.frame ?? 0]) }
        let needsPool = manifest.variants.contains { ![.scratch, .pretrained].contains($0.kind) }
        let pool: (train: [QMTask], validation: [QMTask]) = needsPool ? try loadPool() : ([], [])
        for variant in manifest.variants { try checkHeads(variant, pool: pool) }
        if needsPool && !Self.cachesTopologies(pool) {
            log("  pool above \(FittingSet.topologyCacheLimit) conformations: neighbour topologies are rebuilt per batch instead of kept (memory)")
        }
        let elements = Set((pool.train + pool.validation).flatMap(\.elements) + target.pool.flatMap(\.atomicNumbers)
                           + target.test.flatMap(\.atomicNumbers)).sorted()
        var potential = try (manifest.model ?? .standard).makePotential(
            elements: elements, selfEnergies: target.selfEnergies ?? SelfEnergies(energies: [:], origin: .leastSquares),
            file: manifestPath)
        // Symmetry-function models standardise their features once, over the pretraining
        // pool and the target's pool (never its test set), so every variant shares them.
        if let scaled = potential as? any FeatureScaledPotential {
            potential = try scaled.fittingScales(to: pool.train.flatMap(\.conformations) + target.pool)
        }
        // Constants some models compute from their training data (DeepPot's environment statistics
        // and automatic sel, MACE's average neighbours and scale), from the same conformations.
        potential = try potential.withDataStatistics(from: pool.train.flatMap(\.conformations) + target.pool, file: manifestPath)
        log("model \(potential.architecture.kind) for \(elements.map { Element.symbol(for: $0) }.joined(separator: " "))")
        let startModels = try loadStartModels(poolElements: Set((pool.train + pool.validation).flatMap(\.elements)),
                                              targetElements: Set(target.pool.flatMap(\.atomicNumbers)))
        var replay: FittingSet?
        if (manifest.refit.replay ?? 0) > 0, !pool.train.isEmpty {
            replay = try FittingSet(pool.train.map { FittingSet.Part(name: $0.name, conformations: $0.conformations,
                                                                     selfEnergies: $0.selfEnergies ?? SelfEnergies(energies: [:], origin: .leastSquares)) },
                                    potential: potential, requireForces: false, label: "replay",
                                    cacheTopologies: Self.cachesTopologies(pool))
        }
        // Each variant's refit model, and its replay: none for a start model whose cutoffs or
        // elements differ from the study model's (the replay set's topologies are the study model's).
        let refitPotentials = startModels.map { $0?.potential ?? potential }
        let replays = zip(manifest.variants, refitPotentials).map { v, own -> FittingSet? in
            guard replay != nil, own.neighbourRequest != potential.neighbourRequest else { return replay }
            log("[\(v.name)] refits without replay: its start model's cutoffs or elements differ from the study model's")
            return nil
        }
        // Every pretraining, then every refit (largest N first, so the long refits do not come
        // last), as units on up to `jobs` threads; a refit starts once its variant is
        // pretrained. Each unit is seeded on its own, so the results do not depend on `jobs`.
        let variants = manifest.variants
        let lock = NSLock()
        var starts = [ParameterSet<Float>?](repeating: nil, count: variants.count)
        var pretrained = Set<Int>()   // variants whose pretraining this process has run or reused
        var failedPretraining = Set<Int>()
        let refits = variants.indices.flatMap { v in manifest.refit.n.flatMap { n in manifest.refit.seedList.map { (v, n, $0) } } }
        var failures = [RunDirectory.Failure?](repeating: nil, count: variants.count + refits.count)
        let schedule = refits.indices.sorted { refits[$0].1 != refits[$1].1 ? refits[$0].1 > refits[$1].1 : $0 < $1 }
        var finished = [RefitResult?](repeating: nil, count: refits.count)
        // A unit whose training diverged (or that failed in an earlier run) is recorded as
        // failed and never reported with numbers; the other units go on.
        func failed(_ slot: Int, unit: String, stage: String, _ error: Error) throws {
            let failure = (error as? UnitFailed)?.failure
                ?? RunDirectory.Failure(unit: unit, stage: stage, reason: "\(error)")
            if !(error is UnitFailed) { try directory.recordFailure(failure) }
            log("[\(unit)] FAILED\(error is UnitFailed ? " (recorded: it failed in an earlier run or on another rank; --fresh retries it)" : "") (\(failure.stage)): \(failure.reason)")
            lock.withLock { failures[slot] = failure }
        }
        /// Unit k's name: a pretraining below `variants.count`, then the scheduled refits.
        func unitName(_ k: Int) -> String {
            guard k >= variants.count else { return "pretrain/\(variants[k].name)" }
            let (v, n, s) = refits[schedule[k - variants.count]]
            return Self.refitUnit(variants[v].name, n: n, seed: s)
        }
        /// Runs the units k with `selected(k)` on up to `jobs` threads (a pretraining this process
        /// already has is not run again); `writesTables`: results.csv after every refit, as a
        /// running record. `reportRank[k]`: unit k was run by that rank; log its result.
        func runUnits(stage: String, jobs: Int, writesTables: Bool, reportRank: [Int: Int] = [:],
                      _ selected: (Int) -> Bool) throws {
            let count = variants.count + schedule.count
            let counter = UnitCounter(stage: stage, total: (0..<count).filter(selected).count, jobs: jobs, log: log)
            try runConcurrently(count, jobs: jobs, after: variants.map { _ in nil } + schedule.map { refits[$0].0 }) { k in
                guard selected(k) else { return }
                defer { counter.finished(unitName(k)) }
                guard k >= variants.count else {
                    guard !lock.withLock({ pretrained.contains(k) }) else { return }
                    let unit = unitName(k)
                    do {
                        let p = try pretrain(variants[k], potential: potential, pool: pool, start: startModels[k], directory: directory)
                        lock.withLock { starts[k] = p; _ = pretrained.insert(k) }
                    } catch where Self.isUnitFailure(error) {
                        try failed(k, unit: unit, stage: "pretraining", error)
                        lock.withLock { _ = failedPretraining.insert(k); _ = pretrained.insert(k) }
                    }
                    return
                }
                let unit = schedule[k - variants.count]
                let (v, n, s) = refits[unit]
                let name = unitName(k)
                guard !lock.withLock({ failedPretraining.contains(v) }) else {
                    lock.withLock {
                        failures[variants.count + unit] = RunDirectory.Failure(
                            unit: name, stage: "pretraining", reason: "not run: the pretraining of \(variants[v].name) failed")
                    }
                    return
                }
                do {
                    let result = try refit(variants[v], n: n, seed: s, potential: refitPotentials[v], parameters: lock.withLock { starts[v] },
                                           target: target, replay: replays[v], directory: directory)
                    if let rank = reportRank[k] { log(result.summary(tag: " (rank \(rank)'s share)")) }
                    try lock.withLock {
                        finished[unit] = result
                        if writesTables { try ResultsTable(results: finished.compactMap { $0 }).write(to: runDirectory, title: manifest.experiment) }
                    }
                } catch where Self.isUnitFailure(error) {
                    try failed(variants.count + unit, unit: name, stage: "refit", error)
                }
            }
        }
        let world = World.communicator
        // Under MPI every rank runs the shared units in the same order (their collectives must
        // match), so one at a time.
        let sharedJobs = world.size > 1 ? 1 : jobs
        var reportRank: [Int: Int] = [:]
        if world.size > 1 && refitsAcrossRanks {
            // MPI: the pretrainings with all ranks sharing each step, then the refits dealt out
            // over the ranks (scheduled refit i to rank i mod R, so each rank gets every R-th of
            // the largest-N-first order), each run by its rank alone on up to `jobs` threads and
            // written by it. Every result is then read back below, and rank 0 writes the tables.
            try runUnits(stage: "pretraining", jobs: 1, writesTables: false) { $0 < variants.count }
            let rankOf = { (k: Int) in (k - variants.count) % world.size }
            for k in variants.count..<(variants.count + schedule.count) where rankOf(k) != 0 { reportRank[k] = rankOf(k) }
            log("refits over \(world.size) ranks: rank 0 runs \(schedule.count - reportRank.count) of \(schedule.count) (logged as they finish); the others' are logged when read back")
            var failure: Error?
            do {
                try World.alone {
                    try runUnits(stage: "refits on rank \(world.rank)", jobs: jobs, writesTables: false) { k in
                        k >= variants.count && rankOf(k) == world.rank
                    }
                }
            } catch { failure = error }
            try World.agree(failure)
        }
        try runUnits(stage: "pretraining and refits", jobs: sharedJobs, writesTables: true, reportRank: reportRank) { _ in true }
        let results = finished.compactMap { $0 }
        let failedUnits = failures.compactMap { $0 }
        try directory.writeFailureTable(failedUnits)
        let skipped = Set(failedUnits.map(\.unit))
        let committees = manifest.refit.committee == true ? try self.committees(target: target, skipping: skipped) : []
        let table = ResultsTable(results: results, committees: committees, failures: failedUnits,
                                 baselines: manifest.refit.effectiveBaselines(manifest.variants))
        try table.write(to: runDirectory, title: manifest.experiment)
        log("\n" + table.markdown(title: manifest.experiment))
        if let settings = manifest.analysis {
            // Scans and MD of the saved models (no collectives): rank 0 of an MPI run alone.
            try World.onWriter {
                try analysisStage(settings).run(variants: manifest.variants.map(\.name), refitDirectory: runDirectory.appendingPathComponent("refit"),
                                 refit: manifest.refit, structure: target.test[settings.frame ?? 0],
                                 skipping: skipped)
            }
        }
        return results
    }
}
