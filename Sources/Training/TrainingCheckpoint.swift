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

    public func save(to path: String) throws { try writeJSONAtomically(self, to: path) }

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
