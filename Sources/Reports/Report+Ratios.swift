// The learning-curve ratio panel: each pretrained start's test error divided by scratch's at
// the same N and seed (results.csv), and its HTML section.

import Foundation

/// A pretrained variant's test error relative to the scratch baseline at one N: the per-seed
/// ratios error(variant, N, seed) / error(scratch, N, seed) over the seeds both have.
/// Dimensionless; below 1 means the pretrained start is better.
public struct ErrorRatio: Equatable, Sendable, Encodable {
    public var variant: String
    public var n: Int
    /// Seeds with a refit of both the variant and the baseline.
    public var seeds: Int
    public var mean: Double
    /// Sample standard deviation of the per-seed ratios (0 for one seed).
    public var std: Double
    public var min: Double
    public var max: Double
}

extension Report {
    /// The baseline variant: the one named `scratch`, else the one whose manifest entry has
    /// `kind: scratch`; nil when there is none.
    public var scratchVariant: String? {
        if let v = variants.first(where: { $0.lowercased() == "scratch" }) { return v }
        guard let text = data.manifestText else { return nil }
        // Manifest variants are list items, in flow (`- {name: a, kind: scratch}`) or block style.
        var items: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- ") { items.append(String(trimmed.dropFirst(2))) } else if !items.isEmpty, line.first == " " {
                items[items.count - 1] += "\n" + trimmed
            }
        }
        func value(_ key: String, in item: String) -> String? {
            guard let r = item.range(of: "\(key):\\s*[\"']?[A-Za-z0-9_.-]+", options: .regularExpression) else { return nil }
            return String(item[r].dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        }
        return items.first { value("kind", in: $0) == "scratch" }.flatMap { value("name", in: $0) }.flatMap { n in
            variants.contains(n) ? n : nil
        }
    }

    /// Ratios of `metric` to the baseline's for every other variant and N, in display order.
    public func errorRatios(_ metric: ErrorMetric, baseline: String) -> [ErrorRatio] {
        variants.filter { $0 != baseline }.flatMap { v in
            data.trainingSizes.compactMap { n -> ErrorRatio? in
                let ratios = data.results.filter { $0.variant == v && $0.n == n }.compactMap { r -> Double? in
                    guard let b = data.results.first(where: { $0.variant == baseline && $0.n == n && $0.seed == r.seed }) else { return nil }
                    let x = metric.value(r) / metric.value(b)
                    return x.isFinite ? x : nil
                }
                guard !ratios.isEmpty else { return nil }
                let st = SeedStatistic(ratios)
                return ErrorRatio(variant: v, n: n, seeds: ratios.count, mean: st.mean, std: st.std,
                                  min: ratios.min()!, max: ratios.max()!)
            }
        }
    }

    /// Ratio against N (log x), one series per pretrained variant, error bars ± one sample std of
    /// the per-seed ratios, dashed line at 1.
    public func ratioFigure(_ metric: ErrorMetric, baseline: String) -> ReportFigure? {
        let ratios = errorRatios(metric, baseline: baseline)
        guard !ratios.isEmpty else { return nil }
        var series = variants.compactMap { v -> SVGChart.Series? in
            let points = ratios.filter { $0.variant == v }.map { SVGChart.Point(x: Double($0.n), y: $0.mean, yError: $0.seeds > 1 ? $0.std : nil) }
            return points.isEmpty ? nil : SVGChart.Series(name: v, points: points, colour: colour(of: v))
        }
        let sizes = ratios.map { Double($0.n) }
        series.append(SVGChart.Series(name: "\(baseline) = 1", points: [.init(x: sizes.min()!, y: 1), .init(x: sizes.max()!, y: 1)],
                                      colour: Palette.reference, dashed: true, markers: false))
        let chart = SVGChart(title: "\(metric.title) relative to \(baseline)", x: .init("Training conformations N", scale: .logarithmic),
                             y: .init("\(metric.title) ÷ \(baseline)'s", unit: "ratio"), series: series)
        return ReportFigure(chart: chart, caption: "\(metric.title) on the test set of each pretrained start divided by "
            + "\(baseline)'s at the same N and seed, mean over seeds; error bars ± one sample standard deviation of the per-seed "
            + "ratios (the table gives min–max). Below the dashed line the pretrained start beats \(baseline).")
    }

    /// The ratio section, or the reason it is absent.
    func ratioSection() -> String {
        guard let baseline = scratchVariant else {
            return missing("No variant named or of kind <code>scratch</code> in this run: there is no baseline to divide by, "
                           + "so learning-curve ratios are not available.")
        }
        let metrics = [ErrorMetric.forceRMSE, .energyPerAtomRMSE]
        let figures = metrics.compactMap { ratioFigure($0, baseline: baseline) }
        guard !figures.isEmpty else {
            return missing("No pretrained variant shares an N and seed with <code>\(e(baseline))</code>: ratios are not available.")
        }
        var s = "<p>Each pretrained start's test error divided by <code>\(e(baseline))</code>'s at the same N and seed "
            + "(from <code>results.csv</code>); mean over seeds.</p>\n"
        for f in figures { s += figure(f) }
        let force = errorRatios(.forceRMSE, baseline: baseline), energy = errorRatios(.energyPerAtomRMSE, baseline: baseline)
        s += "<table class=\"ratios\">\n<caption>Test error ÷ \(e(baseline))'s (dimensionless): mean ± sample std over seeds [min–max]</caption>\n"
            + "<thead><tr><th>variant</th><th>N</th><th>seeds</th><th>force RMSE ratio (1)</th><th>energy-per-atom RMSE ratio (1)</th></tr></thead>\n<tbody>\n"
        func text(_ r: ErrorRatio?) -> String {
            guard let r else { return "–" }
            return Report.number(r.mean, 3) + (r.seeds > 1 ? " ± " + Report.number(r.std, 3) : "")
                + " [" + Report.number(r.min, 3) + "–" + Report.number(r.max, 3) + "]"
        }
        for r in force {
            let en = energy.first { $0.variant == r.variant && $0.n == r.n }
            s += "<tr><th>\(e(r.variant))</th><td class=\"num\">\(r.n)</td><td class=\"num\">\(r.seeds)</td>"
                + "<td class=\"num\">\(text(r))</td><td class=\"num\">\(text(en))</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }
}
