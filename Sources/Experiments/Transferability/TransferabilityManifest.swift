// The YAML manifest of a training-set transferability study (`study: transferability`).

import Chemistry
import Datasets
import Potentials
import Training

/// A training-set transferability study (Niblett et al., J. Chem. Theory Comput. 2025,
/// data-set transferability between Deep Potential and MACE): each architecture grows its own training set by
/// committee-uncertainty selection from a labelled pool, and every architecture is then
/// trained on every set (plus a random set of the same size) and evaluated on a fixed test
/// split, on reference MD frames, and in MD of its own.
///
/// YAML, snake_case keys, unknown keys rejected:
///
///     study: transferability
///     experiment: solvents-transferability
///     description: …                       # optional, shown in the report
///     data_root: …                         # optional; else $METAMLIP_DATA, else ../shared/datasets
///     data:
///       train: solvents/solvent_xtb_train_200.xyz   # test split + validation split + pool
///       md_reference: solvents/mace02_md_100_xtb.xyz # reference MD (extra test set, MD start, bonds)
///       energy_key: energy_xtb             # default energy
///       forces_key: forces_xtb             # default forces
///       isolated_atoms: …                  # default: the isolated-atom rows of `train`
///     split: {test: 50, validation: 20, seed: 0}
///     architectures:                       # at least two, distinct names
///       - {name: ani, model: {kind: ani, widths: [32, 16]}}
///       - {name: hipnn, model: {kind: hipnn, width: 16, interactions: 1}}
///     loss: {energy_weight: 1, force_weight: 10}
///     selection: {initial: 20, per_round: 10, final_size: 60, committee_seeds: [0, 1], epochs: 60, seed: 0}
///     training: {epochs: 120, batch_size: 8, learning_rate: 0.002, patience: 30, seeds: [0, 1]}
///     md: {temperature: 500, steps: 2000, dt: 0.5, friction: 0.01, every: 10, seed: 0}
public struct TransferabilityManifest: Codable, Sendable {
    public struct DataFiles: Codable, Sendable {
        public var train: String
        public var mdReference: String
        public var energyKey: String?
        public var forcesKey: String?
        public var isolatedAtoms: String?
        enum CodingKeys: String, CodingKey {
            case train
            case mdReference = "md_reference", energyKey = "energy_key", forcesKey = "forces_key"
            case isolatedAtoms = "isolated_atoms"
        }
    }

    /// Fixed held-out parts of `data.train` (conformations; the rest is the pool).
    public struct Split: Codable, Sendable {
        public var test: Int
        public var validation: Int
        public var seed: UInt64?
    }

    public struct Architecture: Codable, Sendable {
        public var name: String
        public var model: ModelSpec
    }

    /// The shared `loss:` section (``LossSettings``: one set of defaults for every manifest).
    public typealias Loss = LossSettings

    /// Uncertainty-driven growth (see ``PoolSelection``).
    public struct Selection: Codable, Sendable {
        /// Size of the seeded random starting set (shared by every selector and the random set).
        public var initial: Int
        /// Pool conformations added per round.
        public var perRound: Int
        /// Size of every training set.
        public var finalSize: Int
        /// Seeds of the committee members (at least two).
        public var committeeSeeds: [UInt64]
        /// Epochs of each committee member per round.
        public var epochs: Int
        /// Seeds the draw of the starting and random sets (default 0).
        public var seed: UInt64?
        enum CodingKeys: String, CodingKey {
            case initial, epochs, seed
            case perRound = "per_round", finalSize = "final_size", committeeSeeds = "committee_seeds"
        }
    }

    /// Training of every architecture on every set (also the committees' batch size, rate, patience).
    public struct Training: Codable, Sendable {
        public var epochs: Int
        public var batchSize: Int?
        public var learningRate: Double?
        public var patience: Int?
        public var seeds: [UInt64]?
        enum CodingKeys: String, CodingKey {
            case epochs, patience, seeds
            case batchSize = "batch_size", learningRate = "learning_rate"
        }
    }

    /// Langevin MD of every trained model from the first reference frame.
    public struct MD: Codable, Sendable {
        /// K.
        public var temperature: Double
        public var steps: Int
        /// fs (default 0.5).
        public var dt: Double?
        /// 1/fs (default 0.01).
        public var friction: Double?
        /// Bond lengths are sampled every this many steps (default 10).
        public var every: Int?
        public var seed: UInt64?
    }

    /// `transferability` (required: the key that routes `metamlip run` here).
    public var study: StudyKind
    public var experiment: String
    public var description: String?
    public var dataRoot: String?
    public var data: DataFiles
    public var split: Split
    public var architectures: [Architecture]
    public var loss: Loss?
    public var selection: Selection
    public var training: Training
    public var md: MD

    enum CodingKeys: String, CodingKey {
        case study, experiment, description, data, split, architectures, loss, selection, training, md
        case dataRoot = "data_root"
    }

    /// Seeds of the cross-training (default [0]).
    public var trainingSeeds: [UInt64] { training.seeds ?? [0] }

    /// Reads and checks a manifest.
    /// - Throws: `DataError` naming the file and the key for anything wrong.
    public static func load(path: String) throws -> TransferabilityManifest {
        let m = try YAMLDocument.load(TransferabilityManifest.self, path: path)
        try m.check(file: path)
        return m
    }

    func check(file: String) throws {
        guard study == .transferability else {
            throw DataError(file: file, item: "study", "this is a '\(study.rawValue)' manifest, not a transferability study")
        }
        try StudyKind.checkExperimentName(experiment, file: file)
        guard split.test >= 1, split.validation >= 1 else {
            throw DataError(file: file, item: "split", "test and validation must each be ≥ 1 conformation")
        }
        guard architectures.count >= 2 else {
            throw DataError(file: file, item: "architectures", "a transferability study needs at least two architectures")
        }
        var names = Set<String>()
        for (i, a) in architectures.enumerated() {
            guard !a.name.isEmpty, a.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
                throw DataError(file: file, item: "architectures[\(i)].name", "must be non-empty letters, digits, - _")
            }
            guard a.name != "random" else {
                throw DataError(file: file, item: "architectures[\(i)].name", "'random' names the random set")
            }
            guard names.insert(a.name).inserted else {
                throw DataError(file: file, item: "architectures[\(i)].name", "'\(a.name)' is used twice")
            }
            // Builds once on C, H, O to report bad model keys with their path.
            do { _ = try a.model.makePotential(elements: [1, 6, 8], selfEnergies: SelfEnergies(energies: [:], origin: .leastSquares), file: file) }
            catch let e as DataError {
                throw DataError(file: file, item: "architectures[\(i)].\(e.item ?? "model")", e.reason)
            }
        }
        let s = selection
        guard s.initial >= 2 else { throw DataError(file: file, item: "selection.initial", "must be ≥ 2") }
        guard s.perRound >= 1 else { throw DataError(file: file, item: "selection.per_round", "must be ≥ 1") }
        guard s.finalSize > s.initial else {
            throw DataError(file: file, item: "selection.final_size", "must exceed selection.initial (\(s.initial))")
        }
        guard s.committeeSeeds.count >= 2, Set(s.committeeSeeds).count == s.committeeSeeds.count else {
            throw DataError(file: file, item: "selection.committee_seeds", "a committee needs at least two distinct seeds")
        }
        guard s.epochs >= 1 else { throw DataError(file: file, item: "selection.epochs", "must be ≥ 1") }
        guard training.epochs >= 1 else { throw DataError(file: file, item: "training.epochs", "must be ≥ 1") }
        if let b = training.batchSize, b < 1 { throw DataError(file: file, item: "training.batch_size", "must be ≥ 1") }
        if let r = training.learningRate, !(r > 0) { throw DataError(file: file, item: "training.learning_rate", "must be positive") }
        if let p = training.patience, p < 1 { throw DataError(file: file, item: "training.patience", "must be ≥ 1") }
        if let seeds = training.seeds, seeds.isEmpty || Set(seeds).count != seeds.count {
            throw DataError(file: file, item: "training.seeds", "needs at least one seed, none twice")
        }
        guard md.steps >= 1, md.temperature >= 0, (md.dt ?? 0.5) > 0, (md.friction ?? 0.01) > 0, (md.every ?? 10) >= 1 else {
            throw DataError(file: file, item: "md", "needs steps ≥ 1, temperature ≥ 0 K, dt > 0 fs, friction > 0 /fs, every ≥ 1")
        }
        _ = try LossSettings.resolve(loss, file: file)
    }
}
