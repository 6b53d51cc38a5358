// 2-D relaxed torsion maps in the smoothness section: a table of map metrics and one heat
// map per variant (analysis/torsion_maps.csv, torsion_map_metrics.csv).

import Chemistry
import Foundation

/// One point of a torsion map: a row of `analysis/torsion_maps.csv`.
public struct TorsionMapPoint: Equatable, Sendable {
    public var variant: String
    public var n: Int?
    public var seed: Int?
    public var map: String
    public var dihedral1: String
    public var dihedral2: String
    public var held: String
    /// Degrees.
    public var phi1: Double
    public var phi2: Double
    /// Energy above the map's lowest intact point, meV; nil when the map has none.
    public var relative: Double?
    /// Every relaxation of the point broke the molecule.
    public var hole: Bool

    static let requiredColumns = ["variant", "map", "phi1_deg", "phi2_deg", "relative_meV", "hole"]

    init(_ r: CSVRecord) throws {
        variant = try r.requiredString("variant")
        n = try r.optionalInt("n")
        seed = try r.optionalInt("seed")
        map = try r.requiredString("map")
        dihedral1 = r.optionalString("dihedral_1") ?? ""
        dihedral2 = r.optionalString("dihedral_2") ?? ""
        held = r.optionalString("held") ?? ""
        phi1 = try r.double("phi1_deg")
        phi2 = try r.double("phi2_deg")
        relative = try r.optionalDouble("relative_meV")
        hole = try r.int("hole") == 1
    }
}

/// One map's summary: a row of `analysis/torsion_map_metrics.csv` (``TorsionMapMetrics``).
public struct TorsionMapMetric: Equatable, Sendable {
    public var variant: String
    public var n: Int?
    public var seed: Int?
    public var map: String
    public var dihedral1: String
    public var dihedral2: String
    public var held: String
    public var points: Int?
    public var holes: Int?
    public var unconverged: Int?
    public var maxHeldResidual: Double?
    /// meV.
    public var energyRange: Double?
    public var minimumPhi1: Double?
    public var minimumPhi2: Double?
    public var minima: Int?
    public var normalisedRoughness: Double?

    static let requiredColumns = ["variant", "map"]

    init(_ r: CSVRecord) throws {
        variant = try r.requiredString("variant")
        n = try r.optionalInt("n")
        seed = try r.optionalInt("seed")
        map = try r.requiredString("map")
        dihedral1 = r.optionalString("dihedral_1") ?? ""
        dihedral2 = r.optionalString("dihedral_2") ?? ""
        held = r.optionalString("held") ?? ""
        points = try r.optionalInt("points")
        holes = try r.optionalInt("hole_points")
        unconverged = try r.optionalInt("unconverged_points")
        maxHeldResidual = try r.optionalDouble("max_held_residual_deg")
        energyRange = try r.optionalDouble("energy_range_meV")
        minimumPhi1 = try r.optionalDouble("minimum_phi1_deg")
        minimumPhi2 = try r.optionalDouble("minimum_phi2_deg")
        minima = try r.optionalInt("minima")
        normalisedRoughness = try r.optionalDouble("normalised_roughness")
    }
}

/// A heat map with what it shows.
public struct HeatMapFigure: Sendable {
    public var chart: SVGHeatMap
    public var caption: String
}

extension Report {
    /// "C13-O5-C1-C0 × O5-C13-C14-C17 (held C14-C13-O5-C1=180.0)".
    static func mapTitle(_ d1: String, _ d2: String, held: String) -> String {
        "\(d1) × \(d2)" + (held.isEmpty ? "" : " (held \(held))")
    }

    /// The map metrics of the figure N, one row per map, variant, N and seed.
    func torsionMapTableHTML() -> String {
        guard let metrics = data.torsionMapMetrics, !metrics.isEmpty else { return "" }
        let sizes = figureSizes(available: metrics.compactMap(\.n))
        let rows = metrics.filter { $0.n.map(sizes.contains) ?? true }
        var s = "<h3>Relaxed 2-D torsion maps</h3>\n<p>Each grid point holds both dihedrals (and any held one) exactly and relaxes "
            + "every other coordinate with the model, started from its left and lower neighbours and then again from any lower "
            + "neighbour; a dihedral held without a stated angle sits at each model's own minimised value (given in the Map "
            + "column), so maps of models whose minima differ are at different angles. A hole is a point whose relaxations all broke "
            + "the molecule (a bond formed or broken, or a non-bonded contact below 1.5 × the covalent-radius sum). Range and "
            + "minima over intact points; minima are lower than all 8 grid neighbours; roughness is the RMS second difference "
            + "per grid step over the range (0 for a plane).</p>\n"
        s += "<table>\n<thead><tr><th>Map</th><th>Variant</th><th>N</th><th>Seed</th><th>Points</th><th>Range (meV)</th>"
            + "<th>Minimum at (°, °)</th><th>Local minima</th><th>Holes</th><th>Not converged</th><th>Normalised roughness</th></tr></thead>\n<tbody>\n"
        func int(_ x: Int?) -> String { x.map(String.init) ?? "–" }
        for r in rows {
            var at = "–"
            if let p1 = r.minimumPhi1, let p2 = r.minimumPhi2 { at = String(format: "%.0f, %.0f", p1, p2) }
            s += "<tr><th>\(xmlEscaped(Self.mapTitle(r.dihedral1, r.dihedral2, held: r.held)))</th><td>\(xmlEscaped(r.variant))</td>"
                + "<td class=\"num\">\(int(r.n))</td><td class=\"num\">\(int(r.seed))</td><td class=\"num\">\(int(r.points))</td>"
                + "<td class=\"num\">\(Report.number(r.energyRange, 0))</td><td class=\"num\">\(at)</td>"
                + "<td class=\"num\">\(int(r.minima))</td><td class=\"num\">\(int(r.holes))</td><td class=\"num\">\(int(r.unconverged))</td>"
                + "<td class=\"num\">\(Report.number(r.normalisedRoughness, 3, significant: true))</td></tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// One heat map per map, N (the figure sizes) and variant (the figure seed), energies
    /// relative to each map's lowest intact point on one colour scale per map and N: up to
    /// the largest range among the variants, at most 1.5 eV.
    public func torsionMapFigures() -> [HeatMapFigure] {
        guard let points = data.torsionMaps, !points.isEmpty else { return [] }
        let maps = points.map(\.map).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var figures: [HeatMapFigure] = []
        for map in maps {
            let rows = points.filter { $0.map == map }
            for n in figureSizes(available: rows.compactMap(\.n)) {
                var grids: [(variant: String, seed: Int?, x: [Double], y: [Double], values: [[Double?]], first: TorsionMapPoint)] = []
                for v in variants {
                    let curve = rows.filter { $0.variant == v && $0.n == n }
                    guard !curve.isEmpty else { continue }
                    let seed = figureSeed(curve.map(\.seed))
                    let shown = curve.filter { $0.seed == seed }
                    let x = Set(shown.map(\.phi1)).sorted(), y = Set(shown.map(\.phi2)).sorted()
                    var values = [[Double?]](repeating: [Double?](repeating: nil, count: y.count), count: x.count)
                    for p in shown where !p.hole {
                        values[x.firstIndex(of: p.phi1)!][y.firstIndex(of: p.phi2)!] = p.relative
                    }
                    grids.append((v, seed, x, y, values, shown[0]))
                }
                let largest = grids.flatMap { $0.values.flatMap { $0.compactMap { $0 } } }.max() ?? 0
                let cap = max(1, min(1500, largest))
                for g in grids {
                    let holes = g.values.flatMap { $0 }.filter { $0 == nil }.count
                    let title = "\(g.variant), N = \(n)" + (g.seed.map { ", seed \($0)" } ?? "")
                    let chart = SVGHeatMap(title: title, xLabel: "φ₁ \(g.first.dihedral1) (°)", yLabel: "φ₂ \(g.first.dihedral2) (°)",
                                           x: g.x, y: g.y, values: g.values, cap: cap, unit: "meV")
                    figures.append(HeatMapFigure(
                        chart: chart,
                        caption: "Relaxed torsion map \(Self.mapTitle(g.first.dihedral1, g.first.dihedral2, held: g.first.held)), "
                            + "\(g.variant), N = \(n): energy above the map's lowest intact point, colours 0–\(String(format: "%.0f", cap)) meV"
                            + (largest > cap ? " (higher points in the top colour)" : "")
                            + (holes > 0 ? "; \(holes) grey crossed cells are holes of the model" : "; no holes") + "."))
                }
            }
        }
        return figures
    }
}
