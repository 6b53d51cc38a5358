// Specialising a pretrained (or scratch) model to a new molecule's data.

import Foundation
import Autodiff
import Chemistry
import Potentials

/// How a refit treats the pretrained parameters.
public enum RefitMode: Codable, Equatable, Sendable, CustomStringConvertible {
    /// Every parameter is trained.
    case full
    /// Layers `0 ..< k` stay at their pretrained values (descriptor/early layers).
    case freeze(layers: Int)
    /// Only the readout layer (`layerCount − 1`) is trained.
    case headOnly

    /// Parses `full`, `head`, or `freeze:K`.
    public init?(parsing text: String) {
        switch text {
        case "full": self = .full
        case "head", "head-only": self = .headOnly
        default:
            guard text.hasPrefix("freeze:"), let k = Int(text.dropFirst("freeze:".count)), k >= 1 else { return nil }
            self = .freeze(layers: k)
        }
    }

    public var description: String {
        switch self {
        case .full: "full"
        case .freeze(let k): "freeze:\(k)"
        case .headOnly: "head"
        }
    }

    /// The parameter names this mode keeps fixed for `potential`.
    public func frozenParameters(of potential: any AtomisticPotential, names: [String]) -> [String] {
        switch self {
        case .full: []
        case .freeze(let k): names.filter { potential.layer(ofParameter: $0) < k }
        case .headOnly: names.filter { potential.layer(ofParameter: $0) < potential.layerCount - 1 }
        }
    }

    /// Throws unless the mode leaves something to train in a model of `layerCount` layers:
    /// `freeze:K` needs K < `layerCount` (K ≥ `layerCount` would freeze every parameter and
    /// report the unchanged start as a refit).
    public func check(layerCount: Int, file: String, item: String) throws {
        if case .freeze(let k) = self, k >= layerCount {
            throw DataError(file: file, item: item,
                            "freeze:\(k) would freeze all \(layerCount) layers of the model, leaving nothing to refit (use freeze:K with K < \(layerCount), or head)")
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let mode = RefitMode(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "refit mode '\(text)' is not full, head or freeze:K"))
        }
        self = mode
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// One refit: N target conformations, fresh self-energies for the target's level of
/// theory, optional frozen layers and replay of pretraining data, early stopping on a
/// validation part of the target data.
public struct RefitPlan: Sendable {
    public var mode: RefitMode
    public var trainer: TrainerConfiguration
    /// Fraction of replayed pretraining conformations relative to N (0: none).
    public var replayFraction: Double
    /// Fixed self-energies for the target (nil: fitted to the N training conformations, see
    /// ``residualSelfEnergies(potential:parameters:conformations:label:prior:)``).
    public var targetSelfEnergies: SelfEnergies?
    /// Per-element anchors of that fit where the N conformations' compositions do not
    /// determine every element (a single molecule): typically the target level's
    /// isolated-atom energies. nil: the starting potential's own self-energies, when they
    /// cover the target's elements.
    public var selfEnergyPrior: SelfEnergies?
    /// Element transfer, target: source (atomic numbers): before a refit of pretrained
    /// parameters, each target element's parameters become copies of its source's (see
    /// `ElementTransfer`). Not applied to refits from scratch.
    public var elementMap: [Int: Int]

    public init(mode: RefitMode = .full, trainer: TrainerConfiguration, replayFraction: Double = 0,
                targetSelfEnergies: SelfEnergies? = nil, selfEnergyPrior: SelfEnergies? = nil, elementMap: [Int: Int] = [:]) {
        self.mode = mode; self.trainer = trainer; self.replayFraction = replayFraction
        self.targetSelfEnergies = targetSelfEnergies
        self.selfEnergyPrior = selfEnergyPrior
        self.elementMap = elementMap
    }

    /// Refits `potential` from `parameters` (nil: random, i.e. from scratch) on `training`,
    /// validating on `validation`; returns the trainer (its best parameters and history) and
    /// the potential with the target's self-energies.
    ///
    /// Least-squares self-energies (when `targetSelfEnergies` is nil) are fitted twice, both
    /// times to what the network leaves unexplained, `E_ref − E_net(θ)`:
    /// - before training, with the starting parameters, so a pretrained network's energy
    ///   offset for the new molecule is removed at step 0 instead of being learnt slowly
    ///   through a (typically weak) energy term;
    /// - after training, with the best parameters, so the returned potential has zero mean
    ///   energy error on the N training conformations (a closed-form fit of the model's
    ///   linear one-body part; validation and test data are never used).
    ///
    /// - Parameters:
    ///   - replay: pretraining data (with its own tasks' self-energies) to draw the replayed
    ///     conformations from, seeded by the trainer seed.
    ///   - onDivergence: called with each divergence event of the refit's trainer (its
    ///     retries; see ``DivergenceGuard``).
    ///   - progress: the trainer's progress reports (``Trainer/progress``).
    public func run(potential: any AtomisticPotential, parameters: ParameterSet<Float>?, training: [Conformation],
                    validation: [Conformation], replay: FittingSet? = nil, label: String = "target",
                    onDivergence: ((DivergenceEvent) -> Void)? = nil,
                    progress: ((TrainingProgress) -> Void)? = nil) throws
        -> (trainer: Trainer, potential: any AtomisticPotential) {
        try mode.check(layerCount: potential.layerCount, file: label, item: "refit mode")
        var target = potential
        let parameters = try parameters.map {
            try ElementTransfer.mapping(elementMap, parameters: $0, of: potential, file: label)
        }
        let start = parameters ?? potential.initialParameters(seed: trainer.seed)
        let prior = selfEnergyPrior ?? (potential.selfEnergies.energies.isEmpty ? nil : potential.selfEnergies)
        target.selfEnergies = try targetSelfEnergies
            ?? Self.residualSelfEnergies(potential: target, parameters: start, conformations: training, label: label, prior: prior)
        var train = try FittingSet(training, selfEnergies: target.selfEnergies, potential: target,
                                   requireForces: false, label: "\(label) training")
        if let replay, replayFraction > 0, !replay.isEmpty {
            var order = Array(0..<replay.count)
            var g = SeededGenerator(seed: trainer.seed ^ 0x2E91A7)
            g.shuffle(&order)
            let k = min(replay.count, Int((replayFraction * Double(training.count)).rounded()))
            train = FittingSet.concatenating([train, replay.subset(Array(order.prefix(k)))])
        }
        let valid = try FittingSet(validation, selfEnergies: target.selfEnergies, potential: target,
                                   requireForces: false, label: "\(label) validation")
        var configuration = trainer
        if let parameters {
            configuration.frozenParameters = mode.frozenParameters(of: target, names: parameters.names)
        }
        let t = try Trainer(potential: target, parameters: parameters, training: train, validation: valid,
                            configuration: configuration)
        t.onDivergence = onDivergence
        t.progress = progress
        try t.train()
        if targetSelfEnergies == nil {
            target.selfEnergies = try Self.residualSelfEnergies(potential: target, parameters: t.bestParameters,
                                                                 conformations: training, label: label, prior: prior)
        }
        return (t, target)
    }

    /// Self-energies fitted by least squares to `E_ref − E_net(θ)` of `conformations`.
    ///
    /// When the conformations' compositions determine every element's energy, this is the
    /// ordinary least-squares fit (origin `least-squares`). When they do not (one molecule:
    /// rank 1), the fit is anchored to `prior` (``SelfEnergies/fit(_:anchoredTo:task:)``:
    /// the prior plus one shift per determined direction, origin `anchored-least-squares`),
    /// so the model stays physical on other compositions; the energy of the target's own
    /// compositions is the same either way.
    ///
    /// - Throws: `DataError` when the compositions do not determine every element and
    ///   `prior` lacks one of them (minimum-norm values would be off by hundreds of eV per
    ///   atom on any other molecule).
    public static func residualSelfEnergies(potential: any AtomisticPotential, parameters: ParameterSet<Float>,
                                            conformations: [Conformation], label: String,
                                            prior: SelfEnergies? = nil) throws -> SelfEnergies {
        var bare = potential
        bare.selfEnergies = SelfEnergies(energies: [:], origin: .leastSquares)
        let network = try bare.evaluate(conformations, parameters: parameters.converted(to: Double.self),
                                        withForces: false).energies.scalars
        let residual = zip(conformations, network).map { c, e in
            var r = c
            r.energy = c.energy - e
            return r
        }
        let (rank, elements) = SelfEnergies.compositionRank(conformations)
        if rank == elements { return try SelfEnergies.fit(residual, task: label) }
        let needed = Set(conformations.flatMap(\.atomicNumbers))
        guard let prior, needed.allSatisfy({ prior.energies[$0] != nil }) else {
            let missing = needed.filter { prior?.energies[$0] == nil }.sorted().map { Element.symbol(for: $0) }
            throw DataError(file: label, item: "self-energies",
                            "the \(conformations.count) conformations have compositions of rank \(rank) for \(elements) elements, so least squares cannot determine per-element self-energies, and there are no prior energies for \(missing.joined(separator: " ")); give the target's isolated-atom energies (manifest target.isolated_atoms, refit --isolated-atoms) or start from a model whose self-energies cover these elements")
        }
        return try SelfEnergies.fit(residual, anchoredTo: prior, task: label)
    }
}
