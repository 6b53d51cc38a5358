import Chemistry
import Foundation
import Testing
@testable import Reports

@Suite struct RunDataTests {
    @Test func loadsTheFixtureRun() throws {
        let run = try Fixture.runDirectory()
        defer { Fixture.remove(run) }
        let data = try RunData.load(from: run)
        #expect(data.experiment == "learning-together-3bpa-reduced")
        #expect(data.description == "Reptile vs multi-task vs single-level vs scratch, refit to 3BPA.")
        #expect(data.results.count == 24)
        #expect(data.variants == ["reptile", "multitask", "single-level", "scratch"])
        #expect(data.trainingSizes == [10, 50, 450])
        #expect(data.pretraining.map(\.variant) == ["multitask", "reptile", "single-level"])
        #expect(data.pretraining.first { $0.variant == "reptile" }?.steps == 3200)
        #expect(data.pretraining.first { $0.variant == "reptile" }?.tasks.count == 20)
        // 3BPA: 2025 force components over 25 test conformations = 27 atoms.
        #expect(data.atomsPerMolecule == 27)
        #expect(data.scans == nil && data.md == nil)
        #expect(data.filesRead.contains("results.csv") && data.filesRead.contains("pretrain/reptile/summary.json"))
    }

    @Test func statisticsMatchTheRunsOwnSummary() throws {
        let run = try Fixture.runDirectory()
        defer { Fixture.remove(run) }
        let data = try RunData.load(from: run)
        let cells = LearningCurveCell.cells(data.results, variants: data.variants)
        #expect(cells.count == 12)
        // summary.csv written by the run: reptile, N = 10: force 269.3906 ± 8.9535, energy 149.9865 ± 26.0529.
        let c = try #require(cells.first { $0.variant == "reptile" && $0.n == 10 })
        #expect(abs(c.forceRMSE.mean - 269.3906) < 1e-3 && abs(c.forceRMSE.std - 8.9535) < 1e-3)
        #expect(abs(c.energyRMSE.mean - 149.9865) < 1e-3 && abs(c.energyRMSE.std - 26.0529) < 1e-3)
        #expect(c.seeds == 2)
        // Best force RMSE per N (summary.md): multitask at 10 and 50, reptile at 450.
        #expect(LearningCurveCell.best(cells, metric: .forceRMSE, n: 10) == "multitask")
        #expect(LearningCurveCell.best(cells, metric: .forceRMSE, n: 50) == "multitask")
        #expect(LearningCurveCell.best(cells, metric: .forceRMSE, n: 450) == "reptile")
        #expect(LearningCurveCell.best(cells, metric: .energyRMSE, n: 450) == "scratch")
    }

    @Test func missingResultsIsADataErrorNamingTheFile() throws {
        let run = try Fixture.runDirectory()
        defer { Fixture.remove(run) }
        try FileManager.default.removeItem(at: run.appendingPathComponent("results.csv"))
        do {
            _ = try RunData.load(from: run)
            Issue.record("expected an error")
        } catch let error as DataError {
            #expect(error.file.hasSuffix("results.csv"))
            #expect(error.reason.contains("missing"))
        }
    }

    @Test func malformedTablesAreDataErrorsNamingFileAndLine() throws {
        let run = try Fixture.runDirectory(withAnalysis: true)
        defer { Fixture.remove(run) }
        let results = run.appendingPathComponent("results.csv")
        var lines = try String(contentsOf: results, encoding: .utf8).components(separatedBy: "\n")
        lines[3] = lines[3].replacingOccurrences(of: "100,", with: "100,x,")
        try lines.joined(separator: "\n").write(to: results, atomically: true, encoding: .utf8)
        #expect(throws: DataError(file: results.path, item: "line 4", "has 11 fields, the header has 10")) {
            try RunData.load(from: run)
        }
        try FileManager.default.removeItem(at: results)
        try FileManager.default.copyItem(at: Fixture.source.appendingPathComponent("results.csv"), to: results)
        let metrics = run.appendingPathComponent("analysis/scan_metrics.csv")
        try (try String(contentsOf: metrics, encoding: .utf8) + "t,torsion,reptile,ten,0,12,,,,,,,,\n")
            .write(to: metrics, atomically: true, encoding: .utf8)
        do {
            _ = try RunData.load(from: run)
            Issue.record("expected an error")
        } catch let error as DataError {
            #expect(error.file == metrics.path)
            #expect(error.item?.hasSuffix(", column n") == true && error.item?.hasPrefix("line ") == true, "\(error)")
        }
    }

    @Test func manifestFieldsReadQuotedAndBlockValues() {
        let fields = ManifestFields(text: """
            # comment
            experiment: "quoted-name"
            description: >
              Two lines
              folded.
            seed: 3 # trailing comment
            nested:
              experiment: not-this
            """)
        #expect(fields.value(of: "experiment") == "quoted-name")
        #expect(fields.value(of: "description") == "Two lines folded.")
        #expect(fields.value(of: "seed") == "3")
        #expect(fields.value(of: "absent") == nil)
    }
}

@Suite struct ReportHTMLTests {
    func report(withAnalysis: Bool) throws -> Report {
        let run = try Fixture.runDirectory(withAnalysis: withAnalysis)
        defer { Fixture.remove(run) }
        return Report(data: try RunData.load(from: run), options: ReportOptions(date: Date(timeIntervalSince1970: 1_700_000_000)))
    }

    @Test func htmlWithoutAnalysisParsesAndSaysWhatIsMissing() throws {
        let r = try report(withAnalysis: false)
        let html = r.html()
        let check = XMLCheck.parse(html)
        #expect(check.error == nil, "\(check.error ?? "")")
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\""))
        #expect(html.contains("<title>learning-together-3bpa-reduced – MetaMLIP report</title>"))
        #expect(html.contains("Reptile vs multi-task vs single-level vs scratch, refit to 3BPA."))
        // Three summary tables; two learning curves with one line per variant; two ratio panels
        // with one line per pretrained variant and the dashed line at 1.
        #expect(check.classes["summary"] == 3)
        #expect(check.elements["svg"] == 2 + 2)
        #expect(check.classes["series-line"] == 8 + 2 * 4)
        // Best force RMSE per N in bold: multitask 237.0 ± 0.5 at N = 10, reptile 61.1 ± 4.2 at N = 450.
        #expect(html.contains("<strong>237.0 ± 0.5</strong>"))
        #expect(html.contains("<strong>61.1 ± 4.2</strong>"))
        #expect(!html.contains("<strong>300.0 ± 18.7</strong>"))
        // Sections without data remain and say so.
        for id in ["errors", "learning-curves", "smoothness", "md", "pretraining", "provenance"] {
            #expect(html.contains("<section id=\"\(id)\">"))
        }
        #expect(html.contains("No <code>analysis/scan_metrics.csv</code> in this run"))
        #expect(html.contains("No <code>analysis/scans.csv</code> in this run"))
        #expect(html.contains("No <code>analysis/md.csv</code> in this run"))
        #expect(html.contains("No pretraining summary for: scratch"))
        // Provenance: the manifest text, escaped, in a <pre>.
        #expect(html.contains("<pre class=\"manifest\"># Reproduction of Allen et al., &quot;Learning together&quot;"))
        #expect(html.contains("2023-11-14T22:13:20Z"))
        // Self-contained: no scripts, no external references.
        #expect(check.elements["script"] == nil && check.elements["link"] == nil && check.elements["img"] == nil)
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http"))
    }

    @Test func htmlWithAnalysisHasSmoothnessMDAndTheirFigures() throws {
        let r = try report(withAnalysis: true)
        let html = r.html()
        let check = XMLCheck.parse(html)
        #expect(check.error == nil, "\(check.error ?? "")")
        // Smoothness: four variants × three N × two scan kinds (torsion, stretch: never pooled,
        // their units differ), then the reference rows; N values are not pooled either.
        let smoothness = try #require(r.smoothness)
        #expect(smoothness.map(\.variant) == ["reptile", "multitask", "single-level", "scratch"].flatMap { Array(repeating: $0, count: 6) } + ["reference", "reference"])
        #expect(smoothness.map(\.n) == Array(repeating: [10, 10, 50, 50, 450, 450], count: 4).flatMap { $0 } + [nil, nil])
        #expect(smoothness.prefix(2).map(\.kind) == ["torsion", "stretch"] && smoothness.prefix(2).map(\.parameterUnit) == ["rad", "Å"])
        let scratch = try #require(smoothness.first { $0.variant == "scratch" && $0.n == 50 && $0.kind == "torsion" })
        #expect(scratch.curves == 2 && scratch.spuriousExtrema == 6)
        let reptile = try #require(smoothness.first { $0.variant == "reptile" && $0.n == 450 })
        #expect(reptile.medianConsistencyRMSE == 0.01)
        // Roughness in the fixture falls as 1/√N: the per-N medians show it.
        let reptileRoughness = smoothness.filter { $0.variant == "reptile" && $0.kind == "torsion" }.compactMap(\.medianRoughness)
        #expect(reptileRoughness == reptileRoughness.sorted(by: >) && reptileRoughness.count == 3)
        // Scan figures: 2 scans × (smallest, largest N) with 4 variants + reference each;
        // MD: NVE traces for the same two N with 4 variants; plus 2 learning curves.
        let scans = r.scanFigures(), md = r.mdFigures()
        #expect(scans.count == 4 && md.count == 2)
        #expect(scans.allSatisfy { $0.chart.series.count == 5 && $0.chart.series.last?.dashed == true })
        #expect(scans[0].chart.title == "Torsion, C1-C2-N3-C4, N = 10")
        #expect(scans[1].chart.title.hasSuffix("N = 450"))
        // + 2 ratio panels (3 variants and the line at 1); + MD temperature (NVE, NVT) and NVT
        // total energy at both N (4 variants each).
        #expect(check.elements["svg"] == 2 + 2 + 4 + 2 + 6)
        #expect(check.classes["series-line"] == 8 + 2 * 4 + 4 * 5 + 2 * 4 + 6 * 4)
        // Each scan curve starts at its own minimum: 0 meV.
        #expect(scans.allSatisfy { $0.chart.series.allSatisfy { $0.points.map(\.y).min() == 0 } })
        // MD traces per atom (27 atoms): reptile drifts 0.1 meV/fs per molecule.
        let reptileTrace = try #require(md[0].chart.series.first { $0.name == "reptile" })
        #expect(abs(reptileTrace.points.last!.y - 0.1 * 19.5 / 27) < 1e-9)
        #expect(md[0].chart.y.unit == "meV/atom")
        // MD stability: NVE and NVT per variant and N; scratch at N = 10 was unstable in both seeds.
        let stability = try #require(r.mdStability)
        #expect(stability.count == 4 * 3 * 2)
        let unstable = try #require(stability.first { $0.variant == "scratch" && $0.n == 10 && $0.ensemble == "NVE" })
        #expect(unstable.stableRuns == 0 && unstable.flaggedRuns == 2 && unstable.medianStableTime == 7.5)
        #expect(html.contains("<td class=\"num\">0/2</td>"))
        // Only the unit records (parity, pretraining and refit curves) are missing from this fixture.
        #expect(html.occurrences(of: "class=\"missing\"") == 3)
    }

    @Test func figureOptionsChooseNAndSeed() throws {
        var r = try report(withAnalysis: true)
        r.options.figureSizes = [50, 999]
        r.options.figureSeed = 1
        let scans = r.scanFigures()
        #expect(scans.count == 2 && scans.allSatisfy { $0.chart.title.hasSuffix("N = 50") })
        #expect(scans[0].caption.contains("seed 1"))
        r.options.figureSizes = [999]
        #expect(r.scanFigures().isEmpty && r.mdFigures().isEmpty)
        #expect(XMLCheck.parse(r.html()).error == nil)
        #expect(r.html().contains("has no curve for the chosen N (999)"))
    }
}
