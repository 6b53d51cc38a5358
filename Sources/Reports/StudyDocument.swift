// A report for studies other than refit learning curves (lifelong learning, element
// transfer, transferability): a title, then blocks of text, tables and charts, rendered
// as one self-contained HTML page and as a Jupyter notebook that reloads the copied data.

import Foundation
import Chemistry

/// A study report as a value: ordered sections of paragraphs, tables and charts.
///
///     var doc = StudyDocument(experiment: "lifelong-meuwly", description: "…")
///     doc.section("forgetting", "Forgetting") {
///         $0.text("Force RMSE on every earlier task after each new one.")
///         $0.table(StudyDocument.Table(caption: "…", header: ["task", "after 1"], rows: [["ch2o", "12.3"]]))
///         $0.figure(chart, caption: "…")
///     }
///     try doc.write(to: URL(fileURLWithPath: "notebooks-export"), dataFiles: ["runs/x/forgetting.csv"])
///
/// Numbers arrive formatted (tables hold strings), so the study decides digits and units.
public struct StudyDocument: Sendable {
    public struct Table: Sendable, Equatable {
        public var caption: String
        public var header: [String]
        public var rows: [[String]]
        /// Columns (0-based) right-aligned as numbers (default: every column but the first).
        public var numericColumns: Set<Int>?
        /// Why the table may have no rows; shown, in place of an empty table, when it has none.
        public var absentReason: String?
        public init(caption: String, header: [String], rows: [[String]], numericColumns: Set<Int>? = nil, absentReason: String? = nil) {
            self.caption = caption; self.header = header; self.rows = rows; self.numericColumns = numericColumns
            self.absentReason = absentReason
        }

        /// The one line that replaces a table without rows.
        public var absentStatement: String {
            (caption.isEmpty ? "This table" : caption) + ": nothing to show — "
                + (absentReason ?? "the study recorded no rows for it.")
        }

        /// GitHub-flavoured Markdown (for notebooks and notes).
        public var markdown: String {
            if rows.isEmpty { return "*\(absentStatement)*\n" }
            var s = caption.isEmpty ? "" : "**\(caption)**\n\n"
            s += "| " + header.joined(separator: " | ") + " |\n|"
            s += header.indices.map { isNumeric($0) ? "---:|" : "---|" }.joined() + "\n"
            for row in rows { s += "| " + row.joined(separator: " | ") + " |\n" }
            return s
        }

        func isNumeric(_ column: Int) -> Bool { numericColumns?.contains(column) ?? (column > 0) }
    }

    public enum Block: Sendable {
        case text(String)
        case table(Table)
        case figure(SVGChart, caption: String)
    }

    public struct Section: Sendable {
        public var id: String
        public var title: String
        public var blocks: [Block] = []
        public mutating func text(_ paragraph: String) { blocks.append(.text(paragraph)) }
        public mutating func table(_ table: Table) { blocks.append(.table(table)) }
        public mutating func figure(_ chart: SVGChart, caption: String) { blocks.append(.figure(chart, caption: caption)) }
    }

    public var experiment: String
    public var description: String
    public var sections: [Section] = []
    /// The generation time the page states.
    public var date: Date

    public init(experiment: String, description: String, date: Date = Date()) {
        self.experiment = experiment; self.description = description; self.date = date
    }

    /// Appends a section built by `build`.
    public mutating func section(_ id: String, _ title: String, _ build: (inout Section) -> Void) {
        var s = Section(id: id, title: title)
        build(&s)
        sections.append(s)
    }

    // MARK: Rendering

    /// The page: polyglot XHTML, inline CSS and SVG, no scripts. Paragraph text is escaped;
    /// `code` spans in backticks become `<code>`.
    public func html() -> String {
        var body = "<header>\n<h1>\(xmlEscaped(experiment))</h1>\n"
        if !description.isEmpty { body += "<p class=\"description\">\(inline(description))</p>\n" }
        body += "<p class=\"meta\">Generated \(xmlEscaped(Report.timestamp(date))) by <code>metamlip</code>.</p>\n</header>\n"
        body += "<nav><ul>\n" + sections.map { "<li><a href=\"#\($0.id)\">\(xmlEscaped($0.title))</a></li>\n" }.joined()
            + "</ul></nav>\n"
        for s in sections {
            body += "<section id=\"\(s.id)\">\n<h2>\(xmlEscaped(s.title))</h2>\n"
            for block in s.blocks {
                switch block {
                case .text(let t): body += "<p>\(inline(t))</p>\n"
                case .table(let t): body += tableHTML(t)
                case .figure(let chart, let caption):
                    body += "<figure>\n\(chart.svg())\n<figcaption>\(inline(caption))</figcaption>\n</figure>\n"
                }
            }
            body += "</section>\n"
        }
        return Report.page(title: "\(experiment) – MetaMLIP report", body: body)
    }

    func tableHTML(_ t: Table) -> String {
        if t.rows.isEmpty { return "<p class=\"missing\">\(inline(t.absentStatement))</p>\n" }
        var s = "<table>\n"
        if !t.caption.isEmpty { s += "<caption>\(inline(t.caption))</caption>\n" }
        s += "<thead><tr>" + t.header.map { "<th>\(inline($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in t.rows {
            s += "<tr>" + row.enumerated().map { i, v in
                t.isNumeric(i) ? "<td class=\"num\">\(inline(v))</td>" : "<td>\(inline(v))</td>"
            }.joined() + "</tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// Escaped text with `code` spans and **bold**.
    func inline(_ text: String) -> String {
        var out = ""
        for (i, part) in text.components(separatedBy: "`").enumerated() {
            if i % 2 == 1 { out += "<code>\(xmlEscaped(part))</code>"; continue }
            for (j, piece) in part.components(separatedBy: "**").enumerated() {
                out += j % 2 == 1 ? "<strong>\(xmlEscaped(piece))</strong>" : xmlEscaped(piece)
            }
        }
        return out
    }

    /// A notebook: the text and tables as Markdown cells, each chart as a code cell that
    /// redraws it with matplotlib from its series (so the notebook runs without MetaMLIP), and
    /// a first code cell that loads the copied data files with pandas.
    public func notebook(dataFiles: [String]) throws -> Data {
        var cells: [[String: Any]] = []
        var counter = 0
        func add(_ type: String, _ text: String) { counter += 1; cells.append(Report.cell(type, "cell-\(counter)", text)) }
        add("markdown", "# \(experiment)\n\n\(description)\n\nGenerated \(Report.timestamp(date)) by `metamlip`.")
        if !dataFiles.isEmpty {
            add("code", "%matplotlib inline\nimport pandas as pd\nimport matplotlib.pyplot as plt\n\ndata = {name: pd.read_csv(name) for name in "
                + Report.python(dataFiles.filter { $0.hasSuffix(".csv") }) + "}\nfor name, frame in data.items():\n    print(name, frame.shape)")
        }
        for s in sections {
            add("markdown", "## \(s.title)")
            for block in s.blocks {
                switch block {
                case .text(let t): add("markdown", t)
                case .table(let t): add("markdown", t.markdown)
                case .figure(let chart, let caption):
                    var code = (dataFiles.isEmpty && !cells.contains { $0["cell_type"] as? String == "code" } ? "%matplotlib inline\n" : "")
                        + "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(7, 4))\n"
                    for series in chart.series {
                        let xs = series.points.map(\.x), ys = series.points.map(\.y)
                        let errors = series.points.map { $0.yError ?? 0 }
                        let style = series.dashed ? ", linestyle='--'" : ""
                        switch series.style {
                        case .line where errors.contains { $0 > 0 }:
                            code += "ax.errorbar(\(Self.list(xs)), \(Self.list(ys)), yerr=\(Self.list(errors)), marker='o', capsize=3\(style), "
                                + "color=\(Report.python(series.colour)), label=\(Report.python(series.name)))\n"
                        case .line:
                            code += "ax.plot(\(Self.list(xs)), \(Self.list(ys))\(series.markers ? ", marker='o'" : "")\(style), "
                                + "color=\(Report.python(series.colour)), label=\(Report.python(series.name)))\n"
                        case .scatter where errors.contains { $0 > 0 }:
                            code += "ax.errorbar(\(Self.list(xs)), \(Self.list(ys)), yerr=\(Self.list(errors)), fmt='o', capsize=3, "
                                + "color=\(Report.python(series.colour)), label=\(Report.python(series.name)))\n"
                        case .scatter:
                            code += "ax.scatter(\(Self.list(xs)), \(Self.list(ys)), s=10, alpha=0.6, color=\(Report.python(series.colour)), "
                                + "label=\(Report.python(series.name)))\n"
                        case .bars(let width):
                            code += "ax.bar(\(Self.list(xs)), \(Self.list(ys)), width=\(width), alpha=0.35, color=\(Report.python(series.colour)), "
                                + "label=\(Report.python(series.name)))\n"
                        }
                    }
                    if let names = chart.x.categories {
                        code += "ax.set_xticks(\(Self.list(names.indices.map(Double.init))))\nax.set_xticklabels(\(Report.python(names)))\n"
                    }
                    if chart.x.scale == .logarithmic { code += "ax.set_xscale('log')\n" }
                    if chart.y.scale == .logarithmic { code += "ax.set_yscale('log')\n" }
                    code += "ax.set_xlabel(\(Report.python(chart.x.title)))\nax.set_ylabel(\(Report.python(chart.y.title)))\n"
                    code += "ax.set_title(\(Report.python(chart.title)))\nax.legend()\nplt.show()"
                    add("code", code)
                    add("markdown", "*\(caption)*")
                }
            }
        }
        let notebook: [String: Any] = [
            "cells": cells,
            "metadata": ["kernelspec": ["display_name": "Python 3", "language": "python", "name": "python3"],
                         "language_info": ["name": "python"]],
            "nbformat": 4, "nbformat_minor": 5,
        ]
        return try JSONSerialization.data(withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func list(_ values: [Double]) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "float('nan')" }.joined(separator: ", ") + "]"
    }

    /// Writes `<root>/<experiment>/report.html`, `report.ipynb` and `data/<name>` copies of
    /// `dataFiles` (the notebook loads them as `data/<name>`). Returns the folder.
    ///
    /// - Throws: `DataError` naming a data file that cannot be read or a target that cannot be written.
    @discardableResult
    public func write(to root: URL, dataFiles: [URL]) throws -> URL {
        let directory = root.appendingPathComponent(ReportBuilder.folderName(experiment))
        let dataDirectory = directory.appendingPathComponent("data")
        try ReportBuilder.prepareExportFolder(directory, data: dataDirectory)
        var copied: [String] = []
        for source in dataFiles {
            let name = "data/" + source.lastPathComponent
            do {
                try Data(contentsOf: source).write(to: directory.appendingPathComponent(name), options: .atomic)
            } catch {
                throw DataError(file: source.path, "cannot be copied into \(dataDirectory.path) (\(error.localizedDescription))")
            }
            copied.append(name)
        }
        let writer = ReportBuilder(runDirectory: directory)
        try writer.write(Data(html().utf8), to: directory.appendingPathComponent("report.html"))
        try writer.write(notebook(dataFiles: copied), to: directory.appendingPathComponent("report.ipynb"))
        return directory
    }
}
