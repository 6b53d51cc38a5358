// NVE energy drift against the time step, and the largest time step each model keeps
// stable: a rough PES fails first at large steps (analysis/md_metrics.csv).

import Foundation

/// One model's NVE runs at several time steps.
public struct TimeStepRow: Equatable, Sendable {
    public var variant: String
    public var n: Int?
    public var seed: Int?
    /// (time step fs, |drift| meV/atom/ps or nil, stayed physical) by ascending time step.
    public var runs: [Run]
    /// The largest time step whose run, and the runs at every smaller step, stayed physical
    /// with |drift| ≤ ``Report/driftTolerance``; nil when the smallest one already fails.
    public var largestStable: Double?

    public struct Run: Equatable, Sendable {
        public var timeStep: Double
        public var drift: Double?
        public var stable: Bool
        /// Stayed physical and conserved energy within the tolerance.
        public var passes: Bool
    }
}

extension Report {
    /// Largest |NVE drift| counted as conserving energy, meV/atom/ps.
    public static let driftTolerance = 1.0

    /// One row per model (variant, N, seed) with NVE runs at two or more time steps.
    public func timeStepRows() -> [TimeStepRow] {
        let nve = (data.mdMetrics ?? []).filter { $0.ensemble.lowercased() == "nve" && $0.timeStep != nil }
        var keys: [String] = [], groups: [String: [MDMetric]] = [:]
        for v in variants {
            for m in nve where m.variant == v {
                let key = "\(v)|\(m.n.map(String.init) ?? "")|\(m.seed.map(String.init) ?? "")"
                if groups[key] == nil { keys.append(key) }
                groups[key, default: []].append(m)
            }
        }
        return keys.compactMap { key in
            let g = groups[key]!.sorted { $0.timeStep! < $1.timeStep! }
            guard Set(g.map(\.timeStep!)).count >= 2 else { return nil }
            let runs = g.map { m in
                let stable = m.stable ?? false
                let drift = m.drift.map(abs)
                return TimeStepRow.Run(timeStep: m.timeStep!, drift: drift, stable: stable,
                                       passes: stable && (drift.map { $0 <= Self.driftTolerance } ?? false))
            }
            let largest = runs.prefix { $0.passes }.last?.timeStep
            return TimeStepRow(variant: g[0].variant, n: g[0].n, seed: g[0].seed, runs: runs, largestStable: largest)
        }
    }

    /// |NVE drift| against the time step (log scale), one figure per figure size N, one line
    /// per variant (the figure seed); runs that became unphysical are not drawn.
    public func timeStepFigures() -> [ReportFigure] {
        let rows = timeStepRows()
        guard !rows.isEmpty else { return [] }
        return figureSizes(available: rows.compactMap(\.n)).compactMap { n in
            let series = variants.compactMap { v -> SVGChart.Series? in
                let mine = rows.filter { $0.variant == v && $0.n == n }
                let seed = figureSeed(mine.map(\.seed))
                guard let row = mine.first(where: { $0.seed == seed }) else { return nil }
                let points = row.runs.filter { $0.stable }.compactMap { r in r.drift.map { SVGChart.Point(x: r.timeStep, y: max($0, 1e-4)) } }
                return points.isEmpty ? nil : SVGChart.Series(name: v, points: points, colour: colour(of: v))
            }
            guard !series.isEmpty else { return nil }
            return ReportFigure(
                chart: SVGChart(title: "NVE energy drift against the time step, N = \(n)",
                                x: SVGChart.Axis("Time step", unit: "fs"),
                                y: SVGChart.Axis("|Energy drift|", unit: "meV/atom/ps", scale: .logarithmic), series: series),
                caption: "Absolute NVE total-energy drift per atom against the time step for each variant at N = \(n) (one seed). "
                    + "A smooth PES keeps the drift small and growing smoothly with the step; runs that became unphysical are not drawn "
                    + "(see the table). Drifts below 1e-4 are drawn at 1e-4.")
        }
    }

    /// The table of largest stable time steps, with each run's drift.
    func timeStepTableHTML() -> String {
        let rows = timeStepRows()
        guard !rows.isEmpty else { return "" }
        let steps = Set(rows.flatMap { $0.runs.map(\.timeStep) }).sorted()
        var s = "<h3>Largest stable NVE time step</h3>\n<p>The largest time step whose NVE run, and the runs at every smaller step, "
            + "stayed physical and conserved energy to |drift| ≤ \(Report.number(Self.driftTolerance, 1)) meV/atom/ps. "
            + "Cells give |drift| (meV/atom/ps); ✗ marks a run that became unphysical.</p>\n"
        s += "<table>\n<thead><tr><th>variant</th><th>N</th><th>seed</th>"
            + steps.map { "<th>Δt = \(Report.number($0, 2)) fs</th>" }.joined() + "<th>largest stable Δt (fs)</th></tr></thead>\n<tbody>\n"
        for r in rows {
            s += "<tr><th>\(xmlEscaped(r.variant))</th><td class=\"num\">\(r.n.map(String.init) ?? "–")</td>"
                + "<td class=\"num\">\(r.seed.map(String.init) ?? "–")</td>"
            for dt in steps {
                if let run = r.runs.first(where: { $0.timeStep == dt }) {
                    s += "<td class=\"num\">\(run.stable ? Report.number(run.drift, 3, significant: true) : "✗")</td>"
                } else {
                    s += "<td class=\"num\">–</td>"
                }
            }
            s += "<td class=\"num\">\(r.largestStable.map { Report.number($0, 2) } ?? "below \(Report.number(r.runs[0].timeStep, 2))")</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }
}
