// The saved state of a training run, and the optimizer kinds a run can use behind one type.

import Foundation
import Autodiff
import Chemistry

/// Everything needed to continue a training run bit for bit.
public struct TrainingCheckpoint: Codable, Sendable {
    public static let formatName = "metamlip-checkpoint"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    public var configuration: TrainerConfiguration
    /// Architecture, self-energies and current parameters.
    public var model: ModelFile
    public var bestParameters: [ModelFile.StoredTensor]
    /// The moving average of the parameters (runs with `emaDecay`).
    public var averagedParameters: [ModelFile.StoredTensor]?
    /// +∞ before the first epoch (written as absent: JSON has no ∞).
    public var bestValidationLoss: Double
    public var epoch: Int
    public var step: Int
    public var optimizer: OptimizerState
    public var plateau: ReduceOnPlateau?
    public var earlyStopping: EarlyStopping?
    public var generatorState: UInt64
    public var history: [EpochRecord]
    public var elapsedSeconds: Double
    public var trainingCount: Int
    public var validationCount: Int
    /// The divergences recovered from (retries used); nil in checkpoints written before the
    /// divergence guard existed (none).
    public var divergenceEvents: [DivergenceEvent]?
    /// The validation loss of the starting parameters, or of those at the start of a stage two
    /// (the explosion reference until a best is set).
    public var initialValidationLoss: Double?

    /// Writes the checkpoint atomically.
    ///
    /// - Throws: `DataError` naming `path` and the parameter when a parameter (current, best
    ///   or averaged) is non-finite, or the JSON key path of any other non-finite value.
    public func save(to path: String) throws {
        try ModelFile.checkFinite(model.parameters, file: path, item: "model.parameters")
        try ModelFile.checkFinite(bestParameters, file: path, item: "bestParameters")
        if let averagedParameters { try ModelFile.checkFinite(averagedParameters, file: path, item: "averagedParameters") }
        try writeJSONAtomically(self, to: path)
    }

    public static func load(path: String) throws -> TrainingCheckpoint {
        let c = try readJSON(TrainingCheckpoint.self, path: path, what: "checkpoint")
        guard c.format == formatName else {
            throw DataError(file: path, item: "format", "not a MetaMLIP checkpoint: format is '\(c.format)'")
        }
        guard (1...currentVersion).contains(c.version) else {
            throw DataError(file: path, item: "version", "unsupported checkpoint version \(c.version)")
        }
        return c
    }
}

extension TrainingCheckpoint {
    enum CodingKeys: String, CodingKey {
        case format, version, configuration, model, bestParameters, averagedParameters, bestValidationLoss, epoch, step
        case optimizer, plateau, earlyStopping, generatorState, history, elapsedSeconds, trainingCount, validationCount
        case divergenceEvents, initialValidationLoss
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        version = try c.decode(Int.self, forKey: .version)
        configuration = try c.decode(TrainerConfiguration.self, forKey: .configuration)
        model = try c.decode(ModelFile.self, forKey: .model)
        bestParameters = try c.decode([ModelFile.StoredTensor].self, forKey: .bestParameters)
        averagedParameters = try c.decodeIfPresent([ModelFile.StoredTensor].self, forKey: .averagedParameters)
        bestValidationLoss = try c.decodeIfPresent(Double.self, forKey: .bestValidationLoss) ?? .infinity
        epoch = try c.decode(Int.self, forKey: .epoch)
        step = try c.decode(Int.self, forKey: .step)
        optimizer = try c.decode(OptimizerState.self, forKey: .optimizer)
        plateau = try c.decodeIfPresent(ReduceOnPlateau.self, forKey: .plateau)
        earlyStopping = try c.decodeIfPresent(EarlyStopping.self, forKey: .earlyStopping)
        generatorState = try c.decode(UInt64.self, forKey: .generatorState)
        history = try c.decode([EpochRecord].self, forKey: .history)
        elapsedSeconds = try c.decode(Double.self, forKey: .elapsedSeconds)
        trainingCount = try c.decode(Int.self, forKey: .trainingCount)
        validationCount = try c.decode(Int.self, forKey: .validationCount)
        divergenceEvents = try c.decodeIfPresent([DivergenceEvent].self, forKey: .divergenceEvents)
        initialValidationLoss = try c.decodeIfPresent(Double.self, forKey: .initialValidationLoss)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(version, forKey: .version)
        try c.encode(configuration, forKey: .configuration)
        try c.encode(model, forKey: .model)
        try c.encode(bestParameters, forKey: .bestParameters)
        try c.encodeIfPresent(averagedParameters, forKey: .averagedParameters)
        if bestValidationLoss != .infinity { try c.encode(bestValidationLoss, forKey: .bestValidationLoss) }
        try c.encode(epoch, forKey: .epoch)
        try c.encode(step, forKey: .step)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encodeIfPresent(plateau, forKey: .plateau)
        try c.encodeIfPresent(earlyStopping, forKey: .earlyStopping)
        try c.encode(generatorState, forKey: .generatorState)
        try c.encode(history, forKey: .history)
        try c.encode(elapsedSeconds, forKey: .elapsedSeconds)
        try c.encode(trainingCount, forKey: .trainingCount)
        try c.encode(validationCount, forKey: .validationCount)
        try c.encodeIfPresent(divergenceEvents, forKey: .divergenceEvents)
        try c.encodeIfPresent(initialValidationLoss, forKey: .initialValidationLoss)
    }
}

/// Adam or CoRe behind one value type.
enum OptimizerBox {
    case adam(Adam<Float>)
    case core(CoReOptimizer<Float>)

    init(_ choice: TrainerConfiguration.OptimizerChoice) {
        switch choice {
        case .adam(let lr, let wd): self = .adam(Adam(learningRate: lr, weightDecay: wd))
        case .core(let lr, let wd, let history, let fraction):
            self = .core(CoReOptimizer(learningRate: lr, weightDecay: wd, scoreHistory: history ?? 0, frozenFraction: fraction ?? 0))
        }
    }

    var learningRate: Double {
        get {
            switch self { case .adam(let o): o.learningRate; case .core(let o): o.learningRate }
        }
        set {
            switch self {
            case .adam(var o): o.learningRate = newValue; self = .adam(o)
            case .core(var o): o.learningRate = newValue; self = .core(o)
            }
        }
    }

    mutating func update(_ parameters: inout ParameterSet<Float>, along gradient: ParameterSet<Float>) {
        switch self {
        case .adam(var o): o.update(&parameters, along: gradient); self = .adam(o)
        case .core(var o): o.update(&parameters, along: gradient); self = .core(o)
        }
    }

    var state: OptimizerState {
        switch self { case .adam(let o): o.state; case .core(let o): o.state }
    }

    mutating func restore(_ state: OptimizerState) throws {
        switch self {
        case .adam(var o): try o.restore(state); self = .adam(o)
        case .core(var o): try o.restore(state); self = .core(o)
        }
    }
}
