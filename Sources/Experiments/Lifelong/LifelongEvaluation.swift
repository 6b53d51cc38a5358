// What a lifelong study measures: errors on every task seen so far after each new one
// (forgetting), uncertainty flags on the next task before it is learned, and at the end
// flags and calibration of the committee on every test set.

import Foundation
import Chemistry
import Potentials
import Reports
import Training

/// Errors after some tasks were learned, and the committee's view of the next task.
public struct StageEvaluation: Codable, Sendable {
    /// Test RMSEs of one task for the committee mean (`level` "committee") or one member
    /// ("member 0", …): energy per atom in meV/atom, force components in meV/Å.
    public struct TaskError: Codable, Equatable, Sendable {
        public var task: Int
        public var name: String
        public var level: String
        public var energyRMSE: Double
        public var forceRMSE: Double
    }

    public var strategy: String
    /// Tasks learned (1…T).
    public var tasksLearned: Int
    /// One committee row and one row per member for each task 0..<tasksLearned.
    public var errors: [TaskError]
    /// Flags on the next task's test set before training on it (nil after the last task).
    public var nextTask: NewTaskFlags?

    /// The committee's RMSE on `task` (nil when not evaluated).
    public func committee(_ task: Int) -> TaskError? { errors.first { $0.task == task && $0.level == "committee" } }
}

/// How many of a task's test structures the committee flags before it has seen the task,
/// with thresholds from its test RMSE on the tasks seen so far; the same thresholds on the
/// seen tasks' test sets for comparison.
public struct NewTaskFlags: Codable, Equatable, Sendable {
    public var task: Int
    public var name: String
    public var count: Int
    public var flagged: Int
    public var energyFlagged: Int
    public var forceFlagged: Int
    /// Seen tasks' test structures, and how many of them the same thresholds flag.
    public var seenCount: Int
    public var seenFlagged: Int
    /// Thresholds: factor × committee test RMSE on the seen tasks (meV/atom, meV/Å).
    public var energyThreshold: Double
    public var forceThreshold: Double
    /// The committee's errors on the new task before training on it (meV/atom, meV/Å).
    public var energyRMSE: Double
    public var forceRMSE: Double
    /// Median spreads, threshold-free: energy per atom (meV/atom) and largest force component
    /// (meV/Å), on the new task and on the seen tasks' test sets.
    public var medianEnergySpread: Double
    public var seenMedianEnergySpread: Double
    public var medianForceSpread: Double
    public var seenMedianForceSpread: Double

    public var fraction: Double { Double(flagged) / Double(max(count, 1)) }
    public var seenFraction: Double { Double(seenFlagged) / Double(max(seenCount, 1)) }
}

/// Flags of the final committee on one task's test set, against structures whose actual
/// error exceeds the same thresholds.
public struct TaskFlags: Codable, Equatable, Sendable {
    public var task: Int
    public var name: String
    public var count: Int
    public var flagged: Int
    public var energyFlagged: Int
    public var forceFlagged: Int
    /// Structures whose actual error exceeds the thresholds.
    public var exceeding: Int
    /// Flagged and exceeding.
    public var truePositives: Int

    /// Flagged structures that do exceed (NaN when none is flagged).
    public var precision: Double { flagged > 0 ? Double(truePositives) / Double(flagged) : .nan }
    /// Exceeding structures that are flagged (NaN when none exceeds).
    public var recall: Double { exceeding > 0 ? Double(truePositives) / Double(exceeding) : .nan }
}

/// The final committee on every task's test set.
public struct FinalAnalysis: Codable, Sendable {
    public var strategy: String
    /// From the committee's RMSE on all test sets together.
    public var thresholds: UncertaintyThresholds
    public var committee: EnergyForceMetrics
    public var members: [EnergyForceMetrics]
    public var flags: [TaskFlags]
    public var energyCalibration: UncertaintyCalibration
    public var forceCalibration: UncertaintyCalibration
}

/// The median of the finite `values` (NaN when there are none), as the reports take it.
func median(_ values: [Double]) -> Double { Reports.median(values) ?? .nan }

extension LifelongRunner {
    var energyFactor: Double { manifest.thresholds?.energy ?? 3 }
    var forceFactor: Double { manifest.thresholds?.force ?? 6 }

    /// The evaluation after `tasksLearned` tasks (read from its file when it exists).
    func evaluation(_ strategy: LifelongManifest.Strategy, after tasksLearned: Int, states: [LifelongMemberState],
                    potential: any AtomisticPotential, stream: PreparedStream) throws -> StageEvaluation {
        let file = path(strategy.name, "eval-after-\(tasksLearned).json")
        if exists(file) { return try readStageJSON(StageEvaluation.self, path: file, what: "stage evaluation") }
        let committee = try committee(states, potential: potential)
        var errors: [StageEvaluation.TaskError] = []
        var seen: [CommitteePrediction] = []
        for s in 0..<tasksLearned {
            let name = stream.tasks[s].name
            let (predictions, members) = committee.evaluate(stream.test[s], batchSize: 64)
            seen += predictions
            let c = Committee.metrics(of: predictions)
            errors.append(.init(task: s, name: name, level: "committee", energyRMSE: c.energyPerAtomRMSE, forceRMSE: c.forceRMSE))
            for (m, accumulator) in members.enumerated() {
                let e = accumulator.metrics
                errors.append(.init(task: s, name: name, level: "member \(m)", energyRMSE: e.energyPerAtomRMSE, forceRMSE: e.forceRMSE))
            }
        }
        var next: NewTaskFlags?
        if tasksLearned < stream.tasks.count {
            let thresholds = UncertaintyThresholds(energyFactor: energyFactor, forceFactor: forceFactor,
                                                   testMetrics: Committee.metrics(of: seen))
            let predictions = committee.predict(stream.test[tasksLearned], batchSize: 64)
            let m = Committee.metrics(of: predictions)
            next = NewTaskFlags(task: tasksLearned, name: stream.tasks[tasksLearned].name, count: predictions.count,
                                flagged: predictions.filter(thresholds.flags).count,
                                energyFlagged: predictions.filter(thresholds.energyFlag).count,
                                forceFlagged: predictions.filter(thresholds.forceFlag).count,
                                seenCount: seen.count, seenFlagged: seen.filter(thresholds.flags).count,
                                energyThreshold: 1000 * thresholds.energyFactor * thresholds.energyRMSEPerAtom,
                                forceThreshold: 1000 * thresholds.forceFactor * thresholds.forceRMSE,
                                energyRMSE: m.energyPerAtomRMSE, forceRMSE: m.forceRMSE,
                                medianEnergySpread: 1000 * median(predictions.map(\.energySpreadPerAtom)),
                                seenMedianEnergySpread: 1000 * median(seen.map(\.energySpreadPerAtom)),
                                medianForceSpread: 1000 * median(predictions.compactMap(\.maxForceSpread)),
                                seenMedianForceSpread: 1000 * median(seen.compactMap(\.maxForceSpread)))
        }
        let result = StageEvaluation(strategy: strategy.name, tasksLearned: tasksLearned, errors: errors, nextTask: next)
        try writeStageJSON(result, to: file)
        let c = errors.filter { $0.level == "committee" }
        log("[\(strategy.name)] after \(tasksLearned) task(s), committee test RMSE E/F: "
            + c.map { String(format: "%@ %.2f/%.1f", $0.name, $0.energyRMSE, $0.forceRMSE) }.joined(separator: ", ")
            + (next.map { String(format: "; next task %@ flagged %d/%d (seen tasks %d/%d)", $0.name, $0.flagged, $0.count, $0.seenFlagged, $0.seenCount) } ?? ""))
        return result
    }

    /// Flags and calibration of the final committee (read from its file when it exists).
    func finalAnalysis(_ strategy: LifelongManifest.Strategy, states: [LifelongMemberState], potential: any AtomisticPotential,
                       stream: PreparedStream) throws -> FinalAnalysis {
        let file = path(strategy.name, "final.json")
        if exists(file) { return try readStageJSON(FinalAnalysis.self, path: file, what: "final analysis") }
        let committee = try committee(states, potential: potential)
        let evaluated = stream.test.map { committee.evaluate($0, batchSize: 64) }
        let perTask = evaluated.map(\.predictions)
        let all = perTask.flatMap { $0 }
        let metrics = Committee.metrics(of: all)
        let thresholds = UncertaintyThresholds(energyFactor: energyFactor, forceFactor: forceFactor, testMetrics: metrics)
        // Each member over every test set: its accumulators of the per-task passes, merged.
        let members = committee.members.indices.map { m in
            evaluated.reduce(into: MetricsAccumulator()) { $0.merge($1.members[m]) }.metrics
        }
        let flags = perTask.enumerated().map { t, predictions in
            TaskFlags(task: t, name: stream.tasks[t].name, count: predictions.count,
                      flagged: predictions.filter(thresholds.flags).count,
                      energyFlagged: predictions.filter(thresholds.energyFlag).count,
                      forceFlagged: predictions.filter(thresholds.forceFlag).count,
                      exceeding: predictions.filter(thresholds.actuallyExceeds).count,
                      truePositives: predictions.filter { thresholds.flags($0) && thresholds.actuallyExceeds($0) }.count)
        }
        let result = FinalAnalysis(strategy: strategy.name, thresholds: thresholds, committee: metrics, members: members,
                                   flags: flags, energyCalibration: all.energyCalibration(), forceCalibration: all.forceCalibration())
        try writeStageJSON(result, to: file)
        return result
    }
}
