// The smoothness section: tables of scan metrics by kind and mode, the torsion barriers
// relaxed beside rigid, and the scan profiles (HTML; notebook cells in
// Report+NotebookScans.swift).

import Chemistry
import Foundation

extension Report {
    /// "Relaxed torsion C13-O5-C1-C0" for a scan row's kind, mode and atoms.
    func scanTitle(scan: String, kind: String, mode: String, atoms: String) -> String {
        let modeText = mode.isEmpty ? "" : (mode == "given" ? "reference-geometry " : "\(mode) ")
        let what = atoms.isEmpty ? scan : "\(kind.replacingOccurrences(of: "_", with: " ")) \(atoms)"
        return (modeText + what).prefix(1).uppercased() + (modeText + what).dropFirst()
    }

    /// Energy along each scan relative to each curve's minimum (meV), one figure per scan,
    /// mode and N, one series per variant beside the reference curve.
    public func scanFigures() -> [ReportFigure] {
        guard let scans = data.scans else { return [] }
        var keys: [(scan: String, mode: String)] = []
        for p in scans where !keys.contains(where: { $0 == (p.scan, p.mode) }) { keys.append((p.scan, p.mode)) }
        // Relaxed curves first, then rigid, for each scan.
        let rank = ["relaxed": 0, "rigid": 1, "": 1, "given": 2]
        let scanOrder = keys.map(\.scan).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        keys.sort { a, b in
            let (i, j) = (scanOrder.firstIndex(of: a.scan)!, scanOrder.firstIndex(of: b.scan)!)
            return i != j ? i < j : (rank[a.mode] ?? 3) < (rank[b.mode] ?? 3)
        }
        let atomsOf = Dictionary((data.scanMetrics ?? []).map { ($0.scan, $0.atoms) }, uniquingKeysWith: { a, _ in a })
        let sizes = figureSizes(available: scans.filter { $0.variant != ReportNames.reference }.compactMap(\.n))
        var figures: [ReportFigure] = []
        for (scan, mode) in keys {
            let rows = scans.filter { $0.scan == scan && $0.mode == mode }
            let kind = rows.first?.scanKind ?? ""
            let unit = rows.first { !$0.coordinateUnit.isEmpty }?.coordinateUnit
            let title = scanTitle(scan: scan, kind: kind, mode: mode, atoms: atomsOf[scan] ?? "")
            for n in sizes {
                var series: [SVGChart.Series] = []
                var seedsShown: Set<Int> = [], clashes = 0, measured = false
                var referenceFromColumn: [ScanPoint] = []
                for v in variants {
                    let curve = rows.filter { $0.variant == v && $0.n == n }
                    guard !curve.isEmpty else { continue }
                    let seed = figureSeed(curve.map(\.seed))
                    let shown = curve.filter { $0.seed == seed }.sorted { $0.point < $1.point }
                    if let seed { seedsShown.insert(seed) }
                    clashes += shown.filter { $0.clash == true }.count
                    measured = measured || shown.contains { $0.clash != nil }
                    if referenceFromColumn.isEmpty, shown.contains(where: { $0.referenceEnergy != nil }) { referenceFromColumn = shown }
                    let points = relative(shown.map { ($0.coordinate, $0.energy) })
                    if !points.isEmpty { series.append(SVGChart.Series(name: v, points: points, colour: colour(of: v))) }
                }
                guard !series.isEmpty else { continue }
                // The reference curve: rows of variant "reference" for this scan (any mode), else the column.
                let referenceRows = scans.filter { $0.scan == scan && $0.variant == ReportNames.reference }.sorted { $0.point < $1.point }
                let reference = !referenceRows.isEmpty ? relative(referenceRows.map { ($0.coordinate, $0.energy) })
                    : relative(referenceFromColumn.map { ($0.coordinate, $0.referenceEnergy) })
                if !reference.isEmpty {
                    series.append(SVGChart.Series(name: ReportNames.reference, points: reference, colour: Palette.reference,
                                                  dashed: true, markers: false))
                }
                let seedText = seedsShown.isEmpty ? "" : ", seed \(seedsShown.sorted().map(String.init).joined(separator: "/"))"
                let chart = SVGChart(title: "\(title), N = \(n)",
                                     x: .init(kind.isEmpty ? "Coordinate" : "\(kind.replacingOccurrences(of: "_", with: " ").capitalized) coordinate", unit: unit),
                                     y: .init("Energy above curve minimum", unit: "meV"), series: series)
                var caption = "\(title) (scan \(scan)) after refitting on N = \(n)\(seedText); each curve relative to its own minimum"
                    + (reference.isEmpty ? "; no reference curve" : "; dashed: reference")
                switch mode {
                case "relaxed": caption += ". Relaxed: the dihedral held exactly, every other coordinate relaxed with each model."
                case "given": caption += ". The model evaluated on the reference geometries."
                default:
                    caption += ". Rigid: one fragment turned, nothing relaxed"
                        + (measured ? " — \(clashes) point\(clashes == 1 ? "" : "s") over the curves shown bring non-bonded atoms closer than their covalent bond length (clashes), so the profile there measures atom overlap, not the PES."
                                    : " (clashes not measured in this run).")
                }
                figures.append(ReportFigure(chart: chart, caption: caption))
            }
        }
        return figures
    }

    /// The smoothness table: one row per variant, N, scan kind and mode.
    func smoothnessTableHTML(_ rows: [SmoothnessRow]) -> String {
        guard !rows.isEmpty else {
            return "<p class=\"missing\"><code>analysis/scan_metrics.csv</code> has a header but no curves: smoothness metrics are not available.</p>\n"
        }
        var s = "<p>Per variant, N, scan kind and mode, over every such curve and seed in <code>analysis/scan_metrics.csv</code>: "
            + "medians of the barrier (max − min), of the curvature roughness normalised by the barrier (√R/ΔE; a single cosine "
            + "of period 2π/m gives m²/2√2: 0.35, 1.41, 3.18 for m = 1, 2, 3), of the high-frequency share and of the consistency "
            + "RMSE (F·dR/ds against a fine difference of E at each point; ≈ 0 for forces that are the energy's gradient); the total "
            + "of spurious extrema (extrema the reference, or a smooth fit, lacks), of clash points and of relaxed points that did not converge.</p>\n"
        s += "<table class=\"smoothness\">\n<thead><tr><th>variant</th><th>N</th><th>kind</th><th>mode</th><th>curves</th>"
            + "<th>median barrier (meV)</th><th>median √R/ΔE (per unit²)</th><th>median high-frequency share</th>"
            + "<th>spurious extrema (total)</th><th>median consistency RMSE (eV/unit)</th><th>median reference RMSE (meV)</th>"
            + "<th>clash points</th><th>unconverged points</th></tr></thead>\n<tbody>\n"
        func int(_ x: Int?) -> String { x.map(String.init) ?? "–" }
        for r in rows {
            s += "<tr><th>\(xmlEscaped(r.variant))</th><td class=\"num\">\(int(r.n))</td><td>\(xmlEscaped(r.kind.replacingOccurrences(of: "_", with: " "))) (\(r.parameterUnit))</td>"
                + "<td>\(r.mode.isEmpty ? "rigid" : xmlEscaped(r.mode))</td><td class=\"num\">\(r.curves)</td>"
                + "<td class=\"num\">\(Report.number(r.medianBarrier, 1))</td>"
                + "<td class=\"num\">\(Report.number(r.medianNormalisedRoughness, 3, significant: true))</td>"
                + "<td class=\"num\">\(Report.number(r.medianHighFrequencyShare, 3))</td>"
                + "<td class=\"num\">\(int(r.spuriousExtrema))</td>"
                + "<td class=\"num\">\(Report.number(r.medianConsistencyRMSE, 3, significant: true))</td>"
                + "<td class=\"num\">\(Report.number(r.medianReferenceRMSE, 2))</td>"
                + "<td class=\"num\">\(int(r.clashPoints))</td><td class=\"num\">\(int(r.unconvergedPoints))</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// The torsion barriers of the figure refits, relaxed beside rigid.
    public var torsionBarriers: [TorsionBarrierRow] {
        guard let metrics = data.scanMetrics else { return [] }
        let sizes = figureSizes(available: metrics.filter { $0.variant != ReportNames.reference }.compactMap(\.n))
        return TorsionBarrierRow.rows(metrics, variants: variants, sizes: sizes, seed: options.figureSeed)
    }

    func torsionBarrierTableHTML() -> String {
        let rows = torsionBarriers
        guard !rows.isEmpty else { return "<p class=\"missing\">No torsion scans in <code>analysis/scan_metrics.csv</code>: no torsion barriers to show.</p>\n" }
        var s = "<h3>Torsion barriers, relaxed beside rigid</h3>\n<p>Barrier = highest minus lowest point of each 360° profile. "
            + "Relaxed: the dihedral held exactly (largest residual given), every other coordinate relaxed with the model; "
            + "each point is the lower of a forward and a backward sweep that does not clash; a relaxation that ends with non-bonded atoms "
            + "nearer than their covalent bond length has found a hole of the model and is counted. "
            + "Rigid: one fragment turned, nothing relaxed, so non-bonded atoms may clash. Figure N and seed.</p>\n"
        s += "<table class=\"barriers\">\n<thead><tr><th>torsion</th><th>variant</th><th>N</th><th>seed</th>"
            + "<th>relaxed barrier (meV)</th><th>at (°)</th><th>unconverged points</th><th>points where a relaxation fell into a clash (model hole)</th><th>largest dihedral residual (°)</th>"
            + "<th>relaxed consistency RMSE (eV/rad)</th><th>rigid barrier (meV)</th><th>rigid clash points</th></tr></thead>\n<tbody>\n"
        func int(_ x: Int?) -> String { x.map(String.init) ?? "–" }
        for r in rows {
            s += "<tr><th>\(xmlEscaped(r.atoms.isEmpty ? r.scan : r.atoms))</th><td>\(xmlEscaped(r.variant))</td><td class=\"num\">\(int(r.n))</td>"
                + "<td class=\"num\">\(int(r.seed))</td><td class=\"num\">\(Report.number(r.relaxedBarrier, 0))</td>"
                + "<td class=\"num\">\(Report.number(r.relaxedBarrierPosition.map { Geometry.wrapDegrees($0) }, 0))</td>"
                + "<td class=\"num\">\(int(r.relaxedUnconverged))</td><td class=\"num\">\(int(r.relaxedHoles))</td>"
                + "<td class=\"num\">\(r.relaxedMaxResidual.map { String(format: "%.0e", $0) } ?? "–")</td>"
                + "<td class=\"num\">\(Report.number(r.relaxedConsistency, 2, significant: true))</td>"
                + "<td class=\"num\">\(Report.number(r.rigidBarrier, 0))</td><td class=\"num\">\(int(r.rigidClashPoints))</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

}
