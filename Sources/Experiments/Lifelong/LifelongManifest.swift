// The YAML manifest of a lifelong (continual) learning study: a stream of tasks, the
// strategies to compare, the committee, rehearsal and uncertainty thresholds.

import Chemistry
import Datasets
import Potentials
import Training

/// A lifelong-learning study as `metamlip run` executes it (YAML, snake_case keys, unknown
/// keys rejected; `study: lifelong` is required):
///
///     study: lifelong
///     experiment: lifelong-meuwly
///     data_root: …                          # optional; else $METAMLIP_DATA, else ../shared/datasets
///     recipe: ../datasets/chno-pretraining.yaml   # relative to this manifest
///     stream: [meuwly/ch2o@MP2, meuwly/hono@MP2, …]   # task names of the recipe, in arrival order
///     split: {train: 200, validation: 10, test: 100, seed: 0, max_force: 10}   # per task; max_force eV/Å
///     model: {kind: eeacsf, widths: [32, 32]}
///     loss: {energy_weight: 1, force_weight: 1}
///     committee: {size: 2, seeds: [0, 1]}    # seeds default to 0, 1, …
///     epochs_per_task: 30
///     batch_size: 16
///     rehearsal: {capacity: 200, rule: balanced, seed: 0}   # rule: balanced | uncertainty
///     thresholds: {energy: 3, force: 6}      # × committee test RMSE (Eckhoff & Reiher 2023)
///     strategies:
///       - {name: lifelong, kind: sequential, rehearsal: true,
///          optimizer: {kind: core, learning_rate: 0.001, weight_decay: 0.1, score_history: 250, frozen_fraction: 0.05}}
///       - {name: naive, kind: sequential, rehearsal: false, optimizer: {kind: adam, learning_rate: 0.001}}
///       - {name: joint, kind: joint, optimizer: {kind: core, learning_rate: 0.001}}
///
/// Errors are `DataError(file:item:reason)` naming the key, e.g. `stream[2]`, `rehearsal.capacity`.
public struct LifelongManifest: Codable, Sendable {
    /// Per-task split sizes (conformations) and the seed of the split.
    public struct Split: Codable, Sendable {
        public var train: Int
        public var validation: Int?
        public var test: Int
        public var seed: UInt64?
        /// Drop conformations with a force component above this (eV/Å) before splitting
        /// (near-collisions; absent: keep all).
        public var maxForce: Double?
        enum CodingKeys: String, CodingKey { case train, validation, test, seed, maxForce = "max_force" }
    }

    /// The shared `loss:` section (``LossSettings``: one set of defaults for every manifest).
    public typealias Loss = LossSettings

    public struct CommitteeSettings: Codable, Sendable {
        public var size: Int
        public var seeds: [UInt64]?
        /// Member seeds: `seeds`, or 0, 1, …, size − 1.
        public var memberSeeds: [UInt64] { seeds ?? (0..<UInt64(max(size, 0))).map { $0 } }
    }

    public struct Rehearsal: Codable, Sendable {
        /// Most conformations kept from earlier tasks.
        public var capacity: Int
        public var rule: RehearsalBuffer.Rule?
        public var seed: UInt64?
    }

    public struct Thresholds: Codable, Sendable {
        /// Multiple of the committee's test energy RMSE per atom (default 3).
        public var energy: Double?
        /// Multiple of the committee's test force RMSE (default 6).
        public var force: Double?
    }

    public struct Optimizer: Codable, Sendable {
        public enum Kind: String, Codable, Sendable { case adam, core }
        public var kind: Kind
        public var learningRate: Double?
        public var weightDecay: Double?
        /// CoRe only: t_hist in steps (0 or absent: no freezing).
        public var scoreHistory: Int?
        /// CoRe only: p_frozen ∈ [0, 1].
        public var frozenFraction: Double?
        enum CodingKeys: String, CodingKey {
            case kind, learningRate = "learning_rate", weightDecay = "weight_decay"
            case scoreHistory = "score_history", frozenFraction = "frozen_fraction"
        }

        /// The trainer's optimizer choice (defaults: lr 1e-3; weight decay 0 for Adam, 0.1 for CoRe).
        public var choice: TrainerConfiguration.OptimizerChoice {
            switch kind {
            case .adam: .adam(learningRate: learningRate ?? 1e-3, weightDecay: weightDecay ?? 0)
            case .core: .core(learningRate: learningRate ?? 1e-3, weightDecay: weightDecay ?? 0.1,
                              scoreHistory: scoreHistory, frozenFraction: frozenFraction)
            }
        }

        func check(file: String, item: String) throws {
            if let lr = learningRate, !(lr > 0 && lr.isFinite) { throw DataError(file: file, item: "\(item).learning_rate", "must be positive") }
            if let wd = weightDecay, !(wd >= 0 && wd.isFinite) { throw DataError(file: file, item: "\(item).weight_decay", "must be ≥ 0") }
            if kind == .adam, scoreHistory != nil || frozenFraction != nil {
                throw DataError(file: file, item: "\(item).\(scoreHistory != nil ? "score_history" : "frozen_fraction")",
                                "only the core optimizer freezes weights")
            }
            if let h = scoreHistory, h < 0 { throw DataError(file: file, item: "\(item).score_history", "must be ≥ 0") }
            if let p = frozenFraction, !(0...1).contains(p) { throw DataError(file: file, item: "\(item).frozen_fraction", "must lie in [0, 1]") }
            if (frozenFraction ?? 0) > 0, (scoreHistory ?? 0) == 0 {
                throw DataError(file: file, item: "\(item).score_history", "frozen_fraction needs a score history > 0")
            }
        }
    }

    /// One way of learning the stream.
    public struct Strategy: Codable, Sendable {
        public enum Kind: String, Codable, Sendable {
            /// Task after task, each starting from the previous parameters and optimizer state.
            case sequential
            /// All tasks' training data at once (the reference lifelong learning is measured against).
            case joint
        }
        public var name: String
        public var kind: Kind
        /// Sequential only: rehearse the buffer of earlier tasks' conformations.
        public var rehearsal: Bool?
        public var optimizer: Optimizer
        /// Joint only: epochs (default: the sequential strategies' conformation-gradient budget
        /// with rehearsal, divided by the training-set size).
        public var epochs: Int?
    }

    public var study: StudyKind
    public var experiment: String
    public var description: String?
    public var dataRoot: String?
    public var recipe: String
    public var stream: [String]
    public var split: Split
    public var model: ModelSpec?
    public var loss: Loss?
    public var committee: CommitteeSettings
    public var epochsPerTask: Int
    public var batchSize: Int?
    public var rehearsal: Rehearsal?
    public var thresholds: Thresholds?
    public var strategies: [Strategy]

    enum CodingKeys: String, CodingKey {
        case study, experiment, description, recipe, stream, split, model, loss, committee, rehearsal, thresholds, strategies
        case dataRoot = "data_root", epochsPerTask = "epochs_per_task", batchSize = "batch_size"
    }

    /// Reads and checks a manifest.
    /// - Throws: `DataError` naming the file and the key for anything wrong.
    public static func load(path: String) throws -> LifelongManifest {
        let m = try YAMLDocument.load(LifelongManifest.self, path: path)
        try m.check(file: path)
        return m
    }

    /// The committee's model: `model`, else element-embracing ACSFs (`{kind: eeacsf}`, the
    /// model of Eckhoff & Reiher's lifelong study, which this study kind reproduces).
    public var modelSpec: ModelSpec { model ?? ModelSpec(kind: "eeacsf") }

    func check(file: String) throws {
        _ = try LossSettings.resolve(loss, file: file)
        guard study == .lifelong else {
            throw DataError(file: file, item: "study", "this is a '\(study.rawValue)' manifest, not a lifelong study")
        }
        try StudyKind.checkExperimentName(experiment, file: file)
        guard !stream.isEmpty else { throw DataError(file: file, item: "stream", "no tasks in the stream") }
        var seen = Set<String>()
        for (i, t) in stream.enumerated() where !seen.insert(t).inserted {
            throw DataError(file: file, item: "stream[\(i)]", "task '\(t)' appears twice")
        }
        guard split.train >= 1 else { throw DataError(file: file, item: "split.train", "must be ≥ 1") }
        guard split.test >= 1 else { throw DataError(file: file, item: "split.test", "must be ≥ 1") }
        if let v = split.validation, v < 0 { throw DataError(file: file, item: "split.validation", "must be ≥ 0") }
        if let f = split.maxForce, !(f > 0) { throw DataError(file: file, item: "split.max_force", "must be positive (eV/Å)") }
        guard committee.size >= 2 else { throw DataError(file: file, item: "committee.size", "a committee needs at least 2 members") }
        if let seeds = committee.seeds {
            guard seeds.count == committee.size else {
                throw DataError(file: file, item: "committee.seeds", "\(seeds.count) seeds for \(committee.size) members")
            }
            guard Set(seeds).count == seeds.count else { throw DataError(file: file, item: "committee.seeds", "seeds must differ") }
        }
        guard epochsPerTask >= 1 else { throw DataError(file: file, item: "epochs_per_task", "must be ≥ 1") }
        if let b = batchSize, b < 1 { throw DataError(file: file, item: "batch_size", "must be ≥ 1") }
        if let r = rehearsal, r.capacity < 1 { throw DataError(file: file, item: "rehearsal.capacity", "must be ≥ 1") }
        for (key, value) in [("energy", thresholds?.energy), ("force", thresholds?.force)] {
            if let value, !(value > 0 && value.isFinite) { throw DataError(file: file, item: "thresholds.\(key)", "must be positive") }
        }
        guard !strategies.isEmpty else { throw DataError(file: file, item: "strategies", "no strategies to compare") }
        var names = Set<String>()
        for (i, s) in strategies.enumerated() {
            let item = "strategies[\(i)]"
            guard !s.name.isEmpty, !s.name.contains("/"), s.name.allSatisfy({ !$0.isWhitespace }) else {
                throw DataError(file: file, item: "\(item).name", "must be non-empty without '/' or spaces")
            }
            guard names.insert(s.name).inserted else { throw DataError(file: file, item: "\(item).name", "'\(s.name)' is used twice") }
            try s.optimizer.check(file: file, item: "\(item).optimizer")
            switch s.kind {
            case .sequential:
                if s.epochs != nil { throw DataError(file: file, item: "\(item).epochs", "sequential strategies use epochs_per_task") }
                if s.rehearsal == true, rehearsal == nil {
                    throw DataError(file: file, item: "rehearsal", "strategy \(s.name) rehearses, but there is no rehearsal section")
                }
            case .joint:
                if s.rehearsal != nil { throw DataError(file: file, item: "\(item).rehearsal", "does not apply to a joint strategy") }
                if let e = s.epochs, e < 1 { throw DataError(file: file, item: "\(item).epochs", "must be ≥ 1") }
            }
        }
    }
}
