// The results of a lifelong study as values, CSV files and Markdown tables.

import Foundation
import Chemistry
import Training

/// One strategy's evaluations after every task and its final analysis.
public struct StrategyResults: Codable, Sendable {
    public var name: String
    public var kind: LifelongManifest.Strategy.Kind
    public var optimizer: LifelongManifest.Optimizer
    public var rehearsal: Bool
    /// One per task learned (sequential) or one after all tasks (joint).
    public var evaluations: [StageEvaluation]
    public var final: FinalAnalysis
    /// Training seconds, all members and stages together.
    public var seconds: Double
    /// Epochs of the last stage.
    public var epochs: Int

    /// The last evaluation (after every task).
    public var last: StageEvaluation { evaluations[evaluations.count - 1] }
}

/// Everything a lifelong study measured.
public struct LifelongResults: Codable, Sendable {
    /// The paper's ensemble-level test RMSEs (Eckhoff & Reiher 2023, doi:10.1021/acs.jctc.3c00279):
    /// lifelong 4.5 meV/atom and 122 meV/Å, trained on all data at once 4.3 meV/atom and 121 meV/Å.
    public static let paper = (lifelong: (energy: 4.5, force: 122.0), joint: (energy: 4.3, force: 121.0))

    public var experiment: String
    public var tasks: [String]
    /// Train, validation, test conformations per task.
    public var taskSizes: [[Int]]
    public var selfEnergies: SelfEnergies
    public var parameterCount: Int
    public var strategies: [StrategyResults]
    /// Seconds of this call of `run` (a resumed run counts only what it did).
    public var wallSeconds: Double

    /// Names of the files `write` produces, in the run directory.
    public static let files = ["forgetting.csv", "final.csv", "flags.csv", "new-task-flags.csv", "calibration.csv",
                               "calibration-bins.csv", "summary.md", "results.json"]

    /// The results of a finished run, from its `results.json`.
    /// - Throws: `DataError` naming the file when the run has not finished or it is malformed.
    public static func load(from directory: URL) throws -> LifelongResults {
        let path = directory.appendingPathComponent("results.json").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(file: path, "missing: this lifelong run has not finished (rerun `metamlip run` on its manifest to finish it)")
        }
        return try readStageJSON(LifelongResults.self, path: path, what: "lifelong results")
    }

    static func f(_ x: Double, _ digits: Int = 2) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "nan" }

    /// Writes the CSV files, `summary.md` and `results.json` into `directory` (atomically).
    public func write(to directory: URL, manifest: LifelongManifest) throws {
        let f = Self.f
        var forgetting = "strategy,tasks_learned,task,task_name,level,energy_rmse_mev_atom,force_rmse_mev_a\n"
        var final = "strategy,task,task_name,level,energy_rmse_mev_atom,force_rmse_mev_a\n"
        var flags = "strategy,task,task_name,count,flagged,energy_flagged,force_flagged,exceeding,true_positives,precision,recall,energy_threshold_mev_atom,force_threshold_mev_a\n"
        var newTask = "strategy,tasks_learned,task,task_name,count,flagged,fraction,energy_flagged,force_flagged,seen_count,seen_flagged,seen_fraction,energy_threshold_mev_atom,force_threshold_mev_a,energy_rmse_before_mev_atom,force_rmse_before_mev_a,median_energy_spread_mev_atom,seen_median_energy_spread_mev_atom,median_force_spread_mev_a,seen_median_force_spread_mev_a\n"
        var calibration = "strategy,quantity,count,spearman,within_1sigma,within_2sigma,within_3sigma,scale\n"
        var bins = "strategy,quantity,bin,count,rms_spread,rms_error,unit\n"
        for s in strategies {
            for e in s.evaluations {
                for r in e.errors {
                    forgetting += "\(s.name),\(e.tasksLearned),\(r.task + 1),\(r.name),\(r.level),\(f(r.energyRMSE, 4)),\(f(r.forceRMSE, 3))\n"
                }
                if let n = e.nextTask {
                    newTask += "\(s.name),\(e.tasksLearned),\(n.task + 1),\(n.name),\(n.count),\(n.flagged),\(f(n.fraction, 4)),\(n.energyFlagged),\(n.forceFlagged),"
                        + "\(n.seenCount),\(n.seenFlagged),\(f(n.seenFraction, 4)),\(f(n.energyThreshold, 4)),\(f(n.forceThreshold, 3)),\(f(n.energyRMSE, 4)),\(f(n.forceRMSE, 3)),"
                        + "\(f(n.medianEnergySpread, 4)),\(f(n.seenMedianEnergySpread, 4)),\(f(n.medianForceSpread, 3)),\(f(n.seenMedianForceSpread, 3))\n"
                }
            }
            for r in s.last.errors {
                final += "\(s.name),\(r.task + 1),\(r.name),\(r.level),\(f(r.energyRMSE, 4)),\(f(r.forceRMSE, 3))\n"
            }
            final += "\(s.name),all,all,committee,\(f(s.final.committee.energyPerAtomRMSE, 4)),\(f(s.final.committee.forceRMSE, 3))\n"
            for (m, e) in s.final.members.enumerated() {
                final += "\(s.name),all,all,member \(m),\(f(e.energyPerAtomRMSE, 4)),\(f(e.forceRMSE, 3))\n"
            }
            let t = s.final.thresholds
            for x in s.final.flags {
                flags += "\(s.name),\(x.task + 1),\(x.name),\(x.count),\(x.flagged),\(x.energyFlagged),\(x.forceFlagged),\(x.exceeding),\(x.truePositives),"
                    + "\(f(x.precision, 4)),\(f(x.recall, 4)),\(f(1000 * t.energyFactor * t.energyRMSEPerAtom, 4)),\(f(1000 * t.forceFactor * t.forceRMSE, 3))\n"
            }
            for (quantity, c, unit) in [("energy", s.final.energyCalibration, "meV/atom"), ("force", s.final.forceCalibration, "meV/Å")] {
                calibration += "\(s.name),\(quantity),\(c.count),\(f(c.spearman, 4)),\(f(c.withinOne, 4)),\(f(c.withinTwo, 4)),\(f(c.withinThree, 4)),\(f(c.scale, 4))\n"
                for (b, bin) in c.bins.enumerated() {
                    bins += "\(s.name),\(quantity),\(b + 1),\(bin.count),\(f(1000 * bin.rmsSpread, 4)),\(f(1000 * bin.rmsError, 4)),\(unit)\n"
                }
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let contents: [(String, Data)] = [
            ("forgetting.csv", Data(forgetting.utf8)), ("final.csv", Data(final.utf8)), ("flags.csv", Data(flags.utf8)),
            ("new-task-flags.csv", Data(newTask.utf8)), ("calibration.csv", Data(calibration.utf8)),
            ("calibration-bins.csv", Data(bins.utf8)), ("summary.md", Data(summaryMarkdown(manifest: manifest).utf8)),
            ("results.json", try encoder.encode(self)),
        ]
        for (name, data) in contents {
            let url = directory.appendingPathComponent(name)
            do { try data.write(to: url, options: .atomic) } catch {
                throw DataError(file: url.path, "cannot be written (\(error.localizedDescription))")
            }
        }
    }

    // MARK: Tables

    /// Committee test RMSE (meV/atom / meV/Å) of every task (rows) after each number of tasks
    /// learned (columns); blank before a task is learned.
    public func forgettingTable(_ s: StrategyResults) -> (header: [String], rows: [[String]]) {
        let header = ["task"] + s.evaluations.map { "after \($0.tasksLearned)" }
        let rows = tasks.indices.map { t in
            ["\(t + 1) \(tasks[t])"] + s.evaluations.map { e in
                e.committee(t).map { "\(Self.f($0.energyRMSE)) / \(Self.f($0.forceRMSE, 0))" } ?? ""
            }
        }
        return (header, rows)
    }

    /// Final committee and mean-member RMSEs per strategy, with the paper's figures.
    public func finalTable() -> (header: [String], rows: [[String]]) {
        let header = ["strategy", "committee E (meV/atom)", "committee F (meV/Å)", "member mean E", "member mean F", "training (s)"]
        var rows = strategies.map { s -> [String] in
            let n = Double(s.final.members.count)
            return [s.name, Self.f(s.final.committee.energyPerAtomRMSE), Self.f(s.final.committee.forceRMSE, 1),
                    Self.f(s.final.members.reduce(0) { $0 + $1.energyPerAtomRMSE } / n),
                    Self.f(s.final.members.reduce(0) { $0 + $1.forceRMSE } / n, 1), Self.f(s.seconds, 0)]
        }
        rows.append(["paper: lifelong (lMLP ensemble)", "4.5", "122", "", "", ""])
        rows.append(["paper: all data at once", "4.3", "121", "", "", ""])
        return (header, rows)
    }

    /// Final committee RMSE per task (rows) and strategy (columns).
    public func finalPerTaskTable() -> (header: [String], rows: [[String]]) {
        let header = ["task"] + strategies.map { "\($0.name) E / F" }
        let rows = tasks.indices.map { t in
            ["\(t + 1) \(tasks[t])"] + strategies.map { s in
                s.last.committee(t).map { "\(Self.f($0.energyRMSE)) / \(Self.f($0.forceRMSE, 0))" } ?? ""
            }
        }
        return (header, rows)
    }

    public func newTaskTable() -> (header: [String], rows: [[String]]) {
        let header = ["strategy", "new task", "flagged before training", "energy / force flags", "seen tasks flagged",
                      "thresholds (meV/atom, meV/Å)", "RMSE before training E / F", "median σ_E new / seen", "median σ_F new / seen"]
        var rows: [[String]] = []
        for s in strategies {
            for e in s.evaluations {
                guard let n = e.nextTask else { continue }
                rows.append([s.name, "\(n.task + 1) \(n.name)", "\(n.flagged)/\(n.count) (\(Self.f(100 * n.fraction, 0)) %)",
                             "\(n.energyFlagged) / \(n.forceFlagged)", "\(n.seenFlagged)/\(n.seenCount) (\(Self.f(100 * n.seenFraction, 0)) %)",
                             "\(Self.f(n.energyThreshold)), \(Self.f(n.forceThreshold, 0))",
                             "\(Self.f(n.energyRMSE, 1)) / \(Self.f(n.forceRMSE, 0))",
                             "\(Self.f(n.medianEnergySpread, 1)) / \(Self.f(n.seenMedianEnergySpread, 1))",
                             "\(Self.f(n.medianForceSpread, 0)) / \(Self.f(n.seenMedianForceSpread, 0))"])
            }
        }
        return (header, rows)
    }

    public func flagsTable() -> (header: [String], rows: [[String]]) {
        let header = ["strategy", "task", "flagged", "energy / force flags", "actually exceeding", "precision", "recall"]
        var rows: [[String]] = []
        for s in strategies {
            for x in s.final.flags {
                rows.append([s.name, "\(x.task + 1) \(x.name)", "\(x.flagged)/\(x.count)", "\(x.energyFlagged) / \(x.forceFlagged)",
                             "\(x.exceeding)", Self.f(x.precision), Self.f(x.recall)])
            }
        }
        return (header, rows)
    }

    public func calibrationTable() -> (header: [String], rows: [[String]]) {
        let header = ["strategy", "quantity", "n", "Spearman", "within 1σ", "within 2σ", "within 3σ", "scale"]
        var rows: [[String]] = []
        for s in strategies {
            for (q, c) in [("energy/atom", s.final.energyCalibration), ("force component", s.final.forceCalibration)] {
                rows.append([s.name, q, "\(c.count)", Self.f(c.spearman), Self.f(c.withinOne), Self.f(c.withinTwo),
                             Self.f(c.withinThree), Self.f(c.scale)])
            }
        }
        return (header, rows)
    }

    static func markdown(_ table: (header: [String], rows: [[String]])) -> String {
        var s = "| " + table.header.joined(separator: " | ") + " |\n|" + table.header.map { _ in "---|" }.joined() + "\n"
        for row in table.rows { s += "| " + row.joined(separator: " | ") + " |\n" }
        return s
    }

    /// The results as Markdown (what `summary.md` holds).
    public func summaryMarkdown(manifest: LifelongManifest) -> String {
        var s = "# \(experiment)\n\n"
        s += "Stream: " + tasks.enumerated().map { "\($0 + 1) `\($1)`" }.joined(separator: ", ")
        s += ". Per task \(taskSizes.first?[0] ?? 0) training, \(taskSizes.first?[2] ?? 0) test conformations; "
        s += "committee of \(manifest.committee.size); \(manifest.epochsPerTask) epochs per task.\n\n"
        s += "## Final test RMSE over all tasks\n\n" + Self.markdown(finalTable()) + "\n"
        s += "## Final committee RMSE per task (meV/atom / meV/Å)\n\n" + Self.markdown(finalPerTaskTable()) + "\n"
        for st in strategies where st.kind == .sequential {
            s += "## Forgetting, \(st.name): committee RMSE (meV/atom / meV/Å) after each task\n\n" + Self.markdown(forgettingTable(st)) + "\n"
        }
        s += "## New tasks flagged before training\n\n" + Self.markdown(newTaskTable()) + "\n"
        s += "## Flags of the final committee (thresholds \(Self.f(manifest.thresholds?.energy ?? 3, 0))× / \(Self.f(manifest.thresholds?.force ?? 6, 0))× its test RMSE)\n\n"
            + Self.markdown(flagsTable()) + "\n"
        s += "## Calibration of the committee spread\n\n" + Self.markdown(calibrationTable()) + "\n"
        s += String(format: "Training time over all strategies and members: %.0f s. Wall time of this call: %.0f s "
                    + "(finished stages are loaded, not redone).\n", strategies.reduce(0) { $0 + $1.seconds }, wallSeconds)
        return s
    }
}

// MARK: - JSON with non-finite numbers

/// Non-finite doubles (a Spearman correlation of constant spreads, a force threshold
/// without forces) are written as the strings "nan", "inf", "-inf".
private let nonFinite = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

/// `writeJSONAtomically` that also writes non-finite numbers.
func writeStageJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
    try writeAtomically(try encoder.encode(value), to: path)
}

/// `readJSON` that also reads non-finite numbers written by `writeStageJSON`.
func readStageJSON<T: Decodable>(_ type: T.Type, path: String, what: String) throws -> T {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw DataError(file: path, "cannot read \(what): \(error.localizedDescription)")
    }
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
        positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
    do { return try decoder.decode(T.self, from: data) } catch let error as DecodingError {
        throw DataError(file: path, decoding: error, context: "malformed \(what)")
    }
}
