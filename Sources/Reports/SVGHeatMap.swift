import Foundation

/// A heat map of values on a rectangular grid as a standalone SVG (no scripts): one cell
/// per grid point coloured on a perceptually uniform ramp (viridis) from 0 to `cap`,
/// values above `cap` in the top colour, missing values (`nil`: e.g. holes of a torsion
/// map) grey with a cross, and a colour bar.
///
/// Shapes: `x` (n₁,) and `y` (n₂,) ascending cell centres; `values[a][b]` is the value at
/// (x[a], y[b]).
public struct SVGHeatMap: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var x: [Double]
    public var y: [Double]
    public var values: [[Double?]]
    /// Top of the colour scale.
    public var cap: Double
    /// Unit shown on the colour bar.
    public var unit: String
    public var width: Double = 300
    public var height: Double = 270

    public init(title: String, xLabel: String, yLabel: String, x: [Double], y: [Double], values: [[Double?]], cap: Double, unit: String) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.x = x; self.y = y; self.values = values; self.cap = cap; self.unit = unit
    }

    /// Viridis at nine stops (matplotlib's table), interpolated linearly.
    static let viridis: [(Double, Double, Double)] = [
        (0.267, 0.005, 0.329), (0.278, 0.175, 0.483), (0.231, 0.322, 0.546), (0.173, 0.449, 0.558),
        (0.128, 0.567, 0.551), (0.153, 0.680, 0.504), (0.363, 0.785, 0.388), (0.678, 0.864, 0.190), (0.993, 0.906, 0.144),
    ]

    /// "#rrggbb" for t in [0, 1] (clamped).
    static func colour(_ t: Double) -> String {
        let u = min(1, max(0, t.isFinite ? t : 1)) * Double(viridis.count - 1)
        let i = min(viridis.count - 2, Int(u)), f = u - Double(i)
        let (a, b) = (viridis[i], viridis[i + 1])
        let c = [a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1), a.2 + f * (b.2 - a.2)]
        return "#" + c.map { String(format: "%02x", Int(($0 * 255).rounded())) }.joined()
    }

    public func svg() -> String {
        let (left, right, top, bottom) = (48.0, 62.0, 24.0, 38.0)
        let plotW = width - left - right, plotH = height - top - bottom
        guard x.count >= 2, y.count >= 2, values.count == x.count, values.allSatisfy({ $0.count == y.count }) else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"40\"><text x=\"4\" y=\"20\">\(xmlEscaped(title)): no grid</text></svg>"
        }
        // Cells span half-way to their neighbours; the outer ones as wide as their inner neighbour.
        func edges(_ v: [Double]) -> [Double] {
            var e = [v[0] - (v[1] - v[0]) / 2]
            for i in 1..<v.count { e.append((v[i - 1] + v[i]) / 2) }
            e.append(v[v.count - 1] + (v[v.count - 1] - v[v.count - 2]) / 2)
            return e
        }
        let ex = edges(x), ey = edges(y)
        func px(_ v: Double) -> Double { left + (v - ex.first!) / (ex.last! - ex.first!) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (v - ey.first!) / (ey.last! - ey.first!) * plotH }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"10\">\n"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"14\" text-anchor=\"middle\" font-size=\"11\">\(xmlEscaped(title))</text>\n"
        for a in x.indices {
            for b in y.indices {
                let (x0, x1, y0, y1) = (px(ex[a]), px(ex[a + 1]), py(ey[b + 1]), py(ey[b]))
                if let v = values[a][b] {
                    s += "<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(x1 - x0 + 0.3))\" height=\"\(f(y1 - y0 + 0.3))\" fill=\"\(Self.colour(v / cap))\"><title>\(f(x[a])), \(f(y[b])): \(String(format: "%.0f", v)) \(xmlEscaped(unit))</title></rect>\n"
                } else {
                    s += "<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(x1 - x0))\" height=\"\(f(y1 - y0))\" fill=\"#dddddd\"><title>\(f(x[a])), \(f(y[b])): hole</title></rect>\n"
                    s += "<path d=\"M\(f(x0)) \(f(y0))L\(f(x1)) \(f(y1))M\(f(x0)) \(f(y1))L\(f(x1)) \(f(y0))\" stroke=\"#888888\" stroke-width=\"0.8\"/>\n"
                }
            }
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333333\"/>\n"
        // Ticks every 90° inside the range (angles), else at the ends.
        func ticks(_ lo: Double, _ hi: Double) -> [Double] {
            let t = stride(from: (lo / 90).rounded(.up) * 90, through: hi, by: 90).map { $0 }
            return t.count >= 2 ? t : [lo, hi]
        }
        for t in ticks(ex.first!, ex.last!) {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#333333\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 14))\" text-anchor=\"middle\">\(String(format: "%.0f", t))</text>\n"
        }
        for t in ticks(ey.first!, ey.last!) {
            s += "<line x1=\"\(f(left - 4))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\" stroke=\"#333333\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 3))\" text-anchor=\"end\">\(String(format: "%.0f", t))</text>\n"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(xmlEscaped(xLabel))</text>\n"
        s += "<text transform=\"translate(12 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(xmlEscaped(yLabel))</text>\n"
        // Colour bar.
        let barX = left + plotW + 12, steps = 24
        for k in 0..<steps {
            let y0 = top + plotH * Double(steps - k - 1) / Double(steps)
            s += "<rect x=\"\(f(barX))\" y=\"\(f(y0))\" width=\"10\" height=\"\(f(plotH / Double(steps) + 0.3))\" fill=\"\(Self.colour((Double(k) + 0.5) / Double(steps)))\"/>"
        }
        s += "\n<text x=\"\(f(barX + 13))\" y=\"\(f(top + 8))\">\(String(format: "%.0f", cap))</text>"
        s += "<text x=\"\(f(barX + 13))\" y=\"\(f(top + plotH))\">0</text>"
        s += "<text x=\"\(f(barX + 13))\" y=\"\(f(top + plotH / 2))\">\(xmlEscaped(unit))</text>\n</svg>"
        return s
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
