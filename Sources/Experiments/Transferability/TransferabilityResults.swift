// Tables of a transferability study: CSVs, seed means, and the generated reading.

import Foundation
import Chemistry
import Reports

/// Everything a transferability study produced, and its tables.
public struct TransferabilityResults: Codable, Sendable {
    public var sets: [TrainingSetRecord]
    /// Selection rounds by selecting architecture.
    public var rounds: [String: [PoolSelection.Round]]
    public var cross: [CrossResult]
    public var md: [MDResult]
    /// Bond statistics of the reference MD frames.
    public var referenceBonds: [BondSummary]

    /// Architectures and set names in study order.
    public var architectures: [String] { ordered(cross.map(\.architecture)) }
    public var setNames: [String] { sets.map(\.name) }

    func ordered(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    // MARK: Seed statistics

    /// Mean and sample standard deviation (0 for one value) of `values`, as the refit
    /// study's tables take them; NaN for none.
    static func meanStd(_ values: [Double]) -> (mean: Double, std: Double) {
        guard !values.isEmpty else { return (.nan, .nan) }
        let s = ResultsTable.Statistic(values)
        return (s.mean, s.std)
    }

    /// A metric of `architecture` trained on `set`, over seeds.
    public func cross(_ architecture: String, _ set: String, _ metric: (CrossResult) -> Double) -> (mean: Double, std: Double) {
        Self.meanStd(cross.filter { $0.architecture == architecture && $0.set == set }.map(metric))
    }

    func mdRuns(_ architecture: String, _ set: String) -> [MDResult] {
        md.filter { $0.architecture == architecture && $0.set == set }
    }

    /// Model minus reference mean length of `bond` over seeds, mÅ (NaN when absent).
    public func bondShift(_ architecture: String, _ set: String, _ bond: String) -> (mean: Double, std: Double) {
        guard let ref = referenceBonds.first(where: { $0.bond == bond }) else { return (.nan, .nan) }
        return Self.meanStd(mdRuns(architecture, set).compactMap { $0.bonds.first { $0.bond == bond } }.map { ($0.mean - ref.mean) * 1000 })
    }

    // MARK: The reading

    /// A training set's effect on one architecture against the random set of the same size.
    public enum Effect: String, Sendable { case helps, hurts, neutral }

    /// The rule: set S **helps** architecture B on a metric (an RMSE, lower is better) when
    /// B's seed-mean on S is more than `margin` (5 %) below its mean on the random set *and*
    /// the difference exceeds the larger of the two seed standard deviations; **hurts** in
    /// the mirror case; otherwise **neutral**.
    public func effect(of set: String, on architecture: String, margin: Double = 0.05,
                       metric: (CrossResult) -> Double) -> Effect {
        let s = cross(architecture, set, metric), r = cross(architecture, "random", metric)
        guard s.mean.isFinite, r.mean.isFinite else { return .neutral }
        let noise = Swift.max(s.std, r.std)
        if s.mean < r.mean * (1 - margin) && r.mean - s.mean > noise { return .helps }
        if s.mean > r.mean * (1 + margin) && s.mean - r.mean > noise { return .hurts }
        return .neutral
    }

    /// One sentence per selected set and metric: helps both, only the selector, only others, or none.
    public func reading() -> [String] {
        let metrics: [(String, (CrossResult) -> Double)] = [
            ("test-split force RMSE", { $0.test.forceRMSE }), ("test-split energy RMSE", { $0.test.energyPerAtomRMSE }),
            ("reference-MD force RMSE", { $0.mdReference.forceRMSE }),
        ]
        var lines: [String] = []
        for set in sets where set.selector != nil {
            let selector = set.selector!
            for (name, metric) in metrics {
                let effects = Dictionary(uniqueKeysWithValues: architectures.map { ($0, effect(of: set.name, on: $0, metric: metric)) })
                let helped = architectures.filter { effects[$0] == .helps }
                let verdict: String
                if helped.count == architectures.count { verdict = "helps both architectures" }
                else if helped == [selector] { verdict = "helps only its selector \(selector)" }
                else if !helped.isEmpty { verdict = "helps \(helped.joined(separator: ", ")) but not its selector" }
                else if architectures.allSatisfy({ effects[$0] == .hurts }) { verdict = "hurts both architectures" }
                else { verdict = "helps neither architecture" }
                let detail = architectures.map { a -> String in
                    let s = cross(a, set.name, metric), r = cross(a, "random", metric)
                    return String(format: "%@ %.1f vs %.1f (%+.0f %%, %@)", a, s.mean, r.mean, (s.mean / r.mean - 1) * 100,
                                  effects[a]!.rawValue)
                }.joined(separator: "; ")
                lines.append("`\(set.name)` on \(name): \(verdict) — \(detail).")
            }
            // MD: stable time relative to the random set.
            let md = architectures.map { a -> String in
                let s = Self.meanStd(mdRuns(a, set.name).map(\.stableTime)).mean, r = Self.meanStd(mdRuns(a, "random").map(\.stableTime)).mean
                return String(format: "%@ %.0f fs vs %.0f fs", a, s, r)
            }.joined(separator: "; ")
            lines.append("`\(set.name)` in MD (mean stable time vs the random set): \(md).")
        }
        return lines
    }

    // MARK: CSV files

    /// Writes sets.csv, cross.csv, md.csv, bonds.csv and summary.md into `directory`.
    public func write(to directory: URL, manifest: TransferabilityManifest) throws {
        func write(_ name: String, _ text: String) throws {
            let url = directory.appendingPathComponent(name)
            do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
                throw DataError(file: url.path, "cannot write (\(error.localizedDescription))")
            }
        }
        func f(_ x: Double, _ digits: Int = 4) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "nan" }
        var csv = "set,selector,position,frame,round,score\n"
        for set in sets {
            var roundOf: [Int: (Int, Double)] = [:]
            for (r, round) in (set.selector.flatMap { rounds[$0] } ?? []).enumerated() {
                for (k, frame) in round.picked.enumerated() { roundOf[frame] = (r + 1, round.scores[k]) }
            }
            for (i, frame) in set.frames.enumerated() {
                let (round, score) = i < set.initialCount ? (0, Double.nan) : (roundOf[frame] ?? (0, .nan))
                csv += "\(set.name),\(set.selector ?? ""),\(i),\(frame),\(round),\(score.isNaN ? "" : f(score))\n"
            }
        }
        try write("sets.csv", csv)
        csv = "architecture,set,seed,training_size,epochs,seconds,test_energy_rmse_meV_atom,test_energy_mae_meV_atom,test_force_rmse_meV_A,test_force_mae_meV_A,md_ref_energy_rmse_meV_atom,md_ref_force_rmse_meV_A,md_ref_force_mae_meV_A\n"
        for r in cross {
            csv += [r.architecture, r.set, String(r.seed), String(r.trainingSize), String(r.epochs), f(r.seconds, 1),
                    f(r.test.energyPerAtomRMSE), f(r.test.energyPerAtomMAE), f(r.test.forceRMSE), f(r.test.forceMAE),
                    f(r.mdReference.energyPerAtomRMSE), f(r.mdReference.forceRMSE), f(r.mdReference.forceMAE)].joined(separator: ",") + "\n"
        }
        try write("cross.csv", csv)
        csv = "architecture,set,seed,temperature_K,dt_fs,steps,stable_time_fs,requested_time_fs,stable,reason\n"
        for r in md {
            csv += [r.architecture, r.set, String(r.seed), f(manifest.md.temperature, 1), f(manifest.md.dt ?? 0.5, 3), String(r.steps),
                    f(r.stableTime, 2), f(r.requestedTime, 2), r.stable ? "true" : "false",
                    "\"\(r.reason.replacingOccurrences(of: "\"", with: "'"))\""].joined(separator: ",") + "\n"
        }
        try write("md.csv", csv)
        csv = "architecture,set,seed,bond,samples,mean_A,std_A,reference_mean_A,reference_std_A,mean_shift_mA,std_ratio\n"
        let reference = Dictionary(uniqueKeysWithValues: referenceBonds.map { ($0.bond, $0) })
        for b in referenceBonds {
            csv += "reference,xtb-md,,\(b.bond),\(b.samples),\(f(b.mean, 5)),\(f(b.std, 5)),\(f(b.mean, 5)),\(f(b.std, 5)),0,1\n"
        }
        for r in md {
            for b in r.bonds {
                let ref = reference[b.bond]
                csv += [r.architecture, r.set, String(r.seed), b.bond, String(b.samples), f(b.mean, 5), f(b.std, 5),
                        f(ref?.mean ?? .nan, 5), f(ref?.std ?? .nan, 5), f(((b.mean - (ref?.mean ?? .nan)) * 1000), 2),
                        f(b.std / (ref?.std ?? .nan), 3)].joined(separator: ",") + "\n"
            }
        }
        try write("bonds.csv", csv)
        var md = "# \(manifest.experiment)\n\n"
        for table in tables(manifest: manifest) { md += table.markdown + "\n" }
        md += "## Reading\n\n" + readingRule + "\n\n" + reading().map { "- \($0)" }.joined(separator: "\n") + "\n"
        try write("summary.md", md)
        try writeStageJSON(self, to: directory.appendingPathComponent("results.json").path)
    }

    /// The results of a finished run, from its `results.json`.
    /// - Throws: `DataError` naming the file when the run has not finished or it is malformed.
    public static func load(from directory: URL) throws -> TransferabilityResults {
        let path = directory.appendingPathComponent("results.json").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(file: path, "missing: this transferability run has not finished, or was written before results.json existed (rerun `metamlip run` on its manifest: finished parts are reused)")
        }
        return try readStageJSON(TransferabilityResults.self, path: path, what: "transferability results")
    }

    /// How ``reading()`` decides (stated in the summary and the report).
    public var readingRule: String {
        "Rule: a selected set **helps** an architecture on a metric when that architecture's seed-mean RMSE on it is more "
            + "than 5 % below its mean on the `random` set of the same size and the difference exceeds the larger of the two "
            + "seed standard deviations; **hurts** in the mirror case; otherwise neutral. A set helps both architectures when "
            + "it helps each; it helps only its selector when the selecting architecture alone is helped."
    }
}
