// The YAML manifest of a whole study: pretraining pool, target, variants, refit grid.

import Datasets
import Chemistry
import MetaLearning
import Potentials
import Training

/// A study as `metamlip run` executes it (YAML, snake_case keys, unknown keys rejected):
///
///     experiment: quickstart
///     seed: 0
///     data_root: …                     # optional; else $METAMLIP_DATA, else ../shared/datasets
///     pretraining:
///       recipe: ../datasets/chno-pretraining.yaml   # relative to this manifest
///       tasks: [..]                    # optional subset (default: every task of the recipe)
///       exclude: [..]                  # optional
///       validation_tasks: [acac/600K]  # never pretrained on; meta-validation adapts to them
///       max_conformations: 300         # per task, seeded subset (default: all)
///     target:
///       data: 3bpa/train_300K.xyz
///       isolated_atoms: 3bpa/iso_atoms.xyz   # optional: fixed target self-energies
///       test: 50                       # fixed held-out test conformations
///       validation: 25                 # early stopping of every refit
///       split_seed: 0
///     model: {kind: ani, widths: [64, 32]}
///     loss: {energy_weight: 1, force_weight: 10}
///     divergence: {max_retries: 3, learning_rate_factor: 0.1, explosion_factor: 1000}   # the defaults
///     variants:
///       - {name: reptile, kind: reptile, iterations: 400, meta_batch_size: 2, epsilon: 0.5, epsilon_final: 0.05,
///          inner: {steps: 10, optimizer: adam, learning_rate: 0.001, batch_size: 16}}
///       - {name: multitask, kind: multitask, epochs: 10, plateau: {factor: 0.5, patience: 3}}
///       - {name: single, kind: single, task: "ani1x@wb97x_dz", epochs: 30}
///       - {name: scratch, kind: scratch}
///     refit: {n: [10, 50], seeds: [0, 1], mode: full, epochs: 300, batch_size: 8, learning_rate: 0.001, patience: 40,
///             plateau: {factor: 0.5, patience: 10},   # learning-rate decay (these are the defaults)
///             replay: 0.5,                            # add 0.5·N pretraining conformations (pretrained variants)
///             save_models: true,                      # write refit/<variant>/n<N>-seed<S>.model.json
///             committee: true}                        # committee (ensemble) errors of the saved models
///     analysis: {n: [10, 450], scans: [torsion], md: [{ensemble: nve, temperature: 300, steps: 2000}]}
///                                                     # scans and MD of refitted models (see AnalysisSettings)
public struct ExperimentManifest: Codable, Sendable {
    public struct Pretraining: Codable, Sendable {
        public var recipe: String
        public var tasks: [String]?
        public var exclude: [String]?
        public var validationTasks: [String]?
        public var maxConformations: Int?
        enum CodingKeys: String, CodingKey {
            case recipe, tasks, exclude
            case validationTasks = "validation_tasks", maxConformations = "max_conformations"
        }
    }

    public struct Target: Codable, Sendable {
        public var data: String
        public var format: SourceFormat?
        public var energyKey: String?
        public var forcesKey: String?
        public var energyUnit: String?
        public var isolatedAtoms: String?
        public var test: Int
        public var validation: Int
        public var splitSeed: UInt64?
        enum CodingKeys: String, CodingKey {
            case data, format, test, validation
            case energyKey = "energy_key", forcesKey = "forces_key", energyUnit = "energy_unit"
            case isolatedAtoms = "isolated_atoms", splitSeed = "split_seed"
        }
    }

    /// The shared `loss:` section (``LossSettings``: one set of defaults for every manifest).
    public typealias Loss = LossSettings

    /// One way to obtain the initial parameters of the refits.
    public struct Variant: Codable, Sendable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case reptile, fomaml, maml, multitask, single, scratch
            /// No pretraining: refits start from a given model file (`model:`), e.g. the
            /// imported ANI-1x, the choice a user would make instead of meta-learning.
            case pretrained
        }
        public var name: String
        public var kind: Kind
        // Meta-learning (reptile, fomaml, maml).
        public var iterations: Int?
        public var metaBatchSize: Int?
        public var epsilon: Double?
        public var epsilonFinal: Double?
        public var outerLearningRate: Double?
        public var sampling: MetaConfiguration.Sampling?
        public var inner: InnerLoopSettings?
        public var querySize: Int?
        public var validateEvery: Int?
        // Ordinary training (multitask, single).
        public var task: String?
        public var epochs: Int?
        public var batchSize: Int?
        public var learningRate: Double?
        public var patience: Int?
        public var plateau: PlateauSettings?
        /// Decay of a moving average of the parameters, used for validation and the
        /// pretrained model (`TrainerConfiguration.emaDecay`; nil: none).
        public var emaDecay: Double?
        // Per-task output heads (reptile, fomaml, maml, multitask).
        /// Each pretraining task gets its own readout-layer head (``TaskHeadPotential``).
        public var taskHeads: Bool?
        /// The head a refit starts from: `shared` (default), `mean`, or a pretraining task's name.
        public var refitHead: String?
        /// The model file a `pretrained` variant's refits start from (next to the manifest
        /// or under the data root).
        public var model: String?
        /// A model file whose parameters (and architecture) a reptile/fomaml/maml/multitask/
        /// single pretraining starts from instead of a random initialisation, e.g. Reptile
        /// across levels of theory beginning at ANI-1x.
        public var start: String?
        /// Pretraining tasks this variant leaves out (e.g. the target molecule's own cheap
        /// data, to compare pools with and without it in one study).
        public var excludeTasks: [String]?
        /// Multi-fidelity Δ heads: `{high task: low task}`, the high level's head learned as
        /// a correction on top of the low level's (``TaskHeadPotential/deltaBases``), e.g. a
        /// CCSD(T)/CBS task with energies only on a ωB97x task with forces.
        public var deltaHeads: [String: String]?

        enum CodingKeys: String, CodingKey {
            case name, kind, iterations, epsilon, sampling, inner, task, epochs, patience, plateau, model, start
            case taskHeads = "task_heads", refitHead = "refit_head", emaDecay = "ema_decay", deltaHeads = "delta_heads", excludeTasks = "exclude_tasks"
            case metaBatchSize = "meta_batch_size", epsilonFinal = "epsilon_final"
            case outerLearningRate = "outer_learning_rate", querySize = "query_size", validateEvery = "validate_every"
            case batchSize = "batch_size", learningRate = "learning_rate"
        }

        /// Keys that only some kinds take, for error messages.
        func check(file: String, index: Int) throws {
            let item = "variants[\(index)] (\(name))"
            let meta: [(String, Bool)] = [("iterations", iterations != nil), ("meta_batch_size", metaBatchSize != nil),
                                          ("epsilon", epsilon != nil), ("epsilon_final", epsilonFinal != nil),
                                          ("outer_learning_rate", outerLearningRate != nil), ("sampling", sampling != nil),
                                          ("inner", inner != nil), ("query_size", querySize != nil),
                                          ("validate_every", validateEvery != nil)]
            let ordinary: [(String, Bool)] = [("task", task != nil), ("epochs", epochs != nil), ("batch_size", batchSize != nil),
                                              ("learning_rate", learningRate != nil), ("patience", patience != nil),
                                              ("plateau", plateau != nil), ("ema_decay", emaDecay != nil)]
            let allowed: Set<String>
            switch kind {
            case .reptile, .fomaml, .maml: allowed = Set(meta.map(\.0))
            case .multitask: allowed = ["epochs", "batch_size", "learning_rate", "patience", "plateau", "ema_decay"]
            case .single: allowed = Set(ordinary.map(\.0))
            case .scratch, .pretrained: allowed = []
            }
            for (key, present) in meta + ordinary where present && !allowed.contains(key) {
                throw DataError(file: file, item: "\(item).\(key)", "does not apply to kind \(kind.rawValue)")
            }
            if let d = emaDecay, !(d > 0 && d < 1) { throw DataError(file: file, item: "\(item).ema_decay", "must lie in (0, 1), got \(d)") }
            if kind == .pretrained && model == nil {
                throw DataError(file: file, item: "\(item).model", "kind pretrained needs the model file its refits start from")
            }
            if model != nil && kind != .pretrained {
                throw DataError(file: file, item: "\(item).model", "applies only to kind pretrained (a pretraining starts from a file with start:)")
            }
            if excludeTasks != nil && [.scratch, .pretrained].contains(kind) {
                throw DataError(file: file, item: "\(item).exclude_tasks", "applies only to a pretraining (kinds reptile, fomaml, maml, multitask, single)")
            }
            if start != nil && [.scratch, .pretrained].contains(kind) {
                throw DataError(file: file, item: "\(item).start", "applies only to a pretraining (kinds reptile, fomaml, maml, multitask, single)")
            }
            if taskHeads == true && [.single, .scratch, .pretrained].contains(kind) {
                throw DataError(file: file, item: "\(item).task_heads", "per-task heads need several pretraining tasks (kinds reptile, fomaml, maml, multitask)")
            }
            if refitHead != nil && taskHeads != true {
                throw DataError(file: file, item: "\(item).refit_head", "applies only with task_heads: true")
            }
            if deltaHeads != nil && taskHeads != true {
                throw DataError(file: file, item: "\(item).delta_heads", "applies only with task_heads: true")
            }
            if kind == .single && task == nil { throw DataError(file: file, item: "\(item).task", "kind single needs the task to pretrain on") }
            if [.reptile, .fomaml, .maml].contains(kind) && (iterations ?? 0) < 1 {
                throw DataError(file: file, item: "\(item).iterations", "meta-learning needs iterations ≥ 1")
            }
            if [.multitask, .single].contains(kind) && (epochs ?? 0) < 1 {
                throw DataError(file: file, item: "\(item).epochs", "needs epochs ≥ 1")
            }
            if let algorithm = metaAlgorithm {
                _ = try InnerLoopSettings.resolve(inner, algorithm: algorithm, file: file, item: "\(item).inner")
            }
            try checkRanges(file: file, item: item)
        }

        /// The meta-learning algorithm of kinds reptile, fomaml and maml (nil for the others).
        public var metaAlgorithm: MetaConfiguration.Algorithm? { MetaConfiguration.Algorithm(rawValue: kind.rawValue) }

        /// Numbers a user can type, each checked against its range (no trap later).
        private func checkRanges(file: String, item: String) throws {
            let positiveInts: [(String, Int?)] = [("meta_batch_size", metaBatchSize), ("query_size", querySize),
                                                  ("validate_every", validateEvery), ("batch_size", batchSize)]
            for (key, value) in positiveInts { if let v = value, v < 1 { throw DataError(file: file, item: "\(item).\(key)", "must be ≥ 1, got \(v)") } }
            if let p = patience, p < 1 { throw DataError(file: file, item: "\(item).patience", "must be ≥ 1, got \(p)") }
            let positiveReals: [(String, Double?)] = [("epsilon", epsilon), ("epsilon_final", epsilonFinal),
                                                      ("outer_learning_rate", outerLearningRate), ("learning_rate", learningRate)]
            for (key, value) in positiveReals {
                if let v = value, !(v.isFinite && v > 0) {
                    throw DataError(file: file, item: "\(item).\(key)", "must be a finite number > 0, got \(v)")
                }
            }
        }
    }

    public struct Refit: Codable, Sendable {
        public var n: [Int]
        public var seeds: [UInt64]?
        public var mode: RefitMode?
        public var epochs: Int
        public var batchSize: Int?
        public var learningRate: Double?
        public var patience: Int?
        public var replay: Double?
        public var plateau: PlateauSettings?
        /// Whether each refitted model is written next to its result (for scans and MD).
        public var saveModels: Bool?
        /// Whether committees of the saved refitted models are evaluated (each variant's seeds,
        /// and all variants together; see ``CommitteeResult``). Needs `save_models`.
        public var committee: Bool?
        /// Element transfer, target: source symbols (`{Ge: Si}`): pretrained parameters of
        /// the source element initialise the target element's (see `ElementTransfer`).
        public var elementMap: [String: String]?
        /// Decay of a moving average of the parameters used for validation and the refitted
        /// model (`TrainerConfiguration.emaDecay`; nil: none).
        public var emaDecay: Double?
        /// The variants every other variant is compared with, pair by pair, with 95 %
        /// intervals (`comparisons.csv`); default: the first scratch variant, if any.
        public var baselines: [String]?
        /// The baselines in effect: `baselines`, else the first scratch variant of `variants`.
        func effectiveBaselines(_ variants: [Variant]) -> [String] {
            baselines ?? variants.first { $0.kind == .scratch }.map { [$0.name] } ?? []
        }
        enum CodingKeys: String, CodingKey {
            case n, seeds, mode, epochs, patience, replay, plateau, baselines, emaDecay = "ema_decay"
            case saveModels = "save_models", elementMap = "element_map", committee
            case batchSize = "batch_size", learningRate = "learning_rate"
        }
    }

    /// `refit` or absent (see `StudyKind`).
    public var study: StudyKind?
    public var experiment: String
    public var description: String?
    public var seed: UInt64?
    public var dataRoot: String?
    public var pretraining: Pretraining?
    public var target: Target
    public var model: ModelSpec?
    public var loss: Loss?
    /// How diverging pretrainings and refits are retried before the unit fails
    /// (``DivergenceSettings``; default: 3 retries, learning rate × 0.1 each).
    public var divergence: DivergenceSettings?
    public var variants: [Variant]
    public var refit: Refit
    public var analysis: AnalysisSettings?

    enum CodingKeys: String, CodingKey {
        case study, experiment, description, seed, pretraining, target, model, loss, divergence, variants, refit, analysis
        case dataRoot = "data_root"
    }

    /// Reads and checks a manifest; `DataError` naming the file and key for anything wrong.
    public static func load(path: String) throws -> ExperimentManifest {
        let m = try YAMLDocument.load(ExperimentManifest.self, path: path)
        try m.check(file: path)
        return m
    }

    func check(file: String) throws {
        if let study, study != .refit {
            throw DataError(file: file, item: "study", "this is a '\(study.rawValue)' manifest, not a refit study")
        }
        try StudyKind.checkExperimentName(experiment, file: file)
        guard !variants.isEmpty else { throw DataError(file: file, item: "variants", "no variants to compare") }
        var names = Set<String>()
        for (i, v) in variants.enumerated() {
            guard names.insert(v.name).inserted else { throw DataError(file: file, item: "variants[\(i)].name", "'\(v.name)' is used twice") }
            guard !v.name.isEmpty, !v.name.contains("/") else { throw DataError(file: file, item: "variants[\(i)].name", "must be non-empty without '/'") }
            try v.check(file: file, index: i)
            if ![.scratch, .pretrained].contains(v.kind) && pretraining == nil {
                throw DataError(file: file, item: "pretraining", "variant \(v.name) (\(v.kind.rawValue)) needs a pretraining section")
            }
        }
        guard !refit.n.isEmpty, refit.n.allSatisfy({ $0 >= 1 }) else { throw DataError(file: file, item: "refit.n", "needs sizes ≥ 1") }
        guard refit.epochs >= 1 else { throw DataError(file: file, item: "refit.epochs", "must be ≥ 1") }
        try refit.checkRanges(file: file)
        let loss = try LossSettings.resolve(self.loss, file: file)
        _ = try DivergenceSettings.resolve(divergence, file: file)
        if loss.forceWeight > 0, let maml = variants.first(where: { $0.kind == .maml }) {
            throw DataError(file: file, item: "variants (\(maml.name)).kind",
                            "second-order maml trains an energy-only loss, but loss.force_weight is \(loss.forceWeight): the variant would silently drop the forces every other variant fits; use fomaml or reptile, or set loss.force_weight: 0")
        }
        guard target.test >= 1, target.validation >= 1 else {
            throw DataError(file: file, item: "target", "test and validation must each be ≥ 1 conformation")
        }
        _ = try refit.elementMapNumbers(file: file)
        if let d = refit.emaDecay, !(d > 0 && d < 1) { throw DataError(file: file, item: "refit.ema_decay", "must lie in (0, 1), got \(d)") }
        if let r = refit.replay, !(0...10).contains(r) { throw DataError(file: file, item: "refit.replay", "fraction must lie in 0…10") }
        _ = try refit.plateau?.schedule(file: file, item: "refit.plateau")
        if refit.committee == true {
            guard refit.saveModels == true else {
                throw DataError(file: file, item: "refit.committee", "needs save_models: true (committees average the saved refitted models)")
            }
            guard (refit.seeds ?? [0]).count >= 2 || variants.count >= 2 else {
                throw DataError(file: file, item: "refit.committee", "needs at least two seeds or two variants to average")
            }
        }
        for (i, b) in (refit.baselines ?? []).enumerated() where !variants.contains(where: { $0.name == b }) {
            throw DataError(file: file, item: "refit.baselines[\(i)]", "no variant '\(b)' (variants: \(variants.map(\.name).joined(separator: ", ")))")
        }
        try analysis?.check(file: file, refit: refit)
        if let frame = analysis?.frame, !(0..<target.test).contains(frame) {
            throw DataError(file: file, item: "analysis.frame", "\(frame) is not an index of the \(target.test) test conformations")
        }
        for (i, v) in variants.enumerated() { _ = try v.plateau?.schedule(file: file, item: "variants[\(i)] (\(v.name)).plateau") }
    }
}


extension ExperimentManifest.Refit {
    /// The refit seeds (default `[0]`).
    public var seedList: [UInt64] { seeds ?? [0] }

    /// Every number of the section against its range, and the seed list non-empty and
    /// without repeats.
    func checkRanges(file: String) throws {
        if let s = seeds {
            guard !s.isEmpty else { throw DataError(file: file, item: "refit.seeds", "is empty: there would be no refits (omit the key for seed 0)") }
            guard Set(s).count == s.count else { throw DataError(file: file, item: "refit.seeds", "lists a seed twice: \(s)") }
        }
        guard Set(n).count == n.count else { throw DataError(file: file, item: "refit.n", "lists a size twice: \(n)") }
        if let b = batchSize, b < 1 { throw DataError(file: file, item: "refit.batch_size", "must be ≥ 1, got \(b)") }
        if let p = patience, p < 1 { throw DataError(file: file, item: "refit.patience", "must be ≥ 1, got \(p)") }
        if let r = learningRate, !(r.isFinite && r > 0) {
            throw DataError(file: file, item: "refit.learning_rate", "must be a finite number > 0, got \(r)")
        }
    }

    /// `element_map` as atomic numbers, target: source; a `DataError` for an unknown symbol.
    public func elementMapNumbers(file: String) throws -> [Int: Int] {
        var map: [Int: Int] = [:]
        for (target, source) in elementMap ?? [:] {
            guard let t = Element(symbol: target), let s = Element(symbol: source) else {
                throw DataError(file: file, item: "refit.element_map", "unknown element in '\(target): \(source)'")
            }
            map[t.atomicNumber] = s.atomicNumber
        }
        return map
    }
}
