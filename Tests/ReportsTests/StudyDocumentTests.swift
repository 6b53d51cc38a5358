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
        let body = html.replacingOccurrences(of: "<!DOCTYPE html>\n", with: "")
        let parser = XMLParser(data: Data(body.utf8))
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
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
