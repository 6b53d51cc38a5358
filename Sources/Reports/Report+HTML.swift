// The report as one self-contained page: polyglot XHTML (parses as XML and as HTML), inline
// CSS and inline SVG, no scripts and no external assets.

import Foundation

extension Report {
    /// The whole page. Sections without data say what is missing instead of disappearing.
    public func html() -> String {
        var body = header()
        body += section("errors", "Test-set errors", errorTables())
        body += section("learning-curves", "Learning curves", learningCurves())
        body += section("ratios", "Learning curves relative to scratch", ratioSection())
        body += section("parity", "Test predictions: parity and error distributions", paritySection())
        body += section("training-curves", "Training curves", trainingCurveSection())
        body += section("smoothness", "Smoothness of energy scans", smoothnessSection())
        body += section("md", "Molecular dynamics", mdSection())
        body += section("pretraining", "Pretraining", pretrainingSection())
        body += section("provenance", "Provenance", provenanceSection())
        return Report.page(title: "\(data.experiment) – MetaMLIP report", body: body)
    }

    /// A self-contained polyglot XHTML page with the report style sheet; `title` is escaped,
    /// `body` is inserted as it is.
    static func page(title: String, body: String) -> String {
        """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <meta name="generator" content="metamlip report"/>
            <title>\(xmlEscaped(title))</title>
            <style>
            \(Report.css)
            </style>
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
    }

    static let css = """
        body { font-family: Helvetica, Arial, sans-serif; color: #222222; max-width: 1120px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
        h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #cccccc; padding-bottom: 0.2em; margin-top: 2em; }
        .description { font-size: 1.1em; color: #444444; margin-top: 0; }
        .meta, figcaption, .note { color: #555555; font-size: 0.92em; }
        .missing { color: #8a5300; background: #fff6e5; border-left: 4px solid #e69f00; padding: 0.4em 0.8em; }
        nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4em 1.4em; }
        table { border-collapse: collapse; margin: 0.6em 0 1.4em 0; font-size: 0.95em; }
        th, td { border: 1px solid #d0d0d0; padding: 0.25em 0.7em; }
        th { background: #f2f2f2; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
        caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
        figure { margin: 1em 0 1.6em 0; } figure svg { max-width: 100%; height: auto; }
        figure.map { display: inline-block; width: 310px; vertical-align: top; margin-right: 0.8em; } figure.map figcaption { font-size: 0.8em; }
        pre { background: #f7f7f7; border: 1px solid #dddddd; padding: 0.8em; overflow-x: auto; font-size: 0.88em; }
        .swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; border-radius: 2px; }
        """

    // MARK: Sections

    func header() -> String {
        let seeds = Set(data.results.map(\.seed)).count
        var s = "<header>\n<h1>\(e(data.experiment))</h1>\n"
        if let d = data.description, !d.isEmpty { s += "<p class=\"description\">\(e(d))</p>\n" }
        s += "<p class=\"meta\">\(data.results.count) refits: \(variants.count) variants × N ∈ {"
            + data.trainingSizes.map(String.init).joined(separator: ", ") + "} × \(seeds) seed(s). Generated "
            + "\(e(Report.timestamp(options.date))) from <code>\(e(data.displayPath))</code>.</p>\n</header>\n"
        s += "<nav><ul>\n"
        for (id, title) in [("errors", "Test-set errors"), ("learning-curves", "Learning curves"), ("ratios", "Ratios to scratch"),
                            ("parity", "Parity"), ("training-curves", "Training curves"), ("smoothness", "Smoothness"),
                            ("md", "Molecular dynamics"), ("pretraining", "Pretraining"), ("provenance", "Provenance")] {
            s += "<li><a href=\"#\(id)\">\(title)</a></li>\n"
        }
        return s + "</ul></nav>\n"
    }

    func section(_ id: String, _ title: String, _ content: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(e(title))</h2>\n\(content)</section>\n"
    }

    func missing(_ text: String) -> String { "<p class=\"missing\">\(text)</p>\n" }

    func errorTables() -> String {
        let seeds = Set(data.results.map(\.seed)).count
        var s = "<p>Errors on the fixed test set after refitting: mean ± sample standard deviation over \(seeds) seed(s). "
            + "<strong>Bold</strong>: the lowest mean at each N.</p>\n"
        for (metric, digits) in [(ErrorMetric.forceRMSE, 1), (.energyRMSE, 1), (.energyPerAtomRMSE, 2)] {
            s += summaryTable(metric, digits: digits)
        }
        s += comparisonTable()
        s += committeeTable()
        s += failureTable()
        s += "<details><summary>Every refit (results.csv)</summary>\n<table>\n<thead><tr><th>variant</th><th>N</th><th>seed</th>"
            + "<th>force RMSE (meV/Å)</th><th>energy RMSE (meV)</th><th>energy RMSE per atom (meV/atom)</th><th>epochs</th>"
            + "<th>time (s)</th></tr></thead>\n<tbody>\n"
        for r in data.results {
            s += "<tr><td>\(e(r.variant))</td><td class=\"num\">\(r.n)</td><td class=\"num\">\(r.seed)</td>"
                + "<td class=\"num\">\(Report.number(r.forceRMSE, 1))</td><td class=\"num\">\(Report.number(r.energyRMSE, 1))</td>"
                + "<td class=\"num\">\(Report.number(r.energyPerAtomRMSE, 2))</td><td class=\"num\">\(r.epochs.map(String.init) ?? "–")</td>"
                + "<td class=\"num\">\(Report.number(r.seconds, 1))</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n</details>\n"
    }

    /// Paired differences to the baseline (comparisons.csv): is a start better than scratch?
    func comparisonTable() -> String {
        guard let all = data.comparisons, let first = all.first else { return "" }
        var s = "<p>Each variant's difference to a baseline (variant − baseline; negative is better): the mean over "
            + "paired seeds of the two test RMSEs on the same \(first.testConformations) test conformations, with a 95 % bootstrap "
            + "interval over seeds and test conformations. \u{201C}lower\u{201D}/\u{201C}higher\u{201D} means the interval excludes zero.</p>\n"
        var baselines: [String] = []
        for r in all where !baselines.contains(r.baseline) { baselines.append(r.baseline) }
        for baseline in baselines { s += comparisonTable(all.filter { $0.baseline == baseline }) }
        return s
    }

    /// The comparisons with one baseline.
    private func comparisonTable(_ rows: [ComparisonRecord]) -> String {
        var s = "<table class=\"comparisons\">\n<caption>Difference to \(e(rows[0].baseline)) (comparisons.csv)</caption>\n<thead><tr><th>variant</th>"
            + "<th>N</th><th>seeds</th><th>force RMSE Δ (meV/Å)</th><th>95 % interval</th><th>forces</th><th>energy RMSE Δ (meV)</th>"
            + "<th>95 % interval</th><th>energies</th></tr></thead>\n<tbody>\n"
        var keys: [String] = []
        for r in rows where !keys.contains("\(r.variant)|\(r.n)") { keys.append("\(r.variant)|\(r.n)") }
        for key in keys {
            let pair = rows.filter { "\($0.variant)|\($0.n)" == key }
            func cells(_ metric: String) -> String {
                guard let r = pair.first(where: { $0.metric == metric }) else { return "<td>–</td><td>–</td><td>–</td>" }
                return "<td class=\"num\">\(Report.number(r.difference, 1))</td><td class=\"num\">[\(Report.number(r.lower, 1)), "
                    + "\(Report.number(r.upper, 1))]</td><td>\(e(r.verdict))</td>"
            }
            s += "<tr><td>\(e(pair[0].variant))</td><td class=\"num\">\(pair[0].n)</td><td class=\"num\">\(pair[0].seeds)</td>"
                + cells("force_rmse_meV_per_A") + cells("energy_rmse_meV") + "</tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// Committees (committees.csv): the errors of the mean prediction beside the members' mean.
    func committeeTable() -> String {
        guard let committees = data.committees, !committees.isEmpty else { return "" }
        var s = "<p>Committees: the mean prediction of several refitted models of one N (a variant's seeds, or "
            + "every variant's and seed's refits together), on the same test set, beside the mean of the members' own errors.</p>\n"
        s += "<table class=\"committees\">\n<caption>Committee errors (committees.csv)</caption>\n<thead><tr><th>committee</th>"
            + "<th>N</th><th>members</th><th>force RMSE (meV/Å)</th><th>members' force RMSE (meV/Å)</th><th>energy RMSE (meV)</th>"
            + "<th>members' energy RMSE (meV)</th></tr></thead>\n<tbody>\n"
        for c in committees {
            s += "<tr><td>\(e(c.committee))</td><td class=\"num\">\(c.n)</td><td class=\"num\">\(c.members)</td>"
                + "<td class=\"num\">\(Report.number(c.forceRMSE, 1))</td><td class=\"num\">\(Report.number(c.memberForceRMSE, 1))</td>"
                + "<td class=\"num\">\(Report.number(c.energyRMSE, 1))</td><td class=\"num\">\(Report.number(c.memberEnergyRMSE, 1))</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// Failed units (failures.csv): listed so that a cell averaging fewer seeds is never silent.
    func failureTable() -> String {
        guard let failures = data.failures, !failures.isEmpty else { return "" }
        var s = "<p class=\"warning\"><strong>\(failures.count) unit(s) failed</strong> and are in none of the tables: "
            + "the cells above average only the seeds that succeeded.</p>\n"
        s += "<table class=\"failures\">\n<caption>Failed units (failures.csv)</caption>\n<thead><tr><th>unit</th><th>stage</th>"
            + "<th>reason</th></tr></thead>\n<tbody>\n"
        for f in failures {
            s += "<tr><td>\(e(f.unit))</td><td>\(e(f.stage))</td><td>\(e(f.reason))</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// Variants × N of one metric, mean ± std, the best mean per N in bold.
    func summaryTable(_ metric: ErrorMetric, digits: Int) -> String {
        let sizes = data.trainingSizes
        var s = "<table class=\"summary\" data-metric=\"\(metric.rawValue)\">\n<caption>\(e(metric.title)) (\(e(metric.unit)))</caption>\n"
        s += "<thead><tr><th>variant</th>" + sizes.map { "<th>N = \($0)</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        let best = Dictionary(uniqueKeysWithValues: sizes.map { ($0, LearningCurveCell.best(cells, metric: metric, n: $0)) })
        for v in variants where cells.contains(where: { $0.variant == v }) {
            s += "<tr><th><span class=\"swatch\" style=\"background: \(colour(of: v))\"></span>\(e(v))</th>"
            for n in sizes {
                guard let c = cells.first(where: { $0.variant == v && $0.n == n }) else { s += "<td class=\"num\">–</td>"; continue }
                let st = c.statistic(metric)
                var text = Report.number(st.mean, digits) + (c.seeds > 1 ? " ± " + Report.number(st.std, digits) : "")
                if best[n] == v { text = "<strong>\(text)</strong>" }
                s += "<td class=\"num\">\(text)</td>"
            }
            s += "</tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    func learningCurves() -> String {
        var s = "<p>Log–log axes; error bars: ± one standard deviation over seeds (a bar reaching zero stops at the axis).</p>\n"
        for metric in [ErrorMetric.forceRMSE, .energyRMSE] {
            s += figure(ReportFigure(chart: learningCurve(metric),
                                     caption: "\(metric.title) (\(metric.unit)) on the test set against the number of refit conformations N."))
        }
        return s
    }

    func smoothnessSection() -> String {
        var s = ""
        if let rows = smoothness {
            s += smoothnessTableHTML(rows)
            s += torsionBarrierTableHTML()
        } else {
            s += missing("No <code>analysis/scan_metrics.csv</code> in this run: smoothness metrics are not available.")
        }
        if data.scans != nil {
            let figures = scanFigures()
            if figures.isEmpty {
                s += missing("<code>analysis/scans.csv</code> has no curve for the chosen N (\(options.figureSizes.map { $0.map(String.init).joined(separator: ", ") } ?? "none")).")
            }
            for f in figures { s += figure(f) }
        } else {
            s += missing("No <code>analysis/scans.csv</code> in this run: scan profiles are not available.")
        }
        s += torsionMapTableHTML()
        for f in torsionMapFigures() {
            s += "<figure class=\"map\">\n\(f.chart.svg())\n<figcaption>\(e(f.caption))</figcaption>\n</figure>\n"
        }
        return s
    }

    func mdSection() -> String {
        var s = ""
        if let rows = mdStability, rows.isEmpty {
            s += missing("<code>analysis/md_metrics.csv</code> has a header but no runs: MD stability is not available.")
        } else if let rows = mdStability {
            s += "<p>From <code>analysis/md_metrics.csv</code>, per variant, N, ensemble, temperature and time step: runs flagged stable "
                + "(no bond of the start stretched beyond 1.5 × the covalent-radius sum, no two atoms within 0.6 Å; the first unphysical "
                + "frame is kept in the trajectory and its reason given), energy drift (mean ± std over seeds), median time stable and "
                + "the largest bond stretch of any run. A rough PES fails first at large time steps: compare the NVE drift across steps.</p>\n"
            s += "<table class=\"md-stability\">\n<thead><tr><th>variant</th><th>N</th><th>ensemble</th><th>T (K)</th><th>Δt (fs)</th><th>stable runs</th>"
                + "<th>drift (meV/atom/ps)</th><th>median stable time (fs)</th><th>max bond stretch (× reference length)</th><th>why unphysical</th></tr></thead>\n<tbody>\n"
            for r in rows {
                let drift = r.drift.map { d in Report.number(d.mean, 3, significant: true) + (d.count > 1 ? " ± " + Report.number(d.std, 3, significant: true) : "") } ?? "–"
                s += "<tr><th>\(e(r.variant))</th><td class=\"num\">\(r.n.map(String.init) ?? "–")</td><td>\(e(r.ensemble))</td>"
                    + "<td class=\"num\">\(Report.number(r.temperature, 0))</td><td class=\"num\">\(Report.number(r.timeStep, 2))</td>"
                    + "<td class=\"num\">\(r.flaggedRuns > 0 ? "\(r.stableRuns)/\(r.flaggedRuns)" : "–")</td>"
                    + "<td class=\"num\">\(drift)</td><td class=\"num\">\(Report.number(r.medianStableTime, 0))</td>"
                    + "<td class=\"num\">\(Report.number(r.maxBondStretch, 3))</td><td>\(e(r.reasons.joined(separator: "; ")))</td></tr>\n"
            }
            s += "</tbody>\n</table>\n"
            s += timeStepTableHTML()
            for f in timeStepFigures() { s += figure(f) }
        } else {
            s += missing("No <code>analysis/md_metrics.csv</code> in this run: MD stability is not available.")
        }
        if data.md != nil {
            let figures = mdFigures()
            if figures.isEmpty { s += missing("<code>analysis/md.csv</code> has no NVE trace for the chosen N.") }
            for f in figures { s += figure(f) }
            s += mdTraceSection()
        } else {
            s += missing("No <code>analysis/md.csv</code> in this run: energy and temperature traces are not available.")
        }
        return s
    }

    func pretrainingSection() -> String {
        var s = ""
        if data.pretraining.isEmpty {
            s += missing("No <code>pretrain/*/summary.json</code> in this run.")
        } else {
            s += "<table class=\"pretraining\">\n<thead><tr><th>variant</th><th>kind</th><th>tasks</th><th>conformations</th>"
                + "<th>steps</th><th>final validation loss (eV², weighted)</th><th>time (s)</th></tr></thead>\n<tbody>\n"
            for p in data.pretraining {
                s += "<tr><th>\(e(p.variant))</th><td>\(e(p.kind ?? "–"))</td><td class=\"num\">\(p.tasks.count)</td>"
                    + "<td class=\"num\">\(p.conformations.map(String.init) ?? "–")</td><td class=\"num\">\(p.steps.map(String.init) ?? "–")</td>"
                    + "<td class=\"num\">\(Report.number(p.validationLoss, 4, significant: true))</td>"
                    + "<td class=\"num\">\(Report.number(p.seconds, 1))</td></tr>\n"
            }
            s += "</tbody>\n</table>\n"
            for p in data.pretraining where !p.tasks.isEmpty {
                let energyOnly = p.energyOnlyTasks ?? []
                s += "<details><summary>\(e(p.variant)): \(p.tasks.count) task(s)"
                    + (energyOnly.isEmpty ? "" : ", \(energyOnly.count) energy-only") + "</summary>\n<p class=\"note\">"
                    + p.tasks.map { energyOnly.contains($0) ? e($0) + " (energy only)" : e($0) }.joined(separator: ", ")
                    + "</p>\n</details>\n"
            }
        }
        let without = variants.filter { v in data.results.contains { $0.variant == v } && !data.pretraining.contains { $0.variant == v } }
        if !without.isEmpty {
            s += "<p class=\"note\">No pretraining summary for: \(without.map(e).joined(separator: ", ")) "
                + "(a random initialisation has none).</p>\n"
        }
        return s
    }

    func provenanceSection() -> String {
        var s = "<dl>\n<dt>Run directory</dt><dd><code>\(e(data.displayPath))</code></dd>\n"
        s += "<dt>Generated</dt><dd>\(e(Report.timestamp(options.date)))</dd>\n"
        s += "<dt>Files read</dt><dd>\(data.filesRead.map { "<code>\(e($0))</code>" }.joined(separator: ", "))</dd>\n"
        let atoms: String
        if let n = options.atomsPerMolecule { atoms = "\(n) (given)" } else if let n = data.atomsPerMolecule {
            atoms = data.units.atomsPerConformation == n ? "\(n) (the atoms column of the refit test predictions)"
                : "\(n) (force components ÷ 3 ÷ conformations of the refit result files)"
        } else if data.units.testSets.isEmpty {
            atoms = "unknown (no refit test predictions, and the refit result files disagree or are missing)"
        } else { atoms = "unknown (the test conformations differ in atom count: not one molecule)" }
        s += "<dt>Atoms in the target molecule</dt><dd>\(e(atoms))</dd>\n</dl>\n"
        if let text = data.manifestText {
            s += "<h3>manifest.yaml</h3>\n<pre class=\"manifest\">\(e(text))</pre>\n"
        } else {
            s += missing("No <code>manifest.yaml</code> in the run directory.")
        }
        return s
    }

    func figure(_ f: ReportFigure) -> String {
        "<figure>\n\(f.chart.svg())\n<figcaption>\(e(f.caption))</figcaption>\n</figure>\n"
    }

    // MARK: Formatting

    func e(_ text: String) -> String { xmlEscaped(text) }

    /// `x` with `digits` decimals (or significant digits), "–" when nil or not finite.
    static func number(_ x: Double?, _ digits: Int, significant: Bool = false) -> String {
        guard let x, x.isFinite else { return "–" }
        return significant ? String(format: "%.\(digits)g", x) : String(format: "%.\(digits)f", x)
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
