// Figures of the transferability report: the bond-length distributions of the Langevin runs
// beside the reference MD's (bonds.csv).

import Foundation
import Reports

extension TransferabilityResults {
    /// Bond-length distributions per bond type: mean ± standard deviation (Å) of the lengths
    /// sampled over the stable part of each run (mean and std averaged over seeds), one series
    /// per architecture and training set beside the reference MD's, offset sideways within
    /// each bond type so the bars do not overlap. Nil without reference bonds or runs.
    public func bondLengthFigure() -> (chart: SVGChart, caption: String)? {
        let classes = bondClasses
        guard !classes.isEmpty else { return nil }
        var groups: [(name: String, points: [(Int, Double, Double)])] = [
            ("reference (xTB MD)", classes.enumerated().compactMap { i, b in
                referenceBonds.first { $0.bond == b }.map { (i, $0.mean, $0.std) }
            })]
        for a in architectures {
            for set in setNames {
                let runs = mdRuns(a, set)
                guard !runs.isEmpty else { continue }
                groups.append(("\(a) on \(set)", classes.enumerated().compactMap { i, b in
                    let found = runs.compactMap { $0.bonds.first { $0.bond == b } }
                    guard !found.isEmpty else { return nil }
                    return (i, Self.meanStd(found.map(\.mean)).mean, Self.meanStd(found.map(\.std)).mean)
                }))
            }
        }
        guard groups.count > 1 else { return nil }
        let spread = 0.6, step = spread / Double(max(1, groups.count - 1))
        let series = groups.enumerated().map { g, group in
            SVGChart.Series(name: group.name, points: group.points.map { i, mean, std in
                SVGChart.Point(x: Double(i) - spread / 2 + Double(g) * step, y: mean, yError: std)
            }, colour: g == 0 ? Palette.reference : Palette.colour(g - 1), markers: false, style: .scatter)
        }
        var chart = SVGChart(title: "Bond lengths in Langevin MD", x: .init("Bond type", categories: classes),
                             y: .init("Bond length", unit: "Å"), series: series)
        chart.width = 860
        return (chart, "Bond-length distributions per bond type over the stable part of each run: points at the mean, bars ± one "
            + "standard deviation of the sampled lengths (Å; each averaged over seeds), the reference xTB MD first (black). "
            + "Data: `bonds.csv`.")
    }
}
