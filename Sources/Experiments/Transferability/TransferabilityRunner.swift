// Runs a training-set transferability study: build the sets, cross-train, evaluate, MD.

import Foundation
import Autodiff
import Chemistry
import Datasets
import Potentials
import Training

/// Executes a ``TransferabilityManifest`` into a run directory:
///
///     <run>/manifest.yaml                          copy of the manifest
///     <run>/sets/<arch>/round<r>.json              one selection round (a PoolSelection.Round)
///     <run>/sets/<set>.json                        a finished training set (a TrainingSetRecord)
///     <run>/cross/<arch>/<set>-seed<s>.json        test metrics of one training (a CrossResult)
///     <run>/cross/<arch>/<set>-seed<s>.model.json  the trained model
///     <run>/md/<arch>/<set>-seed<s>.json           one MD run (an MDResult)
///     <run>/sets.csv, cross.csv, md.csv, bonds.csv, summary.md   tables, rewritten every run
///
/// Every file is written atomically when its stage finishes and skipped when present, so
/// rerunning the same command resumes (an interrupted selection resumes at its last round).
///
/// The sets: a seeded shuffle of the pool gives the shared starting set (its first
/// `selection.initial`) and the `random` set (its first `selection.final_size`); each
/// architecture grows the starting set to `final_size` by ``PoolSelection`` into
/// `selected-by-<arch>`. Every architecture is then trained on every set with every
/// `training.seeds`, evaluated on the test split and on the reference MD frames, and run in
/// Langevin MD from the first reference frame.
///
/// Self-energies of every trained model are the isolated-atom energies plus a per-element
/// least-squares correction fitted to E − E_iso of its own training set (no test or pool
/// labels outside the set are used).
public final class TransferabilityRunner {
    public let manifest: TransferabilityManifest
    public let manifestPath: String
    public let runDirectory: URL
    /// Where progress lines go.
    public var log: (String) -> Void = { print($0) }
    /// Move an existing run directory aside instead of resuming it (`metamlip run --fresh`).
    public var fresh = false

    private let location: DataLocation

    /// The loss (``LossSettings``: the same defaults as every manifest).
    let loss: EnergyForceLoss

    public init(manifestPath: String, runDirectory: String? = nil) throws {
        manifest = try TransferabilityManifest.load(path: manifestPath)
        loss = try LossSettings.resolve(manifest.loss, file: manifestPath)
        self.manifestPath = manifestPath
        let base = URL(fileURLWithPath: manifestPath).deletingLastPathComponent()
        self.runDirectory = URL(fileURLWithPath: runDirectory ?? "runs/\(manifest.experiment)")
        location = DataLocation.resolve(explicit: manifest.dataRoot, relativeTo: base.path)
    }

    // MARK: Data

    /// The conformations of the study: `frames` of `data.train` (isolated-atom rows
    /// removed; indices below are into this array) split into `test`, `validation` and
    /// `pool`; the reference MD frames; the isolated-atom energies (eV).
    public struct StudyData: Sendable {
        public var frames: [Conformation]
        public var test: [Int], validation: [Int], pool: [Int]
        public var reference: [Conformation]
        public var isolatedAtoms: [Int: Double]
        public var elements: [Int]
    }

    func dataPath(_ p: String) throws -> String { try location.path(of: p, nextTo: manifestPath) }

    public func loadData() throws -> StudyData {
        let d = manifest.data
        let reader = ExtendedXYZReader(energyKey: d.energyKey ?? "energy", forcesKey: d.forcesKey ?? "forces", requireForces: true)
        let trainPath = try dataPath(d.train)
        let train = try reader.read(path: trainPath)
        let reference = try reader.read(path: dataPath(d.mdReference)).conformations
        let isolated = try d.isolatedAtoms.map { try reader.read(path: dataPath($0)).isolatedAtomEnergies } ?? train.isolatedAtomEnergies
        let frames = train.conformations
        let s = manifest.split, sel = manifest.selection
        let needed = s.test + s.validation + sel.finalSize
        guard frames.count >= needed else {
            throw DataError(file: manifestPath, item: "selection.final_size",
                            "\(trainPath) has \(frames.count) conformations; split.test + split.validation + final_size needs \(needed)")
        }
        guard !reference.isEmpty else { throw DataError(file: manifestPath, item: "data.md_reference", "no conformations") }
        var order = Array(frames.indices)
        var g = SeededGenerator(seed: s.seed ?? 0)
        g.shuffle(&order)
        let elements = Set(frames.flatMap(\.atomicNumbers) + reference.flatMap(\.atomicNumbers)).sorted()
        return StudyData(frames: frames, test: Array(order.prefix(s.test)),
                         validation: Array(order.dropFirst(s.test).prefix(s.validation)),
                         pool: Array(order.dropFirst(s.test + s.validation)).sorted(),
                         reference: reference, isolatedAtoms: isolated, elements: elements)
    }

    // MARK: Running

    /// Runs (or resumes) the whole study and returns its results (also written as CSVs).
    @discardableResult
    public func run() throws -> TransferabilityResults {
        let directory = try RunDirectory(url: runDirectory, manifestPath: manifestPath, fingerprint: try fingerprint(of: manifest),
                                         compatibility: .init(mutableKeys: ["description"]), fresh: fresh, log: log,
                                         legacy: { [self] copy in (try? TransferabilityManifest.load(path: copy.path)).flatMap { try? fingerprint(of: $0) } })
        defer { withExtendedLifetime(directory) {} }
        let data = try loadData()
        log("\(data.frames.count) conformations: test \(data.test.count), validation \(data.validation.count), pool \(data.pool.count); \(data.reference.count) reference MD frames")
        let sets = try buildSets(data)
        var cross: [CrossResult] = [], md: [MDResult] = []
        for arch in manifest.architectures {
            for set in sets {
                for seed in manifest.trainingSeeds {
                    let (result, model) = try crossTrain(arch, set: set, seed: seed, data: data)
                    cross.append(result)
                    md.append(try molecularDynamics(arch, set: set.name, seed: seed, model: model, data: data))
                }
            }
        }
        let results = TransferabilityResults(sets: sets, rounds: try selectionRounds(), cross: cross, md: md,
                                             referenceBonds: try referenceBonds(data))
        try results.write(to: runDirectory, manifest: manifest)
        log("wrote \(runDirectory.path)/{sets,cross,md,bonds}.csv and summary.md")
        return results
    }

    /// Resuming is only sound with the settings the run directory was made with: every key
    /// but `description` must decode to the same values (comments and layout may differ).
    ///
    /// - Throws: `DataError` naming the manifest when the run directory holds another study.
    /// The fingerprint of a run of `manifest`: its keys and a hash of each data file.
    func fingerprint(of manifest: TransferabilityManifest) throws -> RunFingerprint {
        let d = manifest.data
        var files = ["train \(d.train)": try dataPath(d.train), "md_reference \(d.mdReference)": try dataPath(d.mdReference)]
        if let iso = d.isolatedAtoms { files["isolated_atoms \(iso)"] = try dataPath(iso) }
        return try RunFingerprint(configuration: manifest, dataPaths: files)
    }

    // MARK: Sets

    /// The shared starting set and the random set, then each architecture's selected set.
    func buildSets(_ data: StudyData) throws -> [TrainingSetRecord] {
        let sel = manifest.selection
        var order = data.pool
        var g = SeededGenerator(seed: sel.seed ?? 0)
        g.shuffle(&order)
        let initial = Array(order.prefix(sel.initial))
        var sets = [TrainingSetRecord(name: "random", selector: nil, frames: Array(order.prefix(sel.finalSize)),
                                      initialCount: sel.initial)]
        try saveOnce(sets[0], to: setsDirectory.appendingPathComponent("random.json"))
        for arch in manifest.architectures {
            let name = "selected-by-\(arch.name)"
            let path = setsDirectory.appendingPathComponent("\(name).json")
            if let done = try? readJSON(TrainingSetRecord.self, path: path.path, what: "training set"), done.frames.count == sel.finalSize {
                sets.append(done)
                continue
            }
            let dir = setsDirectory.appendingPathComponent(arch.name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let resumed = try (0..<resumedCount(dir)).map {
                try readJSON(PoolSelection.Round.self, path: dir.appendingPathComponent("round\($0).json").path, what: "selection round")
            }
            if !resumed.isEmpty { log("[select \(arch.name)] resuming after \(resumed.count) finished rounds") }
            let (frames, _) = try PoolSelection.grow(initial: initial, perRound: sel.perRound, finalSize: sel.finalSize,
                                                     resumed: resumed) { current, count in
                let round = try selectionRound(arch, current: current, count: count, data: data)
                try writeJSONAtomically(round, to: dir.appendingPathComponent("round\(resumedCount(dir)).json").path)
                return round
            }
            let record = TrainingSetRecord(name: name, selector: arch.name, frames: frames, initialCount: sel.initial)
            try writeJSONAtomically(record, to: path.path)
            sets.append(record)
        }
        return sets
    }

    private func resumedCount(_ dir: URL) -> Int {
        var r = 0
        while FileManager.default.fileExists(atPath: dir.appendingPathComponent("round\(r).json").path) { r += 1 }
        return r
    }

    var setsDirectory: URL { runDirectory.appendingPathComponent("sets") }

    /// Every finished selection round, by architecture name.
    func selectionRounds() throws -> [String: [PoolSelection.Round]] {
        var rounds: [String: [PoolSelection.Round]] = [:]
        for arch in manifest.architectures {
            let dir = setsDirectory.appendingPathComponent(arch.name)
            rounds[arch.name] = try (0..<resumedCount(dir)).map {
                try readJSON(PoolSelection.Round.self, path: dir.appendingPathComponent("round\($0).json").path, what: "selection round")
            }
        }
        return rounds
    }

    /// One round: a committee of `arch` trained on `current`, scored on the rest of the pool.
    func selectionRound(_ arch: TransferabilityManifest.Architecture, current: [Int], count: Int,
                        data: StudyData) throws -> PoolSelection.Round {
        let start = Date()
        let sel = manifest.selection
        let members = try sel.committeeSeeds.map { seed in
            try train(arch, frames: current, seed: seed, epochs: sel.epochs, data: data)
        }
        let potential = members[0].potential
        let committee = Committee(potential: potential, members: members.map(\.parameters))
        let validation = try FittingSet(data.validation.map { data.frames[$0] }, selfEnergies: potential.selfEnergies,
                                        potential: potential, requireForces: true, label: "validation split")
        let thresholds = UncertaintyThresholds(testMetrics: Committee.metrics(of: committee.predict(validation)))
        let taken = Set(current)
        let candidates = data.pool.filter { !taken.contains($0) }
        let poolSet = try FittingSet(candidates.map { data.frames[$0] }, selfEnergies: potential.selfEnergies,
                                     potential: potential, requireForces: true, label: "pool")
        // Non-finite scores (a diverged member) rank last rather than first.
        let scores = committee.predict(poolSet).map { PoolSelection.score($0, thresholds: thresholds) }
            .map { $0.isNaN ? -1 : $0 }
        let picked = PoolSelection.pick(count: count, candidates: candidates, scores: scores, excluding: taken)
        let scoreOf = Dictionary(uniqueKeysWithValues: zip(candidates, scores))
        let round = PoolSelection.Round(
            size: current.count, picked: picked, scores: picked.map { Swift.min(scoreOf[$0]!, 1e9) }, flagged: scores.filter { $0 > 1 }.count,
            validationEnergyRMSE: thresholds.energyRMSEPerAtom * 1000, validationForceRMSE: thresholds.forceRMSE * 1000,
            seconds: Date().timeIntervalSince(start))
        log(String(format: "[select %@] set %d: committee validation %.1f meV/atom, %.0f meV/Å; %d of %d flagged; added %d (scores %.2f…%.2f), %.0f s",
                   arch.name, current.count, round.validationEnergyRMSE, round.validationForceRMSE, round.flagged,
                   candidates.count, picked.count, round.scores.first ?? .nan, round.scores.last ?? .nan, round.seconds))
        return round
    }

    // MARK: Training

    /// A trained model: the potential (with its self-energies) and its best parameters.
    struct Trained {
        var potential: any AtomisticPotential
        var parameters: ParameterSet<Float>
        var epochs: Int
    }

    /// The training configuration of one model: `epochs` on `trainingCount` conformations.
    func trainerConfiguration(epochs: Int, trainingCount: Int, seed: UInt64) -> TrainerConfiguration {
        let t = manifest.training
        return TrainerConfiguration(
            epochs: epochs, batchSize: min(t.batchSize ?? 8, max(1, trainingCount)), seed: seed, loss: loss,
            optimizer: .adam(learningRate: t.learningRate ?? 1e-3, weightDecay: 0),
            plateau: ReduceOnPlateau(factor: 0.5, patience: max(1, (t.patience ?? 40) / 3)),
            earlyStopping: t.patience.map { EarlyStopping(patience: $0) })
    }

    /// Trains `arch` from scratch (seed `seed`) on `frames` of the training file, with early
    /// stopping on the validation split.
    func train(_ arch: TransferabilityManifest.Architecture, frames: [Int], seed: UInt64, epochs: Int,
               data: StudyData) throws -> Trained {
        let training = frames.map { data.frames[$0] }
        let selfEnergies = try Self.selfEnergies(training: training, isolatedAtoms: data.isolatedAtoms)
        let potential = try arch.model.makePotential(elements: data.elements, selfEnergies: selfEnergies, file: manifestPath)
            .withDataStatistics(from: training, file: manifestPath)   // DeepPot, MACE: constants of this training set
        let config = trainerConfiguration(epochs: epochs, trainingCount: training.count, seed: seed)
        let trainer = try Trainer(potential: potential, training: training,
                                  validation: data.validation.map { data.frames[$0] }, configuration: config)
        try trainer.train()
        return Trained(potential: potential, parameters: trainer.bestParameters, epochs: trainer.epoch)
    }

    /// Isolated-atom energies plus a least-squares per-element correction fitted to
    /// E − Σ e_iso of `training` (minimum-norm when every conformation has one composition).
    static func selfEnergies(training: [Conformation], isolatedAtoms: [Int: Double]) throws -> SelfEnergies {
        let iso = SelfEnergies(isolatedAtoms: isolatedAtoms)
        let shifted = training.map { c -> Conformation in
            var c = c
            c.energy -= iso.energy(of: c.atomicNumbers)
            return c
        }
        let correction = try SelfEnergies.fit(shifted, task: "training set")
        var energies = isolatedAtoms
        for (z, e) in correction.energies { energies[z, default: 0] += e }
        return SelfEnergies(energies: energies, origin: .leastSquares)
    }

    /// Writes `value` unless the file exists.
    func saveOnce<T: Encodable>(_ value: T, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        try writeJSONAtomically(value, to: url.path)
    }
}

/// One training set: its name (`random`, `selected-by-<arch>`), the selecting architecture
/// (nil for random) and its conformations as indices into the training file's frames
/// (isolated-atom rows not counted), the shared starting set first.
public struct TrainingSetRecord: Codable, Equatable, Sendable {
    public var name: String
    public var selector: String?
    public var frames: [Int]
    /// How many leading frames are the shared starting set.
    public var initialCount: Int
}
