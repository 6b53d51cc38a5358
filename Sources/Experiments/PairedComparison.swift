// Paired differences between a variant's refits and the baseline's (scratch) on the same
// test conformations and seeds, with bootstrap confidence intervals.

import Chemistry
import Training

/// The test errors of one refit, per test conformation (in test-set order), so two
/// variants can be compared conformation by conformation.
public struct TestErrors: Codable, Equatable, Sendable {
    /// E_pred − E_ref of each test conformation (eV; total energies).
    public var energyErrors: [Double]
    /// Σ over its force components of (F_pred − F_ref)² (eV²/Å²), 0 without forces.
    public var forceSquaredSums: [Double]
    /// Number of force components counted (3 N_c, or 0 without reference forces).
    public var forceComponents: [Int]

    public init(energyErrors: [Double], forceSquaredSums: [Double], forceComponents: [Int]) {
        self.energyErrors = energyErrors; self.forceSquaredSums = forceSquaredSums; self.forceComponents = forceComponents
    }

    /// The errors of `predictions` against `conformations` (the ones predicted, in order).
    public init(_ predictions: Predictions, against conformations: [Conformation]) {
        energyErrors = zip(predictions.energies, conformations).map { $0 - $1.energy }
        forceSquaredSums = []; forceComponents = []
        for (c, conformation) in conformations.enumerated() {
            guard let reference = conformation.forces, let predicted = predictions.forces[c] else {
                forceSquaredSums.append(0); forceComponents.append(0); continue
            }
            var sum = 0.0
            for a in reference.indices {
                let d = SIMD3(predicted[3 * a], predicted[3 * a + 1], predicted[3 * a + 2]) - reference[a]
                sum += (d * d).sum()
            }
            forceSquaredSums.append(sum); forceComponents.append(3 * reference.count)
        }
    }

    /// Energy RMSE (meV) over the conformations at `indices` (repeats count repeatedly).
    func energyRMSE(_ indices: [Int]) -> Double {
        1000 * (indices.reduce(0) { $0 + energyErrors[$1] * energyErrors[$1] } / Double(indices.count)).squareRoot()
    }

    /// Force RMSE (meV/Å) over the components of the conformations at `indices`.
    func forceRMSE(_ indices: [Int]) -> Double {
        let k = indices.reduce(0) { $0 + forceComponents[$1] }
        return k == 0 ? .nan : 1000 * (indices.reduce(0) { $0 + forceSquaredSums[$1] } / Double(k)).squareRoot()
    }
}

/// How a variant's test error differs from the baseline's at one N, paired over seeds and
/// test conformations.
///
/// The estimate is the mean over the common seeds s of RMSE(variant, s) − RMSE(baseline, s)
/// on the whole test set. The 95 % interval is a two-level percentile bootstrap
/// (Efron & Tibshirani 1993, ch. 13): each replicate draws the seeds with replacement and
/// the test conformations with replacement (one draw shared by both variants and every
/// seed, which keeps the pairing), and recomputes the mean difference. With one seed the
/// interval covers test-set sampling only (``seeds`` says how many there were).
public struct PairedDifference: Codable, Equatable, Sendable {
    public var variant: String
    public var baseline: String
    public var n: Int
    /// The metric: `energy_rmse_meV` or `force_rmse_meV_per_A`.
    public var metric: String
    /// The seeds both variants were refitted with.
    public var seeds: [UInt64]
    public var testConformations: Int
    /// Mean over seeds of the variant's and the baseline's RMSE.
    public var variantValue: Double
    public var baselineValue: Double
    /// variantValue − baselineValue (negative: the variant's error is lower).
    public var difference: Double
    public var lower: Double
    public var upper: Double

    /// "lower", "higher" (the interval excludes 0) or "no clear difference".
    public var verdict: String {
        upper < 0 ? "lower" : lower > 0 ? "higher" : "no clear difference"
    }
}

public enum PairedComparison {
    public static let metrics = ["energy_rmse_meV", "force_rmse_meV_per_A"]

    /// Every variant against `baseline` at every N where both have refits with test
    /// errors for at least one common seed (on test sets of equal size). Results without
    /// per-conformation errors (written before they were recorded) are skipped.
    ///
    /// - Parameters:
    ///   - resamples: bootstrap replicates.
    ///   - seed: the bootstrap's generator seed (results are reproducible).
    public static func compare(_ results: [RefitResult], baseline: String, resamples: Int = 2000,
                               seed: UInt64 = 0x5EED) -> [PairedDifference] {
        var byKey: [String: TestErrors] = [:]
        for r in results { if let e = r.testErrors { byKey["\(r.variant)|\(r.n)|\(r.seed)"] = e } }
        var variants: [String] = []
        for r in results where r.variant != baseline && !variants.contains(r.variant) { variants.append(r.variant) }
        var out: [PairedDifference] = []
        for variant in variants {
            for n in Set(results.map(\.n)).sorted() {
                let seeds = Set(results.filter { $0.variant == variant && $0.n == n }.map(\.seed)).sorted().filter {
                    guard let a = byKey["\(variant)|\(n)|\($0)"], let b = byKey["\(baseline)|\(n)|\($0)"] else { return false }
                    return a.energyErrors.count == b.energyErrors.count && !a.energyErrors.isEmpty
                }
                guard !seeds.isEmpty else { continue }
                let pairs = seeds.map { (byKey["\(variant)|\(n)|\($0)"]!, byKey["\(baseline)|\(n)|\($0)"]!) }
                let t = pairs[0].0.energyErrors.count
                for metric in metrics {
                    let value: (TestErrors, [Int]) -> Double = metric == metrics[0] ? { $0.energyRMSE($1) } : { $0.forceRMSE($1) }
                    let all = Array(0..<t)
                    func mean(_ picks: [Int], _ side: (TestErrors, TestErrors) -> TestErrors, _ idx: [Int]) -> Double {
                        picks.reduce(0) { $0 + value(side(pairs[$1].0, pairs[$1].1), idx) } / Double(picks.count)
                    }
                    let everySeed = Array(pairs.indices)
                    let v = mean(everySeed, { a, _ in a }, all), b = mean(everySeed, { _, b in b }, all)
                    guard v.isFinite && b.isFinite else { continue }
                    var g = SeededGenerator(seed: seed &+ UInt64(n) &* 0x9E37 &+ UInt64(metric.count))
                    var replicates: [Double] = []
                    replicates.reserveCapacity(resamples)
                    for _ in 0..<resamples {
                        let picks = (0..<pairs.count).map { _ in g.uniform(below: pairs.count) }
                        let idx = (0..<t).map { _ in g.uniform(below: t) }
                        replicates.append(mean(picks, { a, _ in a }, idx) - mean(picks, { _, b in b }, idx))
                    }
                    replicates.sort()
                    func quantile(_ q: Double) -> Double { replicates[min(resamples - 1, Int((q * Double(resamples)).rounded(.down)))] }
                    out.append(PairedDifference(variant: variant, baseline: baseline, n: n, metric: metric, seeds: seeds,
                                                testConformations: t, variantValue: v, baselineValue: b, difference: v - b,
                                                lower: quantile(0.025), upper: quantile(0.975)))
                }
            }
        }
        return out
    }

    /// The baselines of `differences`, in order of appearance.
    public static func baselines(of differences: [PairedDifference]) -> [String] {
        var seen: [String] = []
        for d in differences where !seen.contains(d.baseline) { seen.append(d.baseline) }
        return seen
    }

    /// `comparisons.csv`: one row per (baseline, variant, N, metric).
    public static func csv(_ differences: [PairedDifference]) -> String {
        var s = "variant,baseline,n,metric,seeds,test_conformations,variant_value,baseline_value,difference,ci95_low,ci95_high,verdict\n"
        for d in differences {
            s += "\(d.variant),\(d.baseline),\(d.n),\(d.metric),\(d.seeds.count),\(d.testConformations),"
                + [d.variantValue, d.baselineValue, d.difference, d.lower, d.upper].map { String(format: "%.3f", $0) }.joined(separator: ",")
                + ",\(d.verdict)\n"
        }
        return s
    }

    /// A Markdown table of the force (and energy) differences.
    public static func markdown(_ differences: [PairedDifference]) -> String {
        guard let first = differences.first else { return "" }
        let seeds = Set(differences.map(\.seeds.count)).sorted().map(String.init).joined(separator: "/")
        var s = "Difference to \(first.baseline) (variant − \(first.baseline); negative is better), mean over \(seeds) paired seed(s) "
            + "on \(first.testConformations) test conformations, with 95 % bootstrap intervals over seeds and test conformations\n\n"
        s += "| variant | N | energy RMSE Δ (meV) | force RMSE Δ (meV/Å) | forces |\n|---|---:|---:|---:|---|\n"
        var keys: [String] = []
        for d in differences where !keys.contains("\(d.variant)|\(d.n)") { keys.append("\(d.variant)|\(d.n)") }
        for key in keys {
            let rows = differences.filter { "\($0.variant)|\($0.n)" == key }
            func cell(_ metric: String) -> String {
                guard let d = rows.first(where: { $0.metric == metric }) else { return "–" }
                return String(format: "%+.1f [%+.1f, %+.1f]", d.difference, d.lower, d.upper)
            }
            let force = rows.first { $0.metric == metrics[1] }
            s += "| \(rows[0].variant) | \(rows[0].n) | \(cell(metrics[0])) | \(cell(metrics[1])) | \(force?.verdict ?? "–") |\n"
        }
        return s
    }
}
