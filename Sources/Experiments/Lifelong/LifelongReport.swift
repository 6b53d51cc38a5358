// The lifelong study's report: forgetting matrices, final comparison with the paper, flags,
// calibration, and error-versus-tasks-learned charts, through StudyDocument.

import Foundation
import Chemistry
import Reports
import Training

extension LifelongResults {
    /// The report as a `StudyDocument`.
    public func document(manifest: LifelongManifest) -> StudyDocument {
        var doc = StudyDocument(experiment: experiment, description: manifest.description
            ?? "Lifelong (continual) learning of a task stream with rehearsal, CoRe freezing and a committee.")
        let sizes = taskSizes.first ?? [0, 0, 0]
        let f = Self.f
        doc.section("setup", "Setup") { s in
            s.text("Stream (one level of theory, new elements arriving mid-stream): "
                   + tasks.enumerated().map { "\($0 + 1) `\($1)`" }.joined(separator: ", ") + ". "
                   + "Per task \(sizes[0]) training, \(sizes[1]) validation and \(sizes[2]) test conformations (a fixed seeded split).")
            s.text("Model: \(manifest.model?.kind ?? "eeacsf") (\(parameterCount) parameters), one network for every element on "
                   + "element-embracing descriptors, so a new element needs no new inputs. Self-energies: one shared set, fitted by "
                   + "least squares on the training splits of all stream tasks (eV): "
                   + selfEnergies.energies.sorted { $0.key < $1.key }.map { "\(Element.symbol(for: $0.key)) \(f($0.value, 3))" }.joined(separator: ", ") + ".")
            s.text("Committee of \(manifest.committee.size) members (seeds \(manifest.committee.memberSeeds.map(String.init).joined(separator: ", "))), "
                   + "\(manifest.epochsPerTask) epochs per task, batch size \(manifest.batchSize ?? 16), loss weights "
                   + "E \(f(manifest.loss?.energyWeight ?? LossSettings.defaultEnergyWeight, 1)) / F \(f(manifest.loss?.forceWeight ?? LossSettings.defaultForceWeight, 1)).")
            if let r = manifest.rehearsal {
                s.text("Rehearsal buffer: capacity \(r.capacity), rule `\((r.rule ?? .balanced).rawValue)` (equal quota per task seen, "
                       + "seeded sample within each task; see `RehearsalBuffer`).")
            }
            for st in strategies {
                let o = st.optimizer
                var opt = "\(o.kind.rawValue), learning rate \(o.learningRate ?? 1e-3)"
                if o.kind == .core { opt += ", score history \(o.scoreHistory ?? 0), frozen fraction \(o.frozenFraction ?? 0)" }
                s.text("**\(st.name)** (\(st.kind.rawValue)\(st.kind == .sequential ? (st.rehearsal ? ", with rehearsal" : ", no rehearsal") : ", \(st.epochs) epochs over all tasks")): "
                       + "\(opt); \(f(st.seconds, 0)) s of training for the committee.")
            }
        }
        doc.section("final", "Final errors: lifelong vs joint") { s in
            s.text("Test RMSE over the test sets of all tasks after the whole stream, for the committee mean and the mean over "
                   + "members. The paper (Eckhoff & Reiher 2023, SN2 reactions, lMLP) found lifelong training at ensemble level nearly "
                   + "as good as training on all data at once.")
            let t = finalTable()
            s.table(.init(caption: "Energy RMSE per atom (meV/atom) and force RMSE (meV/Å)", header: t.header, rows: t.rows))
            let p = finalPerTaskTable()
            s.table(.init(caption: "Committee RMSE per task after the stream (meV/atom / meV/Å)", header: p.header, rows: p.rows))
        }
        doc.section("forgetting", "Forgetting") { s in
            s.text("Committee test RMSE on every task learned so far (rows) after each new task (columns), meV/atom / meV/Å. "
                   + "Per-member values are in `data/forgetting.csv`.")
            for st in strategies where st.kind == .sequential {
                let t = forgettingTable(st)
                s.table(.init(caption: "\(st.name)", header: t.header, rows: t.rows))
            }
            for (quantity, unit, pick) in [("force", "meV/Å", { (e: StageEvaluation.TaskError) in e.forceRMSE }),
                                            ("energy", "meV/atom", { (e: StageEvaluation.TaskError) in e.energyRMSE })] {
                s.figure(chart(quantity: quantity, unit: unit, value: pick),
                         caption: "Committee \(quantity) RMSE on task 1 (solid) and the mean over the tasks seen so far (dashed) "
                                  + "against tasks learned; the joint model is a single point after all tasks.")
            }
        }
        doc.section("new-tasks", "Uncertainty on arriving tasks") { s in
            s.text("Before training on a task, the committee (trained on the earlier tasks) predicts its test set. A structure is "
                   + "flagged when its energy spread per atom exceeds \(f(manifest.thresholds?.energy ?? 3, 0))× or its largest force "
                   + "spread \(f(manifest.thresholds?.force ?? 6, 0))× the committee's test RMSE on the tasks seen so far. New chemistry "
                   + "should be flagged far more often than the seen tasks are.")
            let t = newTaskTable()
            s.table(.init(caption: "Flags on the next task before training on it", header: t.header, rows: t.rows))
        }
        doc.section("flags", "Flags of the final committee") { s in
            s.text("Thresholds from the final committee's RMSE on all test sets; a flag is right when the actual error exceeds the "
                   + "same threshold (precision) and an exceeding structure should be flagged (recall).")
            let t = flagsTable()
            s.table(.init(caption: "Flags per task", header: t.header, rows: t.rows))
        }
        doc.section("calibration", "Calibration of the committee spread") { s in
            s.text("Spread σ against the committee-mean error |ε| over all test sets: Spearman rank correlation, fraction with "
                   + "|ε| ≤ kσ (a calibrated Gaussian gives 0.68, 0.95, 1.00) and the scale s with s² = mean(ε²/σ²) (1: calibrated; "
                   + "> 1: over-confident). Quantile bins are in `data/calibration-bins.csv`.")
            let t = calibrationTable()
            s.table(.init(caption: "Calibration", header: t.header, rows: t.rows))
        }
        return doc
    }

    /// Error on task 1 and mean over the seen tasks against tasks learned, one colour per strategy.
    func chart(quantity: String, unit: String, value: (StageEvaluation.TaskError) -> Double) -> SVGChart {
        var series: [SVGChart.Series] = []
        for (i, st) in strategies.enumerated() {
            let first = st.evaluations.compactMap { e in e.committee(0).map { SVGChart.Point(x: Double(e.tasksLearned), y: value($0)) } }
            let mean = st.evaluations.map { e -> SVGChart.Point in
                let rows = e.errors.filter { $0.level == "committee" }
                return SVGChart.Point(x: Double(e.tasksLearned), y: rows.map(value).reduce(0, +) / Double(max(rows.count, 1)))
            }
            series.append(.init(name: "\(st.name): task 1", points: first, colour: Palette.colour(i)))
            series.append(.init(name: "\(st.name): mean over seen", points: mean, colour: Palette.colour(i), dashed: true))
        }
        return SVGChart(title: "Committee \(quantity) RMSE vs tasks learned", x: .init("tasks learned"),
                        y: .init("\(quantity) RMSE", unit: unit, scale: .logarithmic), series: series)
    }

    /// Writes `<root>/<experiment>/report.html`, `report.ipynb` and `data/` (the CSV files and
    /// `summary.md` of `runDirectory`). Returns the folder.
    @discardableResult
    public func writeReport(root: URL, runDirectory: URL, manifest: LifelongManifest) throws -> URL {
        let files = Self.files.filter { $0 != "results.json" }.map { runDirectory.appendingPathComponent($0) }
        return try document(manifest: manifest).write(to: root, dataFiles: files)
    }
}
