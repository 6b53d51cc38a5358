import Chemistry
import Foundation
import Testing
@testable import Reports

/// Parity plots, error histograms, training curves, ratio panel, MD traces and the atom count,
/// on the fixture run with the unit records of `Fixtures/unit-records` merged in.
@Suite struct UnitRecordsReportTests {
    func report(withAnalysis: Bool = false, withUnits: Bool = true, options: ReportOptions = ReportOptions()) throws -> Report {
        let run = try Fixture.runDirectory(withAnalysis: withAnalysis, withUnits: withUnits)
        defer { Fixture.remove(run) }
        var options = options
        options.date = Date(timeIntervalSince1970: 1_700_000_000)
        return Report(data: try RunData.load(from: run), options: options)
    }

    @Test func loadsCurvesAndTestPredictions() throws {
        let r = try report()
        let u = r.data.units
        #expect(u.pretrainCurves.map(\.variant) == ["multitask", "reptile"])
        #expect(u.pretrainCurves.map(\.progress) == [.epoch, .iteration])
        #expect(u.pretrainCurves[1].points.map(\.step) == [10, 20, 30, 40])
        #expect(u.refitCurves.count == 4 && u.refitCurves.allSatisfy { $0.points.count == 5 })
        #expect(u.testSets.map { "\($0.variant)/\($0.n)/\($0.seed)" } == ["reptile/10/0", "reptile/450/0", "scratch/10/0", "scratch/450/0"])
        #expect(u.testSets.allSatisfy { $0.energies.count == 3 && $0.forces?.count == 81 })
        #expect(u.atomsPerConformation == 27)
        let first = try #require(u.testSets.first?.forces?.first)
        #expect(first.element == "C" && first.reference.count == 3 && first.predicted.count == 3)
    }

    @Test func parityFiguresAndHistogramsAppearInTheHTML() throws {
        let r = try report()
        // Energy parity: N = 10 and 450, reptile and scratch (seed 0) + y = x.
        let energy = r.energyParityFigures()
        #expect(energy.map(\.chart.title) == ["Energy per atom parity, N = 10", "Energy per atom parity, N = 450"])
        #expect(energy.allSatisfy { $0.chart.series.count == 3 && $0.chart.series.last?.name == "y = x" })
        // Points: E/atom minus the mean reference E/atom (meV/atom); prediction − reference = the error column.
        let reptile = try #require(energy[0].chart.series.first)
        #expect(reptile.points.count == 3 && reptile.style == .scatter)
        #expect(abs((reptile.points[0].y - reptile.points[0].x) - (-0.6296296296)) < 1e-6)
        #expect(abs(reptile.points[1].x) < 1e-6)   // the middle conformation is the mean reference
        // Forces: one figure per N and variant, one series per element (C, H, N, O) + y = x, 3 components per atom.
        let forces = r.forceParityFigures()
        #expect(forces.count == 4)
        #expect(forces[0].chart.series.map(\.name) == ["C", "H", "N", "O", "y = x"])
        #expect(forces[0].chart.series.dropLast().map(\.points.count).reduce(0, +) == 3 * 81)
        // Histograms: energy and force errors per N, one bar series per variant on the same bins.
        let histograms = r.errorHistogramFigures()
        #expect(histograms.count == 4)
        let bars = histograms[0].chart.series
        #expect(bars.count == 2 && bars.allSatisfy { $0.points.map(\.y).reduce(0, +) == 3 })
        #expect(bars[0].points.map(\.x) == bars[1].points.map(\.x))
        #expect(histograms[1].chart.series.allSatisfy { $0.points.map(\.y).reduce(0, +) == 243 })
        #expect(histograms[1].chart.x.unit == "meV/Å" && histograms[0].chart.x.unit == "meV/atom")

        let html = r.html()
        let check = XMLCheck.parse(html)
        #expect(check.error == nil, "\(check.error ?? "")")
        #expect(html.contains("<section id=\"parity\">"))
        #expect(html.contains("Energy per atom parity, N = 450") && html.contains("Force parity, scratch, N = 10"))
        #expect(html.contains("Force-component errors, N = 450"))
        #expect((check.classes["scatter-point"] ?? 0) == 2 * 2 * 3 + 4 * 243)
        #expect((check.classes["bar"] ?? 0) > 0)
    }

    @Test func trainingCurvesAppearInTheHTML() throws {
        let r = try report()
        let pretrain = r.pretrainingCurveFigures()
        // Epoch curves (multitask) and meta curves (reptile): loss and force RMSE each.
        #expect(pretrain.map(\.chart.x.label) == ["Epoch", "Epoch", "Meta-iteration", "Meta-iteration"])
        #expect(pretrain[1].chart.y.unit == "meV/Å" && pretrain[1].chart.series.map(\.name) == ["multitask"])
        #expect(abs((pretrain[3].chart.series.first?.points.first?.y ?? 0) - 900 / 10.0.squareRoot()) < 1e-3)
        let refit = r.refitCurveFigures()
        #expect(refit.map(\.chart.title) == ["Refit on N = 10: validation force RMSE", "Refit on N = 10: validation energy RMSE per atom",
                                             "Refit on N = 450: validation force RMSE", "Refit on N = 450: validation energy RMSE per atom"])
        #expect(refit[1].chart.y.unit == "meV/atom" && refit[1].chart.series.count == 2)
        let html = r.html()
        #expect(html.contains("<section id=\"training-curves\">"))
        #expect(html.contains("Pretraining: validation loss vs meta-iteration"))
        #expect(html.contains("No curve for: single-level."))
    }

    @Test func ratiosMatchAHandComputation() throws {
        let r = try report(withUnits: false)
        #expect(r.scratchVariant == "scratch")
        // results.csv: reptile and scratch force RMSE (meV/Å) at N = 10, seeds 0 and 1.
        let seed0 = 263.0595 / 286.8080, seed1 = 275.7216 / 313.2002
        let ratio = try #require(r.errorRatios(.forceRMSE, baseline: "scratch").first { $0.variant == "reptile" && $0.n == 10 })
        #expect(ratio.seeds == 2)
        #expect(abs(ratio.mean - (seed0 + seed1) / 2) < 1e-12)
        #expect(abs(ratio.std - abs(seed0 - seed1) / 2.0.squareRoot()) < 1e-12)
        #expect(ratio.min == min(seed0, seed1) && ratio.max == max(seed0, seed1))
        // Energy per atom, multitask at N = 450: 2.6525 / 1.9275 and 8.4658 / 4.4732.
        let energy = try #require(r.errorRatios(.energyPerAtomRMSE, baseline: "scratch").first { $0.variant == "multitask" && $0.n == 450 })
        #expect(abs(energy.mean - (2.6525 / 1.9275 + 8.4658 / 4.4732) / 2) < 1e-12)
        #expect(r.errorRatios(.forceRMSE, baseline: "scratch").count == 3 * 3)
        let figure = try #require(r.ratioFigure(.forceRMSE, baseline: "scratch"))
        #expect(figure.chart.series.map(\.name) == ["reptile", "multitask", "single-level", "scratch = 1"])
        #expect(figure.chart.x.scale == .logarithmic)
        let html = r.html()
        #expect(html.contains("Force RMSE relative to scratch"))
        #expect(html.contains(Report.number((seed0 + seed1) / 2, 3)))
    }

    @Test func ratiosWithoutScratchSayWhy() throws {
        let run = try Fixture.runDirectory()
        defer { Fixture.remove(run) }
        let results = run.appendingPathComponent("results.csv")
        let kept = try String(contentsOf: results, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("scratch,") }
        try (kept.joined(separator: "\n") + "\n").write(to: results, atomically: true, encoding: .utf8)
        let r = Report(data: try RunData.load(from: run))
        #expect(r.scratchVariant == nil)
        #expect(r.html().contains("No variant named or of kind <code>scratch</code> in this run"))
        #expect(r.ratioNotebookCells().first?.text.contains("no baseline to divide by") == true)
    }

    @Test func scratchIsFoundByKindInTheManifest() throws {
        var r = try report(withUnits: false)
        r.variants = r.variants.map { $0 == "scratch" ? "random-init" : $0 }
        r.data.manifestText = "variants:\n  - {name: reptile, kind: reptile}\n  - name: random-init\n    kind: scratch\n"
        #expect(r.scratchVariant == "random-init")
    }

    @Test func runsWithoutUnitRecordsSayWhyInPlaceOfFigures() throws {
        let r = try report(withUnits: false)
        #expect(r.data.units.isEmpty)
        #expect(r.energyParityFigures().isEmpty && r.pretrainingCurveFigures().isEmpty && r.refitCurveFigures().isEmpty)
        let html = r.html()
        #expect(XMLCheck.parse(html).error == nil)
        #expect(html.occurrences(of: "run was made by a version that did not record them") == 3)
        for id in ["parity", "training-curves"] {
            let start = try #require(html.range(of: "<section id=\"\(id)\">"))
            let section = html[start.upperBound...]
            let end = try #require(section.range(of: "</section>"))
            #expect(!section[..<end.lowerBound].contains("<svg"), "\(id) draws an empty chart")
        }
    }

    /// Saved models (`n<N>-seed<S>.model.json`, no test metrics) beside the refit result files made
    /// the old rule give up: every report with `save_models` said "unknown".
    @Test func atomsPerMoleculeIgnoresSavedModels() throws {
        let run = try Fixture.runDirectory()
        defer { Fixture.remove(run) }
        try #"{"architecture": {"kind": "ani"}, "parameters": {}}"#
            .write(to: run.appendingPathComponent("refit/reptile/n10-seed0.model.json"), atomically: true, encoding: .utf8)
        #expect(RunData.atomCount(in: run) == 27)
        let data = try RunData.load(from: run)
        #expect(data.atomsPerMolecule == 27)
        #expect(Report(data: data).html().contains("27 (force components ÷ 3 ÷ conformations of the refit result files)"))
        // With test predictions, their atoms column decides (and says so).
        try Fixture.merge(Fixture.unitRecords, into: run)
        let withUnits = Report(data: try RunData.load(from: run))
        #expect(withUnits.atomsPerMolecule == 27)
        #expect(withUnits.html().contains("27 (the atoms column of the refit test predictions)"))
    }

    @Test func mdTracesShowTemperatureOfEveryEnsembleAndThermostattedEnergy() throws {
        let r = try report(withAnalysis: true, withUnits: false)
        let traces = r.mdTraceFigures()
        // NVE: temperature at N = 10 and 450; NVT: total energy and temperature at both N.
        #expect(traces.map(\.chart.title) == ["NVE temperature, N = 10", "NVE temperature, N = 450", "NVT total energy, N = 10",
                                              "NVT temperature, N = 10", "NVT total energy, N = 450", "NVT temperature, N = 450"])
        #expect(traces[0].chart.y.unit == "K" && traces[0].chart.x.unit == "fs")
        #expect(traces[2].chart.y.unit == "meV/atom")
        let reptile = try #require(traces[2].chart.series.first { $0.name == "reptile" })
        #expect(abs(reptile.points.last!.y - 0.1 * 19.5 / 27) < 1e-9)
        let html = r.html()
        #expect(html.contains("NVT temperature, N = 450"))
        #expect(!html.contains("has no Langevin run"))
    }

    @Test func exportHasCombinedCSVsAndTheNotebookReadsThem() throws {
        let out = try ReportBuilderTests().build(withAnalysis: true, withUnits: true)
        defer { ReportBuilderTests().remove(out) }
        for name in ["test_predictions.csv", "test_forces.csv", "pretrain_curves.csv", "refit_curves.csv"] {
            #expect(out.dataFiles.contains("data/\(name)"), "\(name)")
        }
        let predictions = try CSVTable(contentsOf: out.directory.appendingPathComponent("data/test_predictions.csv"))
        #expect(predictions.header.prefix(3) == ["variant", "n", "seed"] && predictions.records.count == 12)
        let forces = try CSVTable(contentsOf: out.directory.appendingPathComponent("data/test_forces.csv"))
        #expect(forces.records.count == 4 * 81)
        let curves = try CSVTable(contentsOf: out.directory.appendingPathComponent("data/pretrain_curves.csv"))
        #expect(Set(try curves.records.map { try $0.string("progress") }) == ["epoch", "iteration"])
        let code = try NotebookTests().codeCells(out.notebook)
        #expect(code.first?.hasPrefix("%matplotlib inline\n") == true)
        let all = code.joined(separator: "\n")
        for name in ["test_predictions.csv", "test_forces.csv", "pretrain_curves.csv", "refit_curves.csv"] {
            #expect(all.contains("DATA / \"\(name)\""), "\(name)")
        }
        #expect(all.contains("BASELINE = \"scratch\"") && all.contains("temperature_K"))
    }

    @Test func largeForceFilesAreReadOnlyForTheFigureRefits() throws {
        let run = try Fixture.runDirectory(withUnits: true)
        defer { Fixture.remove(run) }
        let data = try RunData.load(from: run, loadForces: { v, n, _ in v == "reptile" && n == 10 })
        #expect(data.units.testSets.filter { $0.forces != nil }.map { "\($0.variant)/\($0.n)" } == ["reptile/10"])
        #expect(data.units.testSets.count == 4)
    }

    @Test func malformedUnitRecordsAreDataErrorsNamingTheFile() throws {
        let run = try Fixture.runDirectory(withUnits: true)
        defer { Fixture.remove(run) }
        let file = run.appendingPathComponent("refit/scratch/n10-seed0.test.csv")
        try "conformation,atoms,energy_ref_eV\n0,27,-1\n".write(to: file, atomically: true, encoding: .utf8)
        do { _ = try RunData.load(from: run); Issue.record("expected an error") }
        catch let error as DataError { #expect(error.file == file.path && error.reason.contains("energy_pred_eV"), "\(error)") }
    }
}
