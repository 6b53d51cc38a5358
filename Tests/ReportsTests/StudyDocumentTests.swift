import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Reports

@Suite struct StudyDocumentTests {
    func document() -> StudyDocument {
        var doc = StudyDocument(experiment: "lifelong <test>", description: "Forgetting & `code`",
                                date: Date(timeIntervalSince1970: 0))
        doc.section("forgetting", "Forgetting") {
            $0.text("Error on **every** earlier task.")
            $0.table(.init(caption: "Force RMSE (meV/Å)", header: ["task", "after 1", "after 2"],
                           rows: [["ch2o", "12.3", "15.0"], ["hono", "–", "20.1"]]))
            $0.figure(SVGChart(title: "RMSE", x: .init("task"), y: .init("RMSE", unit: "meV/Å", scale: .logarithmic),
                               series: [.init(name: "lifelong", points: [.init(x: 1, y: 12.3), .init(x: 2, y: 15)], colour: "#000000")]),
                      caption: "after each task")
        }
        return doc
    }

    @Test func htmlIsWellFormedXMLWithEscapedText() throws {
        let html = document().html()
        #expect(html.contains("lifelong &lt;test&gt;"))
        #expect(html.contains("<strong>every</strong>") && html.contains("<code>code</code>"))
        #expect(html.contains("<td class=\"num\">12.3</td>") && html.contains("<td>ch2o</td>"))
        #expect(html.contains("<svg"))
        let check = XMLCheck.parse(html.replacingOccurrences(of: "<!DOCTYPE html>\n", with: ""))
        #expect(check.error == nil, "not well-formed: \(check.error ?? "")")
        #expect(check.elements["table"] == 1 && check.elements["figure"] == 1)
    }

    @Test func markdownTableAndNotebookCells() throws {
        let doc = document()
        guard case .table(let t) = doc.sections[0].blocks[1] else { Issue.record("no table"); return }
        #expect(t.markdown == "**Force RMSE (meV/Å)**\n\n| task | after 1 | after 2 |\n|---|---:|---:|\n| ch2o | 12.3 | 15.0 |\n| hono | – | 20.1 |\n")
        let json = try JSONSerialization.jsonObject(with: doc.notebook(dataFiles: ["data/forgetting.csv"])) as! [String: Any]
        let cells = json["cells"] as! [[String: Any]]
        #expect(json["nbformat"] as? Int == 4)
        let sources = cells.map { ($0["source"] as! [String]).joined() }
        #expect(sources.contains { $0.contains("pd.read_csv") && $0.contains("data/forgetting.csv") })
        #expect(sources.contains { $0.contains("ax.set_yscale('log')") && $0.contains("[12.3, 15.0]") })
        #expect(sources.contains { $0.hasPrefix("**Force RMSE") })
    }

    @Test func writeCopiesDataAndNamesAMissingFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("study-doc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let csv = root.appendingPathComponent("in.csv")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try "a,b\n1,2\n".write(to: csv, atomically: true, encoding: .utf8)
        let dir = try document().write(to: root.appendingPathComponent("out"), dataFiles: [csv])
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("data/in.csv").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.ipynb").path))
        #expect(dir.lastPathComponent == "lifelong__test_")
        #expect(throws: (any Error).self) {
            try document().write(to: root.appendingPathComponent("out2"), dataFiles: [root.appendingPathComponent("missing.csv")])
        }
    }
}

@Suite struct StudyDocumentAbsenceTests {
    /// A table without rows is one statement of what is absent and why, never an empty table.
    @Test func emptyTableBecomesAStatement() throws {
        var doc = StudyDocument(experiment: "t", description: "d", date: Date(timeIntervalSince1970: 0))
        doc.section("md", "MD") {
            $0.table(StudyDocument.Table(caption: "Stable runs", header: ["model", "runs"], rows: [],
                                         absentReason: "no model finished training."))
            $0.table(StudyDocument.Table(caption: "Bonds", header: ["model", "C-H (Å)"], rows: []))
        }
        let html = doc.html()
        #expect(XMLCheck.parse(html).error == nil)
        #expect(!html.contains("<table"))
        #expect(html.contains("<p class=\"missing\">Stable runs: nothing to show — no model finished training.</p>"))
        #expect(html.contains("Bonds: nothing to show — the study recorded no rows for it."))
        let notebook = try String(decoding: doc.notebook(dataFiles: []), as: UTF8.self)
        #expect(notebook.contains("Stable runs: nothing to show") && !notebook.contains("| model | runs |"))
    }

    /// Scatter, bar and categorical charts are redrawn in the notebook as scatter, bar and tick labels.
    @Test func notebookRedrawsEveryChartStyle() throws {
        var doc = StudyDocument(experiment: "t", description: "d", date: Date(timeIntervalSince1970: 0))
        let chart = SVGChart(title: "Bond lengths", x: .init("Bond type", categories: ["C-H", "C-C"]), y: .init("Length", unit: "Å"),
                             series: [.init(name: "ref", points: [.init(x: 0, y: 1.09, yError: 0.02), .init(x: 1, y: 1.53, yError: 0.03)],
                                            colour: Palette.reference, style: .scatter),
                                      .init(name: "h", points: [.init(x: 0, y: 3), .init(x: 1, y: 4)], colour: Palette.colour(0),
                                            style: .bars(width: 0.4))])
        doc.section("f", "F") { $0.figure(chart, caption: "c") }
        let svg = chart.svg()
        #expect(XMLCheck.parse(svg).error == nil)
        #expect(svg.occurrences(of: "class=\"scatter-point\"") == 2 && svg.occurrences(of: "class=\"bar\"") == 2)
        #expect(svg.contains(">C-H</text>") && svg.contains("class=\"error-bars\""))
        let notebook = try String(decoding: doc.notebook(dataFiles: []), as: UTF8.self)
        #expect(notebook.contains("%matplotlib inline"))
        #expect(notebook.contains("fmt='o'") && notebook.contains("ax.bar(") && notebook.contains("set_xticklabels"))
    }
}
