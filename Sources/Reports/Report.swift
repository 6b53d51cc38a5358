// A run's report as a value: its data, its tables and its figures. HTML, notebook and
// summary JSON are renderings of this (Report+HTML.swift, Report+Notebook.swift).

import Foundation

/// Choices for a report's figures.
public struct ReportOptions: Sendable {
    /// The N values the scan and MD figures show, one figure per scan (or MD ensemble) and N;
    /// nil: the smallest and the largest N the analysis has.
    public var figureSizes: [Int]?
    /// The seed shown in scan and MD figures; nil: each curve's smallest seed.
    public var figureSeed: Int?
    /// Atoms in the target molecule for per-atom MD energies; nil: what the refit files imply.
    public var atomsPerMolecule: Int?
    /// The most points drawn per MD trace in the HTML (longer traces are thinned evenly).
    public var maximumTracePoints: Int
    /// The most points drawn per force-parity plot in the HTML (every k-th atom beyond).
    public var maximumParityPoints: Int
    /// The date the report states as its generation time.
    public var date: Date

    public init(figureSizes: [Int]? = nil, figureSeed: Int? = nil, atomsPerMolecule: Int? = nil,
                maximumTracePoints: Int = 1500, maximumParityPoints: Int = 1200, date: Date = Date()) {
        self.figureSizes = figureSizes; self.figureSeed = figureSeed; self.atomsPerMolecule = atomsPerMolecule
        self.maximumTracePoints = maximumTracePoints; self.maximumParityPoints = maximumParityPoints; self.date = date
    }
}

/// One chart with what it shows.
public struct ReportFigure: Sendable {
    public var chart: SVGChart
    public var caption: String
}

/// The tables and figures of one run.
public struct Report: Sendable {
    public var data: RunData
    public var options: ReportOptions
    /// Variants in display order (colours follow this order everywhere).
    public var variants: [String]
    public var cells: [LearningCurveCell]
    /// Per-variant smoothness, nil without analysis/scan_metrics.csv.
    public var smoothness: [SmoothnessRow]?
    /// MD stability, nil without analysis/md_metrics.csv.
    public var mdStability: [MDStabilityRow]?

    public init(data: RunData, options: ReportOptions = ReportOptions()) {
        self.data = data
        self.options = options
        variants = data.variants
        cells = LearningCurveCell.cells(data.results, variants: variants)
        smoothness = data.scanMetrics.map { SmoothnessRow.rows($0, variants: variants) }
        mdStability = data.mdMetrics.map { MDStabilityRow.rows($0, variants: variants) }
    }

    /// Atom count for per-atom MD energies: the option, else what the refit files imply.
    public var atomsPerMolecule: Int? { options.atomsPerMolecule ?? data.atomsPerMolecule }

    public func colour(of variant: String) -> String {
        variant == ReportNames.reference ? Palette.reference : Palette.colour(variants.firstIndex(of: variant) ?? variants.count)
    }

    // MARK: Figures

    /// Test-set error against N on log–log axes, one series per variant, bars ± one std over seeds.
    public func learningCurve(_ metric: ErrorMetric) -> SVGChart {
        let series = variants.compactMap { v -> SVGChart.Series? in
            let points = cells.filter { $0.variant == v }.map { c in
                SVGChart.Point(x: Double(c.n), y: c.statistic(metric).mean, yError: c.seeds > 1 ? c.statistic(metric).std : nil)
            }
            return points.isEmpty ? nil : SVGChart.Series(name: v, points: points, colour: colour(of: v))
        }
        return SVGChart(title: "\(metric.title) vs N", x: .init("Training conformations N", scale: .logarithmic),
                        y: .init(metric.title, unit: metric.unit, scale: .logarithmic), series: series)
    }

    /// The N values the scan, MD, parity and refit-curve figures show, given the N values the analysis has.
    public func figureSizes(available: [Int]) -> [Int] {
        let sizes = Set(available).sorted()
        if let chosen = options.figureSizes { return chosen.filter(sizes.contains) }
        guard let first = sizes.first, let last = sizes.last else { return [] }
        return first == last ? [first] : [first, last]
    }

    /// The seed a figure shows among `seeds`: the option when present there, else the smallest.
    func figureSeed(_ seeds: [Int?]) -> Int? {
        let present = seeds.compactMap { $0 }
        if let s = options.figureSeed, present.contains(s) { return s }
        return present.min()
    }

    /// (coordinate, eV) pairs as points in meV above the curve's minimum; missing energies dropped.
    func relative(_ pairs: [(Double, Double?)]) -> [SVGChart.Point] {
        let known = pairs.compactMap { c, e in e.map { (c, $0) } }.filter { $0.1.isFinite }
        guard let minimum = known.map(\.1).min() else { return [] }
        return known.map { SVGChart.Point(x: $0.0, y: ($0.1 - minimum) * 1000) }
    }

    /// NVE total energy against time relative to its first frame, per atom when the atom count
    /// is known; one figure per N, one series per variant.
    public func mdFigures() -> [ReportFigure] {
        guard let md = data.md else { return [] }
        let nve = md.filter { $0.ensemble.uppercased() == "NVE" }
        let atoms = atomsPerMolecule
        var figures: [ReportFigure] = []
        for n in figureSizes(available: nve.compactMap(\.n)) {
            var seedsShown: Set<Int> = []
            let series = variants.compactMap { v -> SVGChart.Series? in
                let run = nve.filter { $0.variant == v && $0.n == n }
                guard !run.isEmpty else { return nil }
                let seed = figureSeed(run.map(\.seed))
                if let seed { seedsShown.insert(seed) }
                let frames = run.filter { $0.seed == seed && $0.totalEnergy?.isFinite == true }.sorted { $0.time < $1.time }
                guard let e0 = frames.first?.totalEnergy else { return nil }
                let stride = max(1, (frames.count + options.maximumTracePoints - 1) / max(1, options.maximumTracePoints))
                let thinned = frames.enumerated().filter { $0.offset % stride == 0 || $0.offset == frames.count - 1 }.map(\.element)
                let points = thinned.map { SVGChart.Point(x: $0.time, y: ($0.totalEnergy! - e0) * 1000 / Double(atoms ?? 1)) }
                return SVGChart.Series(name: v, points: points, colour: colour(of: v), markers: false)
            }
            guard !series.isEmpty else { continue }
            let seedText = seedsShown.isEmpty ? "" : ", seed \(seedsShown.sorted().map(String.init).joined(separator: "/"))"
            let chart = SVGChart(title: "NVE total energy, N = \(n)", x: .init("Time", unit: "fs"),
                                 y: .init(atoms == nil ? "Total energy − initial" : "Total energy per atom − initial",
                                          unit: atoms == nil ? "meV" : "meV/atom"), series: series)
            figures.append(ReportFigure(chart: chart, caption: "NVE runs after refitting on N = \(n)\(seedText): change of the "
                + (atoms.map { "total energy per atom (\($0) atoms)" } ?? "total energy of the whole system (atom count unknown)")
                + " from the first frame; a flat line conserves energy."))
        }
        return figures
    }
}
