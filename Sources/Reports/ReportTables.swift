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

/// Smoothness of one variant's scans of one kind and mode, over every such scan and seed
/// in scan_metrics.csv at one N. Kinds are never pooled (their units differ: torsions and
/// bends per radian, stretches and proton transfers per Å), nor are rigid and relaxed scans.
public struct SmoothnessRow: Codable, Equatable, Sendable {
    public var variant: String
    /// Training-set size of the refits (nil for the reference curves).
    public var n: Int?
    /// torsion, stretch, bend, proton_transfer or path.
    public var kind: String
    /// rigid, relaxed or given ("" in runs made before scan modes existed).
    public var mode: String
    public var curves: Int
    public var medianRoughness: Double?
    public var medianNormalisedRoughness: Double?
    public var medianHighFrequencyShare: Double?
    public var spuriousExtrema: Int?
    public var medianConsistencyRMSE: Double?
    /// Median RMSE against the reference curves (meV).
    public var medianReferenceRMSE: Double?
    /// Median barrier (max − min of each curve), meV.
    public var medianBarrier: Double?
    /// Points with a non-bonded clash, over all curves (nil when not measured).
    public var clashPoints: Int?
    /// Relaxed points that did not converge, over all curves.
    public var unconvergedPoints: Int?

    /// The unit of the path parameter of `kind`: "rad" or "Å".
    public var parameterUnit: String {
        ["stretch", "proton_transfer"].contains(kind) ? "Å" : kind == "path" ? "point" : "rad"
    }

    /// One row per (variant in `order`, N in increasing order, kind, mode) that has
    /// metrics, then `reference` when present. Smoothness changes with N, so N values are
    /// never pooled.
    public static func rows(_ metrics: [ScanMetric], variants order: [String]) -> [SmoothnessRow] {
        (order + [ReportNames.reference]).flatMap { v -> [SmoothnessRow] in
            let ofVariant = metrics.filter { $0.variant == v }
            let sizes: [Int?] = Set(ofVariant.map(\.n)).sorted { ($0 ?? -1) < ($1 ?? -1) }
            return sizes.flatMap { n -> [SmoothnessRow] in
                let atN = ofVariant.filter { $0.n == n }
                var groups: [(String, String)] = []
                for m in atN where !groups.contains(where: { $0 == (m.scanKind, m.mode) }) { groups.append((m.scanKind, m.mode)) }
                return groups.map { kind, mode in
                    let rows = atN.filter { $0.scanKind == kind && $0.mode == mode }
                    // Extrema the reference lacks; a curve with fewer extrema than its reference
                    // (negative spurious_extrema) adds nothing rather than cancelling another's.
                    let spurious = rows.compactMap(\.spuriousExtrema).map { max(0, $0) }
                    let clashes = rows.compactMap(\.clashPoints), unconverged = rows.compactMap(\.unconvergedPoints)
                    return SmoothnessRow(variant: v, n: n, kind: kind, mode: mode, curves: rows.count,
                                         medianRoughness: median(rows.compactMap(\.roughness)),
                                         medianNormalisedRoughness: median(rows.compactMap(\.normalisedRoughness)),
                                         medianHighFrequencyShare: median(rows.compactMap(\.highFrequencyShare)),
                                         spuriousExtrema: spurious.isEmpty ? nil : spurious.reduce(0, +),
                                         medianConsistencyRMSE: median(rows.compactMap(\.consistencyRMSE)),
                                         medianReferenceRMSE: median(rows.compactMap(\.referenceRMSE)),
                                         medianBarrier: median(rows.compactMap(\.energyRange)),
                                         clashPoints: clashes.isEmpty ? nil : clashes.reduce(0, +),
                                         unconvergedPoints: unconverged.isEmpty ? nil : unconverged.reduce(0, +))
                }
            }
        }
    }
}

/// One torsion's barrier for one model, relaxed beside rigid: the rows of the report's
/// torsion-barrier table (figure N and seed).
public struct TorsionBarrierRow: Codable, Equatable, Sendable {
    public var scan: String
    /// The dihedral atoms, "C13-O5-C1-C0".
    public var atoms: String
    public var variant: String
    public var n: Int?
    public var seed: Int?
    /// max − min of the relaxed profile, meV, and the dihedral of its highest point, degrees.
    public var relaxedBarrier: Double?
    public var relaxedBarrierPosition: Double?
    public var relaxedUnconverged: Int?
    /// Relaxed points where a relaxation fell into a clash (holes of the model).
    public var relaxedHoles: Int?
    public var relaxedMaxResidual: Double?
    /// Consistency RMSE of the relaxed profile, eV/rad.
    public var relaxedConsistency: Double?
    /// max − min of the rigid profile, meV, and its points with a clash.
    public var rigidBarrier: Double?
    public var rigidClashPoints: Int?

    /// Rows for every torsion scan with a relaxed or rigid curve, for `variants` at `sizes`,
    /// each at its smallest seed (or `seed` when given and present).
    public static func rows(_ metrics: [ScanMetric], variants: [String], sizes: [Int], seed: Int?) -> [TorsionBarrierRow] {
        let torsions = metrics.filter { $0.scanKind == "torsion" && ($0.mode == "relaxed" || $0.mode == "rigid" || $0.mode.isEmpty) }
        var scans: [String] = []
        for m in torsions where !scans.contains(m.scan) { scans.append(m.scan) }
        var out: [TorsionBarrierRow] = []
        for scan in scans {
            for v in variants {
                for n in sizes {
                    let rows = torsions.filter { $0.scan == scan && $0.variant == v && $0.n == n }
                    guard !rows.isEmpty else { continue }
                    let seeds = Set(rows.compactMap(\.seed))
                    let chosen = seed.flatMap { seeds.contains($0) ? $0 : nil } ?? seeds.min()
                    let atSeed = rows.filter { $0.seed == chosen }
                    let relaxed = atSeed.first { $0.mode == "relaxed" }
                    let rigid = atSeed.first { $0.mode == "rigid" || $0.mode.isEmpty }
                    out.append(TorsionBarrierRow(scan: scan, atoms: (relaxed ?? rigid)?.atoms ?? "", variant: v, n: n, seed: chosen,
                                                 relaxedBarrier: relaxed?.energyRange, relaxedBarrierPosition: relaxed?.barrierPosition,
                                                 relaxedUnconverged: relaxed?.unconvergedPoints, relaxedHoles: relaxed?.holePoints, relaxedMaxResidual: relaxed?.maxHeldResidual,
                                                 relaxedConsistency: relaxed?.consistencyRMSE,
                                                 rigidBarrier: rigid?.energyRange, rigidClashPoints: rigid?.clashPoints))
                }
            }
        }
        return out
    }
}

/// Stability of one variant's MD runs at one N, ensemble, temperature and time step.
public struct MDStabilityRow: Codable, Equatable, Sendable {
    public var variant: String
    public var n: Int?
    public var ensemble: String
    public var temperature: Double?
    /// Time step, fs (nil when md_metrics.csv does not record it). Runs at different time
    /// steps are never pooled: NVE drift against the time step is the smoothness probe.
    public var timeStep: Double?
    public var runs: Int
    /// Runs flagged stable, of those with a flag.
    public var stableRuns: Int
    public var flaggedRuns: Int
    /// Drift over seeds (meV/atom/ps), when any run reports it.
    public var drift: SeedStatistic?
    public var medianStableTime: Double?
    public var maxBondStretch: Double?
    /// Why runs became unphysical, when they did (one entry per distinct reason).
    public var reasons: [String]

    /// Rows grouped by (variant in `order`, N, ensemble, temperature, time step) in order of appearance.
    public static func rows(_ metrics: [MDMetric], variants order: [String]) -> [MDStabilityRow] {
        var keys: [String] = []
        var groups: [String: [MDMetric]] = [:]
        for v in order + [ReportNames.reference] {
            for m in metrics where m.variant == v {
                let key = "\(v)|\(m.n.map(String.init) ?? "")|\(m.ensemble)|\(m.temperature.map { "\($0)" } ?? "")|\(m.timeStep.map { "\($0)" } ?? "")"
                if groups[key] == nil { keys.append(key) }
                groups[key, default: []].append(m)
            }
        }
        return keys.map { key in
            let g = groups[key]!
            let flags = g.compactMap(\.stable)
            let drifts = g.compactMap(\.drift)
            return MDStabilityRow(variant: g[0].variant, n: g[0].n, ensemble: g[0].ensemble, temperature: g[0].temperature,
                                  timeStep: g[0].timeStep,
                                  runs: g.count, stableRuns: flags.filter { $0 }.count, flaggedRuns: flags.count,
                                  drift: drifts.isEmpty ? nil : SeedStatistic(drifts),
                                  medianStableTime: median(g.compactMap(\.stableTime)),
                                  maxBondStretch: g.compactMap(\.maxBondStretch).max(),
                                  reasons: g.compactMap(\.instability).filter { !$0.isEmpty }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } })
        }
    }
}
