// Training curves: pretraining (epochs or meta-iterations) and refits (epochs), from the
// unit records, and their HTML section.

import Foundation

extension Report {
    /// The pretraining curves, one figure per (progress kind, quantity): validation loss (log y)
    /// and validation force RMSE (meV/Å, log y) against epoch for multi-task/single-task
    /// pretraining, and against meta-iteration (post-adaptation, mean over the validation tasks)
    /// for Reptile/FOMAML/MAML; one series per variant.
    public func pretrainingCurveFigures() -> [ReportFigure] {
        var figures: [ReportFigure] = []
        for progress in [TrainingCurve.Progress.epoch, .iteration] {
            let curves = data.units.pretrainCurves.filter { $0.progress == progress }
            guard !curves.isEmpty else { continue }
            let xLabel = progress == .epoch ? "Epoch" : "Meta-iteration"
            let what = progress == .epoch ? "validation set (held-out share of the pretraining pool) after each epoch"
                : "validation tasks after adaptation (inner loop), mean over tasks, at each validation iteration"
            for (label, unit, value) in [("Validation loss", "eV², weighted", { (p: CurvePoint) in p.validationLoss }),
                                         ("Validation force RMSE", "meV/Å", { (p: CurvePoint) in p.forceRMSE })] as [(String, String, (CurvePoint) -> Double?)] {
                let series = curves.map { c in
                    SVGChart.Series(name: c.variant, points: c.points.compactMap { p in value(p).map { SVGChart.Point(x: Double(p.step), y: $0) } },
                                    colour: colour(of: c.variant), markers: c.points.count <= 40)
                }.filter { !$0.points.isEmpty }
                guard !series.isEmpty else { continue }
                let chart = SVGChart(title: "Pretraining: \(label.prefix(1).lowercased() + label.dropFirst()) vs \(xLabel.lowercased())", x: .init(xLabel),
                                     y: .init(label, unit: unit, scale: .logarithmic), series: series)
                figures.append(ReportFigure(chart: chart, caption: "\(label) (\(unit)) of the \(what); log y."))
            }
        }
        return figures
    }

    /// The refit curves at each figure size N: validation force RMSE (meV/Å) and energy-per-atom
    /// RMSE (meV/atom) against epoch, log y, one series per variant (the figure seed).
    public func refitCurveFigures() -> [ReportFigure] {
        let curves = data.units.refitCurves
        var figures: [ReportFigure] = []
        for n in figureSizes(available: curves.compactMap(\.n)) {
            var shown: [TrainingCurve] = []
            for v in variants {
                let candidates = curves.filter { $0.variant == v && $0.n == n }
                let seed = figureSeed(candidates.map(\.seed))
                if let c = candidates.first(where: { $0.seed == seed }) { shown.append(c) }
            }
            for (label, unit, value) in [("Validation force RMSE", "meV/Å", { (p: CurvePoint) in p.forceRMSE }),
                                         ("Validation energy RMSE per atom", "meV/atom", { (p: CurvePoint) in p.energyPerAtomRMSE })]
                as [(String, String, (CurvePoint) -> Double?)] {
                let series = shown.map { c in
                    SVGChart.Series(name: "\(c.variant) (seed \(c.seed.map(String.init) ?? "–"))",
                                    points: c.points.compactMap { p in value(p).map { SVGChart.Point(x: Double(p.step), y: $0) } },
                                    colour: colour(of: c.variant), markers: c.points.count <= 40)
                }.filter { !$0.points.isEmpty }
                guard !series.isEmpty else { continue }
                let chart = SVGChart(title: "Refit on N = \(n): \(label.prefix(1).lowercased() + label.dropFirst())", x: .init("Epoch"),
                                     y: .init(label, unit: unit, scale: .logarithmic), series: series)
                figures.append(ReportFigure(chart: chart, caption: "\(label) (\(unit)) on the target's validation split after each "
                    + "refit epoch, N = \(n); log y. The refit keeps the parameters of the best validation epoch."))
            }
        }
        return figures
    }

    /// The training-curve section, or the reasons parts are absent.
    func trainingCurveSection() -> String {
        var s = ""
        let pretrainWhat = "pretraining curves (<code>pretrain/&lt;variant&gt;/curve.csv</code>)"
        if let reason = data.absenceOfUnitRecords(pretrainWhat, present: !data.units.pretrainCurves.isEmpty) {
            s += missing(data.pretraining.isEmpty && !data.units.isEmpty
                         ? "No pretrained variant in this run: there are no pretraining curves." : reason)
        } else {
            let without = data.pretraining.map(\.variant).filter { v in !data.units.pretrainCurves.contains { $0.variant == v } }
            s += "<h3>Pretraining</h3>\n"
            for f in pretrainingCurveFigures() { s += figure(f) }
            if !without.isEmpty { s += "<p class=\"note\">No curve for: \(without.map(e).joined(separator: ", ")).</p>\n" }
            s += "<p class=\"note\">A randomly initialised variant (scratch) is not pretrained and has no curve. "
                + "Data: <code>data/pretrain_curves.csv</code>.</p>\n"
        }
        let refitWhat = "refit curves (<code>refit/&lt;variant&gt;/n&lt;N&gt;-seed&lt;S&gt;.curve.csv</code>)"
        if let reason = data.absenceOfUnitRecords(refitWhat, present: !data.units.refitCurves.isEmpty) {
            s += missing(reason)
        } else {
            s += "<h3>Refits</h3>\n"
            for f in refitCurveFigures() { s += figure(f) }
            s += "<p class=\"note\">Data: <code>data/refit_curves.csv</code> (every refit).</p>\n"
        }
        return s
    }
}
