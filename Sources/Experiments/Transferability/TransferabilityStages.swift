// The cross-training, cross-evaluation and MD stages of a transferability study.

import Foundation
import Autodiff
import Chemistry
import Potentials
import Simulation
import Training

/// One architecture trained on one set with one seed, evaluated on the test split and on
/// the reference MD frames (metrics in meV/atom and meV/Å).
public struct CrossResult: Codable, Equatable, Sendable {
    public var architecture: String
    public var set: String
    public var seed: UInt64
    public var trainingSize: Int
    public var epochs: Int
    public var seconds: Double
    public var test: EnergyForceMetrics
    public var mdReference: EnergyForceMetrics
}

/// Mean and population standard deviation of one bond class's length over sampled frames (Å).
public struct BondSummary: Codable, Equatable, Sendable {
    /// "C-H", "C-O" (single, reference length ≥ 1.28 Å), "C=O" (< 1.28 Å), …
    public var bond: String
    /// Bond lengths sampled (bonds × frames).
    public var samples: Int
    public var mean: Double
    public var std: Double
}

/// One Langevin run of a trained model from the first reference frame.
public struct MDResult: Codable, Equatable, Sendable {
    public var architecture: String
    public var set: String
    public var seed: UInt64
    /// Steps run (fewer than asked when the structure became unphysical).
    public var steps: Int
    /// Time until the first unphysical frame, or the whole run, fs.
    public var stableTime: Double
    /// Length of the requested run, fs.
    public var requestedTime: Double
    public var stable: Bool
    /// What went wrong (``Instability``'s description), empty when stable.
    public var reason: String
    /// Bond statistics over the stable part, sampled every `md.every` steps.
    public var bonds: [BondSummary]
}

extension TransferabilityRunner {
    func crossPath(_ arch: String, _ set: String, _ seed: UInt64) -> URL {
        runDirectory.appendingPathComponent("cross/\(arch)/\(set)-seed\(seed)")
    }

    /// Trains `arch` on `set` with `seed` and evaluates it, or loads the finished result and model.
    func crossTrain(_ arch: TransferabilityManifest.Architecture, set: TrainingSetRecord, seed: UInt64,
                    data: StudyData) throws -> (CrossResult, (potential: any AtomisticPotential, parameters: ParameterSet<Float>)) {
        let base = crossPath(arch.name, set.name, seed)
        let resultPath = base.appendingPathExtension("json").path, modelPath = base.path + ".model.json"
        if FileManager.default.fileExists(atPath: resultPath), FileManager.default.fileExists(atPath: modelPath) {
            return (try readJSON(CrossResult.self, path: resultPath, what: "cross result"), try ModelFile.load(path: modelPath))
        }
        try FileManager.default.createDirectory(at: base.deletingLastPathComponent(), withIntermediateDirectories: true)
        let start = Date()
        let trained = try train(arch, frames: set.frames, seed: seed, epochs: manifest.training.epochs, data: data)
        let seconds = Date().timeIntervalSince(start)
        let label = "\(arch.name) on \(set.name)"
        let result = CrossResult(
            architecture: arch.name, set: set.name, seed: seed, trainingSize: set.frames.count, epochs: trained.epochs,
            seconds: seconds,
            test: try errorMetrics(potential: trained.potential, parameters: trained.parameters,
                                   conformations: data.test.map { data.frames[$0] }, label: "\(label): test split"),
            mdReference: try errorMetrics(potential: trained.potential, parameters: trained.parameters,
                                          conformations: data.reference, label: "\(label): reference MD"))
        try ModelFile(potential: trained.potential, parameters: trained.parameters,
                      provenance: .init(dataFile: manifest.data.train, task: set.name, seed: seed,
                                        epochs: trained.epochs, finalMetrics: result.test))
            .save(to: modelPath)
        try writeJSONAtomically(result, to: resultPath)
        log(String(format: "[train] %@ seed %d: %d epochs, test %.1f meV/atom, %.0f meV/Å; reference MD %.1f meV/atom, %.0f meV/Å; %.0f s",
                   label, Int(seed), trained.epochs, result.test.energyPerAtomRMSE, result.test.forceRMSE,
                   result.mdReference.energyPerAtomRMSE, result.mdReference.forceRMSE, seconds))
        return (result, (trained.potential, trained.parameters))
    }

    /// Langevin MD of one trained model from the first reference frame, or the finished result.
    func molecularDynamics(_ arch: TransferabilityManifest.Architecture, set: String, seed: UInt64,
                           model: (potential: any AtomisticPotential, parameters: ParameterSet<Float>),
                           data: StudyData) throws -> MDResult {
        let path = runDirectory.appendingPathComponent("md/\(arch.name)/\(set)-seed\(seed).json")
        if FileManager.default.fileExists(atPath: path.path) { return try readJSON(MDResult.self, path: path.path, what: "MD result") }
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        let start = Date()
        let m = manifest.md
        let dt = m.dt ?? 0.5, every = m.every ?? 10
        let structure = data.reference[0]
        let watched = try WatchedRun(structure, calculator: PotentialCalculator(potential: model.potential, parameters: model.parameters),
                                     settings: .init(thermostat: .langevin(temperature: m.temperature, friction: m.friction ?? 0.01),
                                                     temperature: m.temperature, steps: m.steps, timeStep: dt, seed: m.seed ?? 0,
                                                     every: every))
        // Bond classes split C–O into C=O and C-O, so the statistics are kept here, at the
        // recorded physical states.
        var statistics = Self.bondStatistics(watched.detector.bonds)
        let outcome = try watched.run { state, event in
            if event.instability == nil { Self.add(state.positions, to: &statistics, bonds: watched.detector.bonds) }
        }
        let problem = outcome.instability?.reason
        let result = MDResult(architecture: arch.name, set: set, seed: seed, steps: outcome.samples.last?.step ?? 0,
                              stableTime: outcome.stableTime, requestedTime: Double(m.steps) * dt, stable: problem == nil,
                              reason: problem?.description ?? "", bonds: Self.summaries(statistics))
        try writeJSONAtomically(result, to: path.path)
        log(String(format: "[md] %@ on %@ seed %d: %@ after %.0f fs, %.0f s", arch.name, set, Int(seed),
                   result.stable ? "stable" : "unphysical (\(result.reason))", result.stableTime, Date().timeIntervalSince(start)))
        return result
    }

    /// Bond statistics of the reference MD frames, for the bonds of the first frame.
    func referenceBonds(_ data: StudyData) throws -> [BondSummary] {
        let graph = try StabilityDetector(reference: data.reference[0]).bonds
        var statistics = Self.bondStatistics(graph)
        for frame in data.reference { Self.add(frame.positions, to: &statistics, bonds: graph) }
        return Self.summaries(statistics)
    }

    // MARK: Bond classes

    /// Length below which a C–O bond of the starting geometry counts as a double bond, Å
    /// (C=O ≈ 1.20 Å; C–O single bonds in carbonates ≈ 1.34–1.45 Å).
    static let carbonylLimit = 1.28

    /// The class of `bond`: its element pair, with C–O split into C=O and C-O by length.
    static func bondClass(_ bond: Bond, in graph: BondGraph) -> String {
        let type = graph.type(of: bond)
        return type == "C-O" && bond.referenceLength < carbonylLimit ? "C=O" : type
    }

    static func bondStatistics(_ graph: BondGraph) -> [String: LengthHistogram] {
        Dictionary(graph.bonds.map { (bondClass($0, in: graph), LengthHistogram(lower: 0.5, upper: 3.0, binWidth: 0.01)) },
                   uniquingKeysWith: { a, _ in a })
    }

    static func add(_ positions: [SIMD3<Double>], to statistics: inout [String: LengthHistogram], bonds graph: BondGraph) {
        for bond in graph.bonds { statistics[bondClass(bond, in: graph)]!.add(graph.length(of: bond, positions: positions)) }
    }

    static func summaries(_ statistics: [String: LengthHistogram]) -> [BondSummary] {
        statistics.keys.sorted().map { key in
            let h = statistics[key]!
            return BondSummary(bond: key, samples: h.count, mean: h.count > 0 ? h.mean : .nan, std: h.count > 0 ? h.standardDeviation : .nan)
        }
    }
}
