// The report's tables as values: learning-curve cells (mean ± std over seeds), the best
// variant per N, smoothness per variant, MD stability per variant and N.

import Foundation

/// Mean and sample standard deviation (n − 1; 0 for a single value) of the finite values.
public struct SeedStatistic: Codable, Equatable, Sendable {
    public var mean: Double
    public var std: Double
    public var count: Int

    public init(_ values: [Double]) {
        let xs = values.filter(\.isFinite)
        count = xs.count
        mean = xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
        let m = mean
        std = xs.count > 1 ? (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot() : 0
    }
}

/// The median of the finite values, nil when there are none.
public func median(_ values: [Double]) -> Double? {
    let xs = values.filter(\.isFinite).sorted()
    guard !xs.isEmpty else { return nil }
    let mid = xs.count / 2
    return xs.count % 2 == 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2
}

/// A test-set error the learning curves show.
public enum ErrorMetric: String, CaseIterable, Codable, Sendable {
    case forceRMSE = "force_rmse_meV_per_A"
    case energyRMSE = "energy_rmse_meV"
    case energyPerAtomRMSE = "energy_per_atom_rmse_meV"

    public var title: String {
        switch self {
        case .forceRMSE: "Force RMSE"
        case .energyRMSE: "Energy RMSE"
        case .energyPerAtomRMSE: "Energy RMSE per atom"
        }
    }

    public var unit: String {
        switch self {
        case .forceRMSE: "meV/Å"
        case .energyRMSE: "meV"
        case .energyPerAtomRMSE: "meV/atom"
        }
    }

    func value(_ r: RefitRecord) -> Double {
        switch self {
        case .forceRMSE: r.forceRMSE
        case .energyRMSE: r.energyRMSE
        case .energyPerAtomRMSE: r.energyPerAtomRMSE
        }
    }
}

/// One (variant, N) cell of the learning curves: statistics over seeds.
public struct LearningCurveCell: Codable, Equatable, Sendable {
    public var variant: String
    public var n: Int
    public var seeds: Int
    public var forceRMSE: SeedStatistic
    public var energyRMSE: SeedStatistic
    public var energyPerAtomRMSE: SeedStatistic

    public func statistic(_ metric: ErrorMetric) -> SeedStatistic {
        switch metric {
        case .forceRMSE: forceRMSE
        case .energyRMSE: energyRMSE
        case .energyPerAtomRMSE: energyPerAtomRMSE
        }
    }

    /// Cells for every (variant, N) present, variants in `order`, N ascending.
    public static func cells(_ results: [RefitRecord], variants order: [String]) -> [LearningCurveCell] {
        order.flatMap { v in
            Set(results.filter { $0.variant == v }.map(\.n)).sorted().map { n in
                let rows = results.filter { $0.variant == v && $0.n == n }
                return LearningCurveCell(variant: v, n: n, seeds: rows.count,
                                         forceRMSE: SeedStatistic(rows.map { ErrorMetric.forceRMSE.value($0) }),
                                         energyRMSE: SeedStatistic(rows.map { ErrorMetric.energyRMSE.value($0) }),
                                         energyPerAtomRMSE: SeedStatistic(rows.map { ErrorMetric.energyPerAtomRMSE.value($0) }))
            }
        }
    }

    /// The variant with the lowest mean of `metric` at `n` (first in order on ties), if any.
    public static func best(_ cells: [LearningCurveCell], metric: ErrorMetric, n: Int) -> String? {
        var best: LearningCurveCell?
        for c in cells where c.n == n && c.statistic(metric).mean.isFinite {
            if best.map({ c.statistic(metric).mean < $0.statistic(metric).mean }) ?? true { best = c }
        }
        return best?.variant
    }
}

/// Smoothness of one variant's scans, over every scan, N and seed in scan_metrics.csv.
public struct SmoothnessRow: Codable, Equatable, Sendable {
    public var variant: String
    /// Training-set size of the refits (nil for the reference curves).
    public var n: Int?
    public var curves: Int
    public var medianRoughness: Double?
    public var medianHighFrequencyShare: Double?
    public var spuriousExtrema: Int?
    public var medianConsistencyRMSE: Double?
    /// Median RMSE against the reference curves (meV).
    public var medianReferenceRMSE: Double?

    /// One row per (variant in `order`, N in increasing order) that has metrics, then
    /// `reference` when present. Smoothness changes with N, so N values are never pooled.
    public static func rows(_ metrics: [ScanMetric], variants order: [String]) -> [SmoothnessRow] {
        (order + [ReportNames.reference]).flatMap { v -> [SmoothnessRow] in
            let ofVariant = metrics.filter { $0.variant == v }
            let sizes: [Int?] = Set(ofVariant.map(\.n)).sorted { ($0 ?? -1) < ($1 ?? -1) }
            return sizes.map { n in
                let rows = ofVariant.filter { $0.n == n }
                // Extrema the reference lacks; a curve with fewer extrema than its reference
                // (negative spurious_extrema) adds nothing rather than cancelling another's.
                let spurious = rows.compactMap(\.spuriousExtrema).map { max(0, $0) }
                return SmoothnessRow(variant: v, n: n, curves: rows.count,
                                     medianRoughness: median(rows.compactMap(\.roughness)),
                                     medianHighFrequencyShare: median(rows.compactMap(\.highFrequencyShare)),
                                     spuriousExtrema: spurious.isEmpty ? nil : spurious.reduce(0, +),
                                     medianConsistencyRMSE: median(rows.compactMap(\.consistencyRMSE)),
                                     medianReferenceRMSE: median(rows.compactMap(\.referenceRMSE)))
            }
        }
    }
}

/// Stability of one variant's MD runs at one N, ensemble and temperature.
public struct MDStabilityRow: Codable, Equatable, Sendable {
    public var variant: String
    public var n: Int?
    public var ensemble: String
    public var temperature: Double?
    public var runs: Int
    /// Runs flagged stable, of those with a flag.
    public var stableRuns: Int
    public var flaggedRuns: Int
    /// Drift over seeds (meV/atom/ps), when any run reports it.
    public var drift: SeedStatistic?
    public var medianStableTime: Double?
    public var maxBondStretch: Double?

    /// Rows grouped by (variant in `order`, N, ensemble, temperature) in order of appearance.
    public static func rows(_ metrics: [MDMetric], variants order: [String]) -> [MDStabilityRow] {
        var keys: [String] = []
        var groups: [String: [MDMetric]] = [:]
        for v in order + [ReportNames.reference] {
            for m in metrics where m.variant == v {
                let key = "\(v)|\(m.n.map(String.init) ?? "")|\(m.ensemble)|\(m.temperature.map { "\($0)" } ?? "")"
                if groups[key] == nil { keys.append(key) }
                groups[key, default: []].append(m)
            }
        }
        return keys.map { key in
            let g = groups[key]!
            let flags = g.compactMap(\.stable)
            let drifts = g.compactMap(\.drift)
            return MDStabilityRow(variant: g[0].variant, n: g[0].n, ensemble: g[0].ensemble, temperature: g[0].temperature,
                                  runs: g.count, stableRuns: flags.filter { $0 }.count, flaggedRuns: flags.count,
                                  drift: drifts.isEmpty ? nil : SeedStatistic(drifts),
                                  medianStableTime: median(g.compactMap(\.stableTime)),
                                  maxBondStretch: g.compactMap(\.maxBondStretch).max())
        }
    }
}
