import Foundation
import Testing
@testable import Reports

@Suite struct SVGChartTests {
    func chart(scale: SVGChart.Scale = .logarithmic) -> SVGChart {
        let names = ["reptile", "multi<task> & \"co\"", "scratch"]
        let series = names.enumerated().map { i, name in
            SVGChart.Series(name: name, points: [10.0, 50, 450].map { n in
                SVGChart.Point(x: n, y: 300 / Double(i + 1) / n.squareRoot(), yError: 2)
            }, colour: Palette.colour(i))
        }
        return SVGChart(title: "Force RMSE vs N <log>", x: .init("N", scale: scale),
                        y: .init("Force RMSE", unit: "meV/Å", scale: scale), series: series)
    }

    @Test func svgIsWellFormedXMLWithOnePathPerSeries() {
        let svg = chart().svg()
        let check = XMLCheck.parse(svg)
        #expect(check.error == nil, "\(check.error ?? "")")
        #expect(check.elements["svg"] == 1)
        #expect(check.classes["series-line"] == 3)
        #expect(check.classes["error-bars"] == 3)
        #expect(check.classes["marker"] == 9)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        // Text is escaped, both in content and attributes.
        #expect(svg.contains("multi&lt;task&gt; &amp; &quot;co&quot;"))
        #expect(svg.contains("Force RMSE (meV/Å)"))
        // Palette colours in order.
        #expect(svg.contains("stroke=\"\(Palette.colours[0])\"") && svg.contains("stroke=\"\(Palette.colours[2])\""))
    }

    @Test func logAxisLeavesOutNonPositivePointsAndLabelsDecades() {
        var c = chart()
        c.series[0].points.append(SVGChart.Point(x: 1000, y: 0))
        c.series[0].points.append(SVGChart.Point(x: -1, y: 5))
        #expect(c.plottable(c.series[0]).count == 3)
        let svg = c.svg()
        #expect(XMLCheck.parse(svg).error == nil)
        // y spans 300/3/√450 − 2 ≈ 2.7 … 300/√10 + 2 ≈ 97: decades 10 and (with the range snapped to 100) 100.
        let (_, y) = c.ticks()!
        #expect(y.major == [10, 100])
        #expect(svg.contains(">10</text>") && svg.contains(">100</text>"))
    }

    @Test func linearChartAndEmptyChartParse() {
        let linear = chart(scale: .linear).svg()
        #expect(XMLCheck.parse(linear).error == nil)
        #expect(XMLCheck.parse(linear).classes["series-line"] == 3)
        let empty = SVGChart(title: "nothing", x: .init("x"), y: .init("y", scale: .logarithmic),
                             series: [SVGChart.Series(name: "a", points: [SVGChart.Point(x: 1, y: -1)], colour: "#000000")])
        let svg = empty.svg()
        #expect(XMLCheck.parse(svg).error == nil)
        #expect(svg.contains("no data"))
    }

    @Test func dashedLineOnlySeries() {
        let c = SVGChart(title: "scan", x: .init("Torsion", unit: "deg"), y: .init("E", unit: "meV"), series: [
            SVGChart.Series(name: "reference", points: [SVGChart.Point(x: 0, y: 0), SVGChart.Point(x: 30, y: 5)],
                            colour: Palette.reference, dashed: true, markers: false),
        ])
        let svg = c.svg()
        let check = XMLCheck.parse(svg)
        #expect(check.error == nil)
        #expect(check.classes["series-line"] == 1 && check.classes["marker"] == nil)
        #expect(svg.contains("stroke-dasharray=\"6 4\""))
    }
}
