// Line/marker, scatter and bar (histogram) charts as self-contained SVG text: several series,
// linear, logarithmic or categorical axes, error bars, a legend and a fixed colour palette.

import Foundation

/// The fixed series colours: Okabe–Ito's colour-blind-safe set (without its yellow, which
/// is too pale on white), then two from Paul Tol's muted set. The reference is near-black.
public enum Palette {
    public static let colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#999933"]
    public static let reference = "#222222"
    /// The `index`-th colour, cycling.
    public static func colour(_ index: Int) -> String { colours[((index % colours.count) + colours.count) % colours.count] }
}

/// Escapes text for XML content and attribute values.
public func xmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for c in text.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        // Control characters other than tab and line ends are not allowed in XML 1.0.
        case _ where c.value < 0x20 && c != "\t" && c != "\n" && c != "\r": out += "\u{FFFD}"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// A chart of series on two axes, rendered by ``svg()`` as one `<svg>` element.
///
/// Each line series is one `<path class="series-line">` (plus `<circle class="marker">`s and one
/// `<path class="error-bars">` when it has them); a scatter series is `<circle class="scatter-point">`s,
/// a bar series `<rect class="bar">`s. On a logarithmic axis, points at or below
/// zero are left out, and an error bar reaching below the axis stops at its lower edge.
public struct SVGChart: Sendable {
    public enum Scale: Sendable { case linear, logarithmic }

    public struct Axis: Sendable {
        public var label: String
        public var unit: String?
        public var scale: Scale
        /// Names of categories at x = 0, 1, 2, … (a linear x axis labelled by name instead of number).
        public var categories: [String]?
        public init(_ label: String, unit: String? = nil, scale: Scale = .linear, categories: [String]? = nil) {
            self.label = label; self.unit = unit; self.scale = scale; self.categories = categories
        }
        /// `label (unit)`.
        public var title: String { unit.map { "\(label) (\($0))" } ?? label }
    }

    public struct Point: Sendable, Equatable {
        public var x: Double, y: Double
        /// Half-width of the error bar (e.g. a standard deviation), if any.
        public var yError: Double?
        public init(x: Double, y: Double, yError: Double? = nil) { self.x = x; self.y = y; self.yError = yError }
    }

    /// How a series is drawn: a line (with markers if asked), unconnected points, or bars from
    /// zero of the given width in x units, centred on each point's x (histograms).
    public enum Style: Sendable, Equatable { case line, scatter, bars(width: Double) }

    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        public var colour: String
        public var dashed: Bool
        public var markers: Bool
        public var style: Style
        public init(name: String, points: [Point], colour: String, dashed: Bool = false, markers: Bool = true,
                    style: Style = .line) {
            self.name = name; self.points = points; self.colour = colour; self.dashed = dashed; self.markers = markers
            self.style = style
        }
    }

    public var title: String
    public var x: Axis
    public var y: Axis
    public var series: [Series]
    public var width: Double = 720
    public var height: Double = 420

    public init(title: String, x: Axis, y: Axis, series: [Series]) {
        self.title = title; self.x = x; self.y = y; self.series = series
    }

    // MARK: Layout

    struct Frame {
        var left: Double, top: Double, right: Double, bottom: Double
        var width: Double { right - left }
        var height: Double { bottom - top }
    }

    /// The series' points that the axes can show, in order of x.
    func plottable(_ s: Series) -> [Point] {
        s.points.filter { p in
            p.x.isFinite && p.y.isFinite && (x.scale == .linear || p.x > 0) && (y.scale == .linear || p.y > 0)
        }.sorted { $0.x < $1.x }
    }

    /// The ticks of both axes, covering all points and error bars (a log axis keeps a bar's
    /// lower end only when it is above a hundredth of the value).
    func ticks() -> (x: AxisTicks, y: AxisTicks)? {
        let points = series.flatMap(plottable)
        guard !points.isEmpty else { return nil }
        var xs = points.map(\.x)
        var ys = points.map(\.y)
        for s in series {
            guard case .bars(let width) = s.style else { continue }
            for p in plottable(s) { xs += [p.x - width / 2, p.x + width / 2] }
            if y.scale == .linear { ys.append(0) }
        }
        for p in points {
            guard let e = p.yError, e.isFinite, e > 0 else { continue }
            ys.append(p.y + e)
            if y.scale == .linear || p.y - e > p.y / 100 { ys.append(p.y - e) }
        }
        if let names = x.categories, !names.isEmpty {
            let positions = names.indices.map(Double.init)
            let categorical = AxisTicks(lower: -0.5, upper: Double(names.count) - 0.5, major: positions, minor: [],
                                        labelled: positions, step: 1)
            return (categorical, y.scale == .linear ? .linear(from: ys.min()!, to: ys.max()!) : .logarithmic(from: ys.min()!, to: ys.max()!))
        }
        func make(_ axis: Axis, _ values: [Double]) -> AxisTicks {
            axis.scale == .linear ? .linear(from: values.min()!, to: values.max()!)
                : .logarithmic(from: values.min()!, to: values.max()!)
        }
        return (make(x, xs), make(y, ys))
    }

    // MARK: Rendering

    /// The chart as an `<svg>` element (no XML declaration, so it can be inlined in XHTML).
    public func svg() -> String {
        let legendWidth = series.isEmpty ? 0.0 : 190.0
        let frame = Frame(left: 78, top: 38, right: width - 20 - legendWidth, bottom: height - 54)
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" \
            aria-label="\(xmlEscaped(title))">
            <title>\(xmlEscaped(title))</title>
            <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="#ffffff"/>
            <text x="\(f((frame.left + frame.right) / 2))" y="22" text-anchor="middle" font-size="14" \
            font-weight="bold">\(xmlEscaped(title))</text>

            """
        guard let (xt, yt) = ticks() else {
            out += rect(frame)
            out += "<text x=\"\(f((frame.left + frame.right) / 2))\" y=\"\(f((frame.top + frame.bottom) / 2))\" "
                + "text-anchor=\"middle\" fill=\"#666666\">no data</text>\n</svg>"
            return out
        }
        let px = { (v: Double) in frame.left + self.fraction(v, xt, self.x.scale) * frame.width }
        let py = { (v: Double) in frame.bottom - self.fraction(v, yt, self.y.scale) * frame.height }

        // Grid at major ticks, then the frame, ticks and labels.
        var grid = ""
        for v in xt.major { grid += "M\(f(px(v))) \(f(frame.top))V\(f(frame.bottom))" }
        for v in yt.major { grid += "M\(f(frame.left)) \(f(py(v)))H\(f(frame.right))" }
        out += "<path class=\"grid\" d=\"\(grid)\" stroke=\"#e3e3e3\" stroke-width=\"1\" fill=\"none\"/>\n"
        out += rect(frame)
        var marks = ""
        for v in xt.major { marks += "M\(f(px(v))) \(f(frame.bottom))v6" }
        for v in xt.minor { marks += "M\(f(px(v))) \(f(frame.bottom))v3" }
        for v in yt.major { marks += "M\(f(frame.left)) \(f(py(v)))h-6" }
        for v in yt.minor { marks += "M\(f(frame.left)) \(f(py(v)))h-3" }
        out += "<path class=\"ticks\" d=\"\(marks)\" stroke=\"#333333\" stroke-width=\"1\" fill=\"none\"/>\n"
        out += "<g class=\"tick-labels\" fill=\"#333333\">\n"
        for v in xt.labelled {
            let text = x.categories.map { names in names.indices.contains(Int(v)) ? names[Int(v)] : "" } ?? xt.label(v)
            out += "<text x=\"\(f(px(v)))\" y=\"\(f(frame.bottom + 20))\" text-anchor=\"middle\">\(xmlEscaped(text))</text>\n"
        }
        for v in yt.labelled {
            out += "<text x=\"\(f(frame.left - 9))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(xmlEscaped(yt.label(v)))</text>\n"
        }
        out += "</g>\n"
        out += "<text class=\"axis-label\" x=\"\(f((frame.left + frame.right) / 2))\" y=\"\(f(height - 14))\" "
            + "text-anchor=\"middle\">\(xmlEscaped(x.title))</text>\n"
        let cy = (frame.top + frame.bottom) / 2
        out += "<text class=\"axis-label\" x=\"18\" y=\"\(f(cy))\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 18 \(f(cy)))\">\(xmlEscaped(y.title))</text>\n"

        for s in series {
            out += "<g class=\"series\" data-series=\"\(xmlEscaped(s.name))\">\n"
            let points = plottable(s)
            var bars = ""
            for p in points {
                guard let e = p.yError, e.isFinite, e > 0 else { continue }
                let top = min(p.y + e, yt.upper)
                let lowValue = p.y - e
                let clipped = y.scale == .logarithmic ? lowValue <= yt.lower : lowValue < yt.lower
                let bottom = py(clipped ? yt.lower : lowValue)
                let xp = px(p.x)
                bars += "M\(f(xp)) \(f(bottom))V\(f(py(top)))M\(f(xp - 4)) \(f(py(top)))h8"
                if !clipped { bars += "M\(f(xp - 4)) \(f(bottom))h8" }
            }
            if !bars.isEmpty {
                out += "<path class=\"error-bars\" d=\"\(bars)\" stroke=\"\(s.colour)\" stroke-width=\"1.2\" fill=\"none\"/>\n"
            }
            switch s.style {
            case .line:
                let d = points.enumerated().map { i, p in "\(i == 0 ? "M" : "L")\(f(px(p.x))) \(f(py(p.y)))" }.joined()
                out += "<path class=\"series-line\" d=\"\(d)\" fill=\"none\" stroke=\"\(s.colour)\" stroke-width=\"1.8\""
                    + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + " stroke-linejoin=\"round\"/>\n"
            case .scatter:
                for p in points {
                    out += "<circle class=\"scatter-point\" cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.2\" fill=\"\(s.colour)\" fill-opacity=\"0.55\"/>\n"
                }
            case .bars(let width):
                let base = py(y.scale == .linear ? Swift.max(yt.lower, Swift.min(0, yt.upper)) : yt.lower)
                for p in points {
                    let left = px(p.x - width / 2), right = px(p.x + width / 2), top = py(p.y)
                    out += "<rect class=\"bar\" x=\"\(f(left))\" y=\"\(f(Swift.min(top, base)))\" width=\"\(f(right - left))\" "
                        + "height=\"\(f(abs(base - top)))\" fill=\"\(s.colour)\" fill-opacity=\"0.3\" stroke=\"\(s.colour)\" stroke-width=\"0.8\"/>\n"
                }
            }
            if s.markers && s.style == .line {
                for p in points {
                    out += "<circle class=\"marker\" cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.2\" fill=\"\(s.colour)\"/>\n"
                }
            }
            out += "</g>\n"
        }
        out += legend(x: frame.right + 16, y: frame.top + 6)
        out += "</svg>"
        return out
    }

    func legend(x: Double, y: Double) -> String {
        guard !series.isEmpty else { return "" }
        var out = "<g class=\"legend\">\n"
        for (i, s) in series.enumerated() {
            let yy = y + Double(i) * 20
            if s.style == .line {
                out += "<path d=\"M\(f(x)) \(f(yy))h24\" stroke=\"\(s.colour)\" stroke-width=\"1.8\""
                    + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
            } else {
                out += "<rect x=\"\(f(x + 6))\" y=\"\(f(yy - 6))\" width=\"12\" height=\"12\" fill=\"\(s.colour)\" fill-opacity=\"0.55\"/>\n"
            }
            if s.markers && s.style == .line { out += "<circle cx=\"\(f(x + 12))\" cy=\"\(f(yy))\" r=\"3.2\" fill=\"\(s.colour)\"/>\n" }
            out += "<text x=\"\(f(x + 32))\" y=\"\(f(yy + 4))\">\(xmlEscaped(s.name))</text>\n"
        }
        return out + "</g>\n"
    }

    func rect(_ frame: Frame) -> String {
        "<rect class=\"frame\" x=\"\(f(frame.left))\" y=\"\(f(frame.top))\" width=\"\(f(frame.width))\" "
            + "height=\"\(f(frame.height))\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n"
    }

    /// Where `v` sits between the axis ends, 0…1.
    func fraction(_ v: Double, _ t: AxisTicks, _ scale: Scale) -> Double {
        switch scale {
        case .linear: (v - t.lower) / (t.upper - t.lower)
        case .logarithmic: (log10(v) - log10(t.lower)) / (log10(t.upper) - log10(t.lower))
        }
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
