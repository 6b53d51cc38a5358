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
    /// Fixed self-energies for the target (nil: fitted by least squares on the N training
    /// conformations, minimum-norm for a single composition).
    public var targetSelfEnergies: SelfEnergies?
    /// Element transfer, target: source (atomic numbers): before a refit of pretrained
    /// parameters, each target element's parameters become copies of its source's (see
    /// `ElementTransfer`). Not applied to refits from scratch.
    public var elementMap: [Int: Int]

    public init(mode: RefitMode = .full, trainer: TrainerConfiguration, replayFraction: Double = 0,
                targetSelfEnergies: SelfEnergies? = nil, elementMap: [Int: Int] = [:]) {
        self.mode = mode; self.trainer = trainer; self.replayFraction = replayFraction
        self.targetSelfEnergies = targetSelfEnergies
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
    public func run(potential: any AtomisticPotential, parameters: ParameterSet<Float>?, training: [Conformation],
                    validation: [Conformation], replay: FittingSet? = nil, label: String = "target") throws
        -> (trainer: Trainer, potential: any AtomisticPotential) {
        var target = potential
        let parameters = try parameters.map {
            try ElementTransfer.mapping(elementMap, parameters: $0, of: potential, file: label)
        }
        let start = parameters ?? potential.initialParameters(seed: trainer.seed)
        target.selfEnergies = try targetSelfEnergies
            ?? Self.residualSelfEnergies(potential: target, parameters: start, conformations: training, label: label)
        let forces = trainer.usesForces
        var train = try FittingSet(training, selfEnergies: target.selfEnergies, potential: target,
                                   requireForces: forces, label: "\(label) training")
        if let replay, replayFraction > 0, !replay.isEmpty {
            var order = Array(0..<replay.count)
            var g = SeededGenerator(seed: trainer.seed ^ 0x2E91A7)
            g.shuffle(&order)
            let k = min(replay.count, Int((replayFraction * Double(training.count)).rounded()))
            train = FittingSet.concatenating([train, replay.subset(Array(order.prefix(k)))])
        }
        let valid = try FittingSet(validation, selfEnergies: target.selfEnergies, potential: target,
                                   requireForces: forces, label: "\(label) validation")
        var configuration = trainer
        if let parameters {
            configuration.frozenParameters = mode.frozenParameters(of: target, names: parameters.names)
        }
        let t = try Trainer(potential: target, parameters: parameters, training: train, validation: valid,
                            configuration: configuration)
        try t.train()
        if targetSelfEnergies == nil {
            target.selfEnergies = try Self.residualSelfEnergies(potential: target, parameters: t.bestParameters,
                                                                 conformations: training, label: label)
        }
        return (t, target)
    }

    /// Self-energies fitted by least squares to `E_ref − E_net(θ)` of `conformations`
    /// (minimum-norm for a single composition; see `SelfEnergies.fit`).
    public static func residualSelfEnergies(potential: any AtomisticPotential, parameters: ParameterSet<Float>,
                                            conformations: [Conformation], label: String) throws -> SelfEnergies {
        var bare = potential
        bare.selfEnergies = SelfEnergies(energies: [:], origin: .leastSquares)
        let network = try bare.evaluate(conformations, parameters: parameters.converted(to: Double.self),
                                        withForces: false).energies.scalars
        let residual = zip(conformations, network).map { c, e in
            var r = c
            r.energy = c.energy - e
            return r
        }
        return try SelfEnergies.fit(residual, task: label)
    }
}
