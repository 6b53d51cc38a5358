// Results of a study as CSV and as a summary table (mean ± spread over seeds).

import Foundation
import Communication
import Training

/// All refit results of a study, with their per-(variant, N) summary and any committees.
public struct ResultsTable: Sendable {
    public var results: [RefitResult]
    /// Committee errors (`refit.committee`); empty when none were evaluated.
    public var committees: [CommitteeResult]
    /// Units that failed (never in the tables' numbers; listed under them).
    public var failures: [RunDirectory.Failure]
    /// Each variant's paired difference to the baseline (``PairedComparison``); empty
    /// without a baseline.
    public var comparisons: [PairedDifference]

    /// - Parameter baselines: the variants the others are compared with, pair by pair
    ///   (default in studies: the scratch variant); empty: no comparisons.
    public init(results: [RefitResult], committees: [CommitteeResult] = [], failures: [RunDirectory.Failure] = [],
                baselines: [String] = []) {
        self.results = results
        self.committees = committees
        self.failures = failures
        comparisons = baselines.flatMap { PairedComparison.compare(results, baseline: $0) }
    }

    /// Mean and sample standard deviation (0 for one seed) of one metric over seeds.
    public struct Statistic: Equatable, Sendable {
        public var mean: Double, std: Double, count: Int
        init(_ values: [Double]) {
            let m = values.reduce(0, +) / Double(max(1, values.count))
            count = values.count
            mean = m
            std = values.count > 1 ? (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
        }
    }

    /// One (variant, N) cell.
    public struct Row: Sendable {
        public var variant: String, n: Int
        public var energyRMSE: Statistic, energyPerAtomRMSE: Statistic, forceRMSE: Statistic
    }

    /// Variants in first-appearance order, N ascending.
    public var rows: [Row] {
        var variants: [String] = []
        for r in results where !variants.contains(r.variant) { variants.append(r.variant) }
        return variants.flatMap { v in
            Set(results.filter { $0.variant == v }.map(\.n)).sorted().map { n in
                let cell = results.filter { $0.variant == v && $0.n == n }
                return Row(variant: v, n: n, energyRMSE: Statistic(cell.map(\.test.energyRMSE)),
                           energyPerAtomRMSE: Statistic(cell.map(\.test.energyPerAtomRMSE)),
                           forceRMSE: Statistic(cell.map(\.test.forceRMSE)))
            }
        }
    }

    /// One line per refit.
    public var resultsCSV: String {
        var lines = ["variant,n,seed,energy_rmse_meV,energy_mae_meV,energy_per_atom_rmse_meV,force_rmse_meV_per_A,force_mae_meV_per_A,epochs,seconds"]
        for r in results {
            lines.append([r.variant, "\(r.n)", "\(r.seed)", f(r.test.energyRMSE), f(r.test.energyMAE), f(r.test.energyPerAtomRMSE),
                          f(r.test.forceRMSE), f(r.test.forceMAE), "\(r.epochs)", f(r.seconds)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per (variant, N): means and standard deviations over seeds.
    public var summaryCSV: String {
        var lines = ["variant,n,seeds,energy_rmse_meV_mean,energy_rmse_meV_std,energy_per_atom_rmse_meV_mean,energy_per_atom_rmse_meV_std,force_rmse_meV_per_A_mean,force_rmse_meV_per_A_std"]
        for r in rows {
            lines.append([r.variant, "\(r.n)", "\(r.energyRMSE.count)", f(r.energyRMSE.mean), f(r.energyRMSE.std),
                          f(r.energyPerAtomRMSE.mean), f(r.energyPerAtomRMSE.std), f(r.forceRMSE.mean), f(r.forceRMSE.std)]
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per committee: its errors and its members' mean errors.
    public var committeesCSV: String {
        var lines = ["committee,n,members,energy_rmse_meV,energy_mae_meV,energy_per_atom_rmse_meV,force_rmse_meV_per_A,force_mae_meV_per_A,member_energy_rmse_meV,member_force_rmse_meV_per_A"]
        for c in committees {
            lines.append([c.committee, "\(c.n)", "\(c.members)", f(c.test.energyRMSE), f(c.test.energyMAE), f(c.test.energyPerAtomRMSE),
                          f(c.test.forceRMSE), f(c.test.forceMAE), f(c.memberEnergyRMSE), f(c.memberForceRMSE)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Markdown tables: energy RMSE (meV) and force RMSE (meV/Å), variants × N, mean ± std;
    /// then the committees, if any.
    public func markdown(title: String) -> String {
        let ns = Set(results.map(\.n)).sorted()
        var variants: [String] = []
        for r in results where !variants.contains(r.variant) { variants.append(r.variant) }
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ("\($0.variant)|\($0.n)", $0) })
        func table(_ name: String, _ pick: (Row) -> Statistic) -> String {
            var s = "\(name)\n\n| variant | " + ns.map { "N = \($0)" }.joined(separator: " | ") + " |\n"
            s += "|---|" + ns.map { _ in "---:" }.joined(separator: "|") + "|\n"
            for v in variants {
                s += "| \(v) | " + ns.map { n in
                    guard let row = byKey["\(v)|\(n)"] else { return "–" }
                    let st = pick(row)
                    return st.count > 1 ? String(format: "%.1f ± %.1f", st.mean, st.std) : String(format: "%.1f", st.mean)
                }.joined(separator: " | ") + " |\n"
            }
            return s
        }
        let seeds = Set(results.map(\.seed)).count
        return "# \(title)\n\nTest-set errors after refitting, mean ± sample std over \(seeds) seed(s).\n\n"
            + table("Energy RMSE (meV)", \.energyRMSE) + "\n" + table("Force RMSE (meV/Å)", \.forceRMSE)
            + PairedComparison.baselines(of: comparisons).map { b in "\n" + PairedComparison.markdown(comparisons.filter { $0.baseline == b }) }.joined()
            + (committees.isEmpty ? "" : "\n" + committeeMarkdown)
            + (failures.isEmpty ? "" : "\n" + failureMarkdown)
    }

    private var failureMarkdown: String {
        var s = "Failed units (\(failures.count); their numbers are not in the tables above, which average the seeds that succeeded; see failures.csv)\n\n"
        s += "| unit | stage | reason |\n|---|---|---|\n"
        for f in failures { s += "| \(f.unit) | \(f.stage) | \(f.reason.replacingOccurrences(of: "|", with: "/").replacingOccurrences(of: "\n", with: " ")) |\n" }
        return s
    }

    private var committeeMarkdown: String {
        var s = "Committees: test errors of the mean prediction of several refitted models (members' mean in parentheses)\n\n"
        s += "| committee | N | members | energy RMSE (meV) | force RMSE (meV/Å) |\n|---|---:|---:|---:|---:|\n"
        for c in committees {
            s += String(format: "| %@ | %d | %d | %.1f (%.1f) | %.1f (%.1f) |\n", c.committee, c.n, c.members,
                        c.test.energyRMSE, c.memberEnergyRMSE, c.test.forceRMSE, c.memberForceRMSE)
        }
        return s
    }

    /// Writes results.csv, summary.csv, summary.md and (with committees) committees.csv into
    /// `directory` (each atomically). Without committees an earlier committees.csv is removed,
    /// so the file never describes other refits than results.csv.
    public func write(to directory: URL, title: String? = nil) throws {
        try World.onWriter { try writeHere(to: directory, title: title) }
    }

    /// `write` in this process, whatever its rank.
    private func writeHere(to directory: URL, title: String?) throws {
        var files = [("results.csv", resultsCSV), ("summary.csv", summaryCSV),
                     ("summary.md", markdown(title: title ?? directory.lastPathComponent))]
        let comparisonsFile = directory.appendingPathComponent("comparisons.csv")
        if !comparisons.isEmpty {
            files.append(("comparisons.csv", PairedComparison.csv(comparisons)))
        } else if FileManager.default.fileExists(atPath: comparisonsFile.path) {
            try FileManager.default.removeItem(at: comparisonsFile)
        }
        let committeesFile = directory.appendingPathComponent("committees.csv")
        if !committees.isEmpty {
            files.append(("committees.csv", committeesCSV))
        } else if FileManager.default.fileExists(atPath: committeesFile.path) {
            try FileManager.default.removeItem(at: committeesFile)
        }
        for (name, text) in files {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name), options: .atomic)
        }
    }

    private func f(_ x: Double) -> String { String(format: "%.4f", x) }
}
