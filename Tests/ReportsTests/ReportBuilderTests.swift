import Chemistry
import Foundation
import Testing
import _TestSupport
@testable import Reports

@Suite struct ReportBuilderTests {
    /// Builds the fixture's export into `<temporary>/export`, beside the run directory
    /// `<temporary>/lt3bpa-reduced`; ``remove(_:)`` deletes both.
    func build(withAnalysis: Bool, withUnits: Bool = false, withMaps: Bool = false) throws -> ReportBuilder.Output {
        let run = try Fixture.runDirectory(withAnalysis: withAnalysis, withUnits: withUnits, withMaps: withMaps)
        let root = run.deletingLastPathComponent().appendingPathComponent("export")
        return try ReportBuilder(runDirectory: run, outputDirectory: root).build()
    }

    func remove(_ output: ReportBuilder.Output) { Fixture.remove(output.directory.deletingLastPathComponent()) }

    /// Reports name a run directory below the working directory by its relative path, so a
    /// committed report carries no machine's absolute paths; one elsewhere stays absolute.
    @Test func runDirectoryIsShownRelativeToTheWorkingDirectory() {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let inside = RunData(directory: cwd.appendingPathComponent("runs/quickstart"), experiment: "q", results: [])
        #expect(inside.displayPath == "runs/quickstart")
        let outside = RunData(directory: URL(fileURLWithPath: "/nonexistent-root/runs/q"), experiment: "q", results: [])
        #expect(outside.displayPath == "/nonexistent-root/runs/q")
    }

    @Test func writesTheExportFolder() throws {
        let out = try build(withAnalysis: true)
        defer { remove(out) }
        #expect(out.directory.lastPathComponent == "learning-together-3bpa-reduced")
        #expect(out.directory.deletingLastPathComponent().lastPathComponent == "export")
        let fm = FileManager.default
        for url in [out.html, out.notebook, out.summary] { #expect(fm.fileExists(atPath: url.path), "\(url.path)") }
        #expect(Set(out.dataFiles) == [
            "data/results.csv", "data/summary.csv", "data/manifest.yaml", "data/scans.csv", "data/scan_metrics.csv",
            "data/md.csv", "data/md_metrics.csv", "data/committees.csv", "data/pretrain/multitask.json", "data/pretrain/reptile.json",
            "data/pretrain/single-level.json",
        ])
        for file in out.dataFiles {
            #expect(fm.fileExists(atPath: out.directory.appendingPathComponent(file).path), "\(file)")
        }
        #expect(try Data(contentsOf: out.directory.appendingPathComponent("data/results.csv"))
            == Data(contentsOf: Fixture.source.appendingPathComponent("results.csv")))
        #expect(XMLCheck.parse(try String(contentsOf: out.html, encoding: .utf8)).error == nil)
    }

    @Test func summaryJSONHasTheTables() throws {
        let out = try build(withAnalysis: true)
        defer { remove(out) }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.summary)) as? [String: Any])
        #expect(json["experiment"] as? String == "learning-together-3bpa-reduced")
        #expect(json["variants"] as? [String] == ["reptile", "multitask", "single-level", "scratch"])
        #expect(json["training_sizes"] as? [Int] == [10, 50, 450])
        #expect(json["atoms_per_molecule"] as? Int == 27)
        let curves = try #require(json["learning_curves"] as? [[String: Any]])
        #expect(curves.count == 12)
        let force = try #require(curves[0]["force_rmse"] as? [String: Any])
        #expect(abs((force["mean"] as? Double ?? 0) - 269.3906) < 1e-3)
        let best = try #require(json["best"] as? [[String: Any]])
        #expect(best.contains { $0["n"] as? Int == 450 && $0["metric"] as? String == "force_rmse_meV_per_A" && $0["variant"] as? String == "reptile" })
        #expect((json["smoothness"] as? [Any])?.count == 4 * 3 * 2 + 2)
        #expect((json["md_stability"] as? [Any])?.count == 24)
        #expect((json["pretraining"] as? [Any])?.count == 3)

        let plain = try build(withAnalysis: false)

        defer { remove(plain) }
        let json2 = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: plain.summary)) as? [String: Any])
        #expect(json2["smoothness"] is NSNull && json2["md_stability"] is NSNull && json2["committees"] is NSNull)
    }

    @Test func rebuildingReplacesStaleDataFiles() throws {
        let run = try Fixture.runDirectory(withAnalysis: true)
        defer { Fixture.remove(run) }
        let root = run.deletingLastPathComponent().appendingPathComponent("export")
        let first = try ReportBuilder(runDirectory: run, outputDirectory: root).build()
        #expect(FileManager.default.fileExists(atPath: first.directory.appendingPathComponent("data/md.csv").path))
        try FileManager.default.removeItem(at: run.appendingPathComponent("analysis"))
        let second = try ReportBuilder(runDirectory: run, outputDirectory: root).build()
        #expect(!FileManager.default.fileExists(atPath: second.directory.appendingPathComponent("data/md.csv").path))
        let html = try String(contentsOf: second.html, encoding: .utf8)
        #expect(html.contains("No <code>analysis/md.csv</code> in this run"))
    }

    /// A run with committees.csv: its table in the HTML, the copied file, the notebook cell (run
    /// by `codeCellsRunWithPandasAndMatplotlib`) and the JSON; a malformed row is a `DataError` naming the file and line.
    @Test func committeesAppearInEveryRendering() throws {
        let run = try Fixture.runDirectory(withAnalysis: true)
        defer { Fixture.remove(run) }
        let csv = Fixture.committeesCSV
        let root = run.deletingLastPathComponent().appendingPathComponent("export")
        let out = try ReportBuilder(runDirectory: run, outputDirectory: root).build()
        #expect(out.dataFiles.contains("data/committees.csv"))
        let html = try String(contentsOf: out.html, encoding: .utf8)
        #expect(XMLCheck.parse(html).error == nil)
        #expect(html.contains("<td>all-variants</td><td class=\"num\">450</td><td class=\"num\">8</td><td class=\"num\">41.2</td><td class=\"num\">47.8</td>"))
        let notebook = try String(contentsOf: out.notebook, encoding: .utf8)
        #expect(notebook.contains("committees.csv"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.summary)) as? [String: Any])
        let committees = try #require(json["committees"] as? [[String: Any]])
        #expect(committees.count == 2 && committees[1]["members"] as? Int == 8)
        #expect(abs((committees[1]["force_rmse"] as? Double ?? 0) - 41.2) < 1e-9)

        try (csv.replacingOccurrences(of: "reptile,450,2", with: "reptile,many,2")).write(
            to: run.appendingPathComponent("committees.csv"), atomically: true, encoding: .utf8)
        do { try ReportBuilder(runDirectory: run, outputDirectory: root).build(); Issue.record("malformed committees.csv accepted") }
        catch let e as DataError { #expect(e.file.hasSuffix("committees.csv") && "\(e)".contains("2"), "\(e)") }
    }

    @Test func failedUnitsAreListedInEveryRendering() throws {
        let run = try Fixture.runDirectory()
        defer { Fixture.remove(run) }
        try "unit,stage,reason\nrefit/reptile/n450-seed1,refit,\"diverged at epoch 3: non-finite training loss, <lr 1e6>\"\n"
            .write(to: run.appendingPathComponent("failures.csv"), atomically: true, encoding: .utf8)
        let root = run.deletingLastPathComponent().appendingPathComponent("export")
        let out = try ReportBuilder(runDirectory: run, outputDirectory: root).build()
        #expect(out.dataFiles.contains("data/failures.csv"))
        let html = try String(contentsOf: out.html, encoding: .utf8)
        #expect(XMLCheck.parse(html).error == nil)
        #expect(html.contains("<strong>1 unit(s) failed</strong>"))
        #expect(html.contains("<td>refit/reptile/n450-seed1</td><td>refit</td><td>diverged at epoch 3: non-finite training loss, &lt;lr 1e6&gt;</td>"))
        let notebook = try String(contentsOf: out.notebook, encoding: .utf8)
        #expect(notebook.contains("failures.csv"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.summary)) as? [String: Any])
        let failures = try #require(json["failures"] as? [[String: Any]])
        #expect(failures.count == 1 && failures[0]["stage"] as? String == "refit")
        // Without failures.csv nothing is shown.
        try FileManager.default.removeItem(at: run.appendingPathComponent("failures.csv"))
        let clean = try String(contentsOf: try ReportBuilder(runDirectory: run, outputDirectory: root).build().html, encoding: .utf8)
        #expect(!clean.contains("failed</strong>"))
    }

    @Test func missingResultsFailsTheBuild() throws {
        let run = try Fixture.runDirectory()
        defer { Fixture.remove(run) }
        try FileManager.default.removeItem(at: run.appendingPathComponent("results.csv"))
        #expect(throws: DataError.self) {
            try ReportBuilder(runDirectory: run, outputDirectory: run.appendingPathComponent("export")).build()
        }
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("export").path))
    }
}

@Suite struct NotebookTests {
    /// The notebook's code cells as one string each.
    func codeCells(_ url: URL) throws -> [String] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cells = try #require(json["cells"] as? [[String: Any]])
        return cells.filter { $0["cell_type"] as? String == "code" }.map { ($0["source"] as? [String] ?? []).joined() }
    }

    @Test(arguments: [false, true])
    func notebookValidatesWithNbformat(withAnalysis: Bool) throws {
        let out = try ReportBuilderTests().build(withAnalysis: withAnalysis)
        defer { ReportBuilderTests().remove(out) }
        let python = try #require(PythonInterpreter.importing("nbformat"),
                                  "no python3 with nbformat (run scripts/setup.sh, or set METAMLIP_PYTHON)")
        let result = try PythonInterpreter.run(python, ["-c", "import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))",
                                             out.notebook.path])
        #expect(result.status == 0, "\(result.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.notebook)) as? [String: Any])
        #expect(json["nbformat"] as? Int == 4 && json["nbformat_minor"] as? Int == 5)
        let metadata = try #require(json["metadata"] as? [String: Any])
        #expect((metadata["kernelspec"] as? [String: Any])?["name"] as? String == "python3")
        #expect((metadata["language_info"] as? [String: Any])?["name"] as? String == "python")
        let cells = try #require(json["cells"] as? [[String: Any]])
        let ids = cells.compactMap { $0["id"] as? String }
        #expect(ids.count == cells.count && Set(ids).count == ids.count)
    }

    @Test(arguments: [false, true])
    func codeCellsReadOnlyFilesThatExist(withAnalysis: Bool) throws {
        let out = try ReportBuilderTests().build(withAnalysis: withAnalysis)
        defer { ReportBuilderTests().remove(out) }
        let code = try codeCells(out.notebook).joined(separator: "\n")
        let pattern = try NSRegularExpression(pattern: #"DATA / "([^"]+)""#)
        let names = pattern.matches(in: code, range: NSRange(code.startIndex..., in: code)).map {
            String(code[Range($0.range(at: 1), in: code)!])
        }
        #expect(names.contains("results.csv"))
        #expect(names.contains("scans.csv") == withAnalysis && names.contains("md.csv") == withAnalysis)
        #expect(names.contains("scan_metrics.csv") == withAnalysis && names.contains("md_metrics.csv") == withAnalysis)
        for name in names {
            #expect(FileManager.default.fileExists(atPath: out.directory.appendingPathComponent("data/\(name)").path), "\(name)")
        }
        #expect(code.contains("ATOMS_PER_MOLECULE = 27"))
        #expect(code.contains("VARIANTS = [\"reptile\",\"multitask\",\"single-level\",\"scratch\"]"))
    }

    /// Runs the notebook's code cells when pandas and matplotlib are installed (they are not
    /// required to build or test MetaMLIP, so this is skipped without them).
    @Test(.enabled(if: PythonInterpreter.importing("pandas, matplotlib") != nil))
    func codeCellsRunWithPandasAndMatplotlib() throws {
        let out = try ReportBuilderTests().build(withAnalysis: true)
        defer { ReportBuilderTests().remove(out) }
        // IPython magics (`%matplotlib inline`) are not Python: plain python3 runs the rest.
        let script = try codeCells(out.notebook).joined(separator: "\n\n").split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("%") }.joined(separator: "\n")
        let python = try #require(PythonInterpreter.importing("pandas, matplotlib"))
        let result = try PythonInterpreter.run(python, ["-c", script], environment: ["MPLBACKEND": "Agg"], in: out.directory)
        #expect(result.status == 0, "\(result.output)")
    }

    /// Executes the exported notebook headless with nbclient (as `jupyter nbconvert --execute`
    /// does) under `MPLBACKEND=Agg`, with analysis and unit records, and checks that every figure
    /// cell produced a PNG. Needs nbclient, ipykernel, pandas and matplotlib (scripts/setup.sh
    /// installs them); once they are present, a notebook that does not execute fails the test.
    @Test(.enabled(if: PythonInterpreter.importing("nbformat, nbclient, ipykernel, pandas, matplotlib") != nil))
    func notebookExecutesHeadlessAndShowsItsFigures() throws {
        let out = try ReportBuilderTests().build(withAnalysis: true, withUnits: true, withMaps: true)
        defer { ReportBuilderTests().remove(out) }
        let python = try #require(PythonInterpreter.importing("nbformat, nbclient, ipykernel, pandas, matplotlib"))
        let script = """
            import sys, nbformat
            from nbclient import NotebookClient
            nb = nbformat.read(sys.argv[1], as_version=4)
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
            shows = [c for c in nb.cells if c.cell_type == "code" and "plt.show()" in c.source]
            blank = [c.id for c in shows if not any("image/png" in o.get("data", {}) for o in c.outputs)]
            print("figure cells", len(shows), "without a figure", blank)
            sys.exit(1 if blank or not shows else 0)
            """
        let result = try PythonInterpreter.run(python, ["-c", script, out.notebook.path, out.directory.path],
                                    environment: ["MPLBACKEND": "Agg"], in: out.directory)
        #expect(result.status == 0, "\(result.output)")
    }
}

extension ReportBuilderTests {
    /// A run with comparisons.csv (paired differences to scratch): its table in the HTML and
    /// the copied file.
    @Test func comparisonsAppearInTheReport() throws {
        let run = try Fixture.runDirectory(withAnalysis: false)
        defer { Fixture.remove(run) }
        try """
            variant,baseline,n,metric,seeds,test_conformations,variant_value,baseline_value,difference,ci95_low,ci95_high,verdict
            reptile,scratch,10,energy_rmse_meV,2,25,120.000,150.000,-30.000,-41.200,-18.300,lower
            reptile,scratch,10,force_rmse_meV_per_A,2,25,180.000,190.000,-10.000,-22.000,3.100,no clear difference
            """.write(to: run.appendingPathComponent("comparisons.csv"), atomically: true, encoding: .utf8)
        let root = run.deletingLastPathComponent().appendingPathComponent("export")
        let out = try ReportBuilder(runDirectory: run, outputDirectory: root).build()
        #expect(out.dataFiles.contains("data/comparisons.csv"))
        let html = try String(contentsOf: out.html, encoding: .utf8)
        #expect(XMLCheck.parse(html).error == nil)
        #expect(html.contains("<td>reptile</td><td class=\"num\">10</td><td class=\"num\">2</td><td class=\"num\">-10.0</td><td class=\"num\">[-22.0, 3.1]</td><td>no clear difference</td>"))
    }
}
