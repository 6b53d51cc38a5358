// Parity plots and error histograms of the refit test predictions (refit/<variant>/
// n<N>-seed<S>.test.csv and .test_forces.csv), and their HTML section.

import Foundation

extension Report {
    /// The test sets the parity figures show at `n`: per variant (display order) the one of the
    /// figure seed (the option when present, else the smallest seed).
    func figureTestSets(n: Int) -> [RefitTestSet] {
        variants.compactMap { v in
            let sets = data.units.testSets.filter { $0.variant == v && $0.n == n }
            let seed = figureSeed(sets.map(\.seed))
            return sets.first { $0.seed == seed }
        }
    }

    /// N values of the parity figures: the figure sizes among the refits with test predictions.
    var paritySizes: [Int] { figureSizes(available: data.units.testSets.map(\.n)) }

    /// Energy per atom, predicted against reference, one figure per figure size N, one series per
    /// variant, with the line y = x. Both axes are E/atom minus the mean reference E/atom of the
    /// test set (meV/atom), so that conformational differences are readable beside a large offset.
    public func energyParityFigures() -> [ReportFigure] {
        paritySizes.compactMap { n in
            let sets = figureTestSets(n: n)
            let all = sets.flatMap(\.energies).filter { $0.atoms > 0 }
            guard !all.isEmpty else { return nil }
            let referencePerAtom = all.map { $0.reference / Double($0.atoms) }
            let offset = referencePerAtom.reduce(0, +) / Double(referencePerAtom.count)
            var series = sets.map { set in
                SVGChart.Series(name: "\(set.variant) (seed \(set.seed))", points: set.energies.filter { $0.atoms > 0 }.map {
                    SVGChart.Point(x: ($0.reference / Double($0.atoms) - offset) * 1000, y: ($0.predicted / Double($0.atoms) - offset) * 1000)
                }, colour: colour(of: set.variant), markers: false, style: .scatter)
            }
            series.append(diagonal(series.flatMap(\.points)))
            let chart = SVGChart(title: "Energy per atom parity, N = \(n)", x: .init("Reference E/atom − mean reference", unit: "meV/atom"),
                                 y: .init("Predicted E/atom − mean reference", unit: "meV/atom"), series: series)
            return ReportFigure(chart: chart, caption: "Test-set energies per atom after refitting on N = \(n): predicted against "
                + "reference, both minus the mean reference energy per atom (\(String(format: "%.4f", offset)) eV/atom); dashed: y = x.")
        }
    }

    /// Force components (x, y, z), predicted against reference in eV/Å, one figure per figure size
    /// N and variant, one series per element, with y = x. At most `maximumParityPoints` points are
    /// drawn (every k-th atom when there are more; the caption says so).
    public func forceParityFigures() -> [ReportFigure] {
        var figures: [ReportFigure] = []
        for n in paritySizes {
            for set in figureTestSets(n: n) {
                guard let forces = set.forces, !forces.isEmpty else { continue }
                let stride = max(1, (3 * forces.count + options.maximumParityPoints - 1) / max(1, options.maximumParityPoints))
                let shown = forces.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
                var series = elements(forces).enumerated().map { i, element in
                    SVGChart.Series(name: element, points: shown.filter { $0.element == element }.flatMap { f in
                        (0..<3).map { SVGChart.Point(x: f.reference[$0], y: f.predicted[$0]) }
                    }, colour: Palette.colour(i), markers: false, style: .scatter)
                }
                series.append(diagonal(series.flatMap(\.points)))
                var chart = SVGChart(title: "Force parity, \(set.variant), N = \(n)", x: .init("Reference force component", unit: "eV/Å"),
                                     y: .init("Predicted force component", unit: "eV/Å"), series: series)
                chart.width = 540
                figures.append(ReportFigure(chart: chart, caption: "\(set.variant) after refitting on N = \(n) (seed \(set.seed)): "
                    + "x, y and z force components of every test atom, coloured by element; dashed: y = x"
                    + (stride > 1 ? "; every \(stride)th atom of \(forces.count) drawn." : ".")))
            }
        }
        return figures
    }

    /// Histograms of the test errors at each figure size N, one bar series per variant on shared
    /// bins: energy per atom (meV/atom) and force components (meV/Å).
    public func errorHistogramFigures() -> [ReportFigure] {
        var figures: [ReportFigure] = []
        for n in paritySizes {
            let sets = figureTestSets(n: n)
            let energy = sets.map { ($0, $0.energies.map(\.perAtomError)) }
            if let f = histogram(energy, title: "Energy-per-atom errors, N = \(n)", axis: .init("Predicted − reference E/atom", unit: "meV/atom"),
                                 counted: "test conformations", n: n) { figures.append(f) }
            let force = sets.compactMap { set in
                set.forces.map { f in (set, f.flatMap { a in (0..<3).map { (a.predicted[$0] - a.reference[$0]) * 1000 } }) }
            }
            if let f = histogram(force, title: "Force-component errors, N = \(n)", axis: .init("Predicted − reference force component", unit: "meV/Å"),
                                 counted: "force components", n: n) { figures.append(f) }
        }
        return figures
    }

    /// Shared bins over the 0.5–99.5 % quantiles of all values (values beyond fall into the edge
    /// bins), one bar series per set.
    func histogram(_ values: [(RefitTestSet, [Double])], title: String, axis: SVGChart.Axis, counted: String, n: Int,
                   bins: Int = 30) -> ReportFigure? {
        let pooled = values.flatMap(\.1).filter(\.isFinite).sorted()
        guard pooled.count > 1 else { return nil }
        let lo = pooled[Int(Double(pooled.count - 1) * 0.005)], hi = pooled[Int(Double(pooled.count - 1) * 0.995)]
        let width = hi > lo ? (hi - lo) / Double(bins) : 1
        let series = values.map { set, xs in
            var counts = [Double](repeating: 0, count: bins)
            for x in xs where x.isFinite { counts[min(bins - 1, max(0, Int(((x - lo) / width).rounded(.down))))] += 1 }
            return SVGChart.Series(name: "\(set.variant) (seed \(set.seed))",
                                   points: counts.enumerated().map { SVGChart.Point(x: lo + (Double($0.offset) + 0.5) * width, y: $0.element) },
                                   colour: colour(of: set.variant), style: .bars(width: width))
        }
        let chart = SVGChart(title: title, x: axis, y: .init("Count", unit: counted), series: series)
        return ReportFigure(chart: chart, caption: "Distribution of the test errors after refitting on N = \(n): \(bins) shared bins "
            + "over the 0.5–99.5 % quantiles of all variants' errors (values beyond fall into the edge bins); counts of \(counted).")
    }

    /// The dashed line y = x across the range of `points`.
    func diagonal(_ points: [SVGChart.Point]) -> SVGChart.Series {
        let values = points.flatMap { [$0.x, $0.y] }.filter(\.isFinite)
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        return SVGChart.Series(name: "y = x", points: [.init(x: lo, y: lo), .init(x: hi, y: hi)], colour: Palette.reference,
                               dashed: true, markers: false)
    }

    /// Element symbols in order of first appearance.
    func elements(_ forces: [TestForce]) -> [String] {
        var seen: [String] = []
        for f in forces where !seen.contains(f.element) { seen.append(f.element) }
        return seen
    }

    /// The parity and error-histogram section, or the reason it is absent.
    func paritySection() -> String {
        let what = "refit test predictions (<code>refit/&lt;variant&gt;/n&lt;N&gt;-seed&lt;S&gt;.test.csv</code>)"
        if let reason = data.absenceOfUnitRecords(what, present: !data.units.testSets.isEmpty) { return missing(reason) }
        var s = "<p>Per-structure test predictions of the refits at N ∈ {\(paritySizes.map(String.init).joined(separator: ", "))}, "
            + "one seed each (named in the legend). The notebook reads them from <code>data/test_predictions.csv</code> and "
            + "<code>data/test_forces.csv</code>.</p>\n"
        for f in energyParityFigures() { s += figure(f) }
        let forces = forceParityFigures()
        if forces.isEmpty { s += missing("No per-atom test forces (<code>.test_forces.csv</code>) for these refits: force parity plots are not available.") }
        s += "<div class=\"figure-grid\" style=\"display: flex; flex-wrap: wrap; gap: 0 1em\">\n"
        for f in forces { s += figure(f) }
        s += "</div>\n"
        for f in errorHistogramFigures() { s += figure(f) }
        return s
    }
}
