import Chemistry
import Foundation

/// A relaxed 2-D torsion map (``RelaxedTorsionMap``): energies on a periodic grid of two
/// dihedrals, with each point's relaxation record.
///
/// Storage is row-major: point (a, b) — φ₁ = `firstAngles[a]`, φ₂ = `secondAngles[b]` — is
/// entry a·n₂ + b of `energies` (eV, total), `relaxation`, `broken` and `positions`.
public struct TorsionMap: Sendable {
    /// A dihedral held at one angle over the whole map.
    public struct HeldAngle: Sendable, Equatable {
        public var atoms: [Int]
        /// "C14-C13-O5-C1".
        public var label: String
        /// Degrees.
        public var angle: Double
    }

    /// Dihedral atoms of φ₁ and φ₂ (0-based).
    public var first: [Int], second: [Int]
    /// "C13-O5-C1-C0", "O5-C13-C14-C17".
    public var firstLabel: String, secondLabel: String
    public var held: [HeldAngle]
    /// Grid angles, degrees in (−180, 180], shapes (n₁,) and (n₂,).
    public var firstAngles: [Double], secondAngles: [Double]
    /// Total energies, eV, shape (n₁·n₂,).
    public var energies: [Double]
    public var relaxation: [PointRelaxation]
    /// True where every candidate broke the molecule (a hole of the model).
    public var broken: [Bool]
    /// Relaxed geometries, shape (n₁·n₂,) of (N,) xyz, Å.
    public var positions: [[SIMD3<Double>]]

    /// "map:13-5-1-0:5-13-14-17".
    public var name: String {
        "map:" + first.map(String.init).joined(separator: "-") + ":" + second.map(String.init).joined(separator: "-")
    }

    /// "C14-C13-O5-C1=120.0" for each held dihedral, joined by spaces (empty without).
    public var heldDescription: String {
        held.map { "\($0.label)=\(String(format: "%.1f", $0.angle))" }.joined(separator: " ")
    }

    /// Grid sizes n₁ and n₂.
    public var shape: (Int, Int) { (firstAngles.count, secondAngles.count) }

    /// The summary a report tabulates (see ``TorsionMapMetrics``).
    public var metrics: TorsionMapMetrics { TorsionMapMetrics(self) }
}

/// Summary of a torsion map over its intact points (holes excluded):
/// - `energyRange` = max E − min E, meV; `minimumAngles` = (φ₁, φ₂) of the lowest point;
/// - `minima`: local minima on the periodic grid, a point lower than all 8 neighbours,
///   which must be intact (next to a hole the surroundings are unknown); a smooth map of
///   3BPA's α–γ plane has a handful, a rough one many;
/// - `normalisedRoughness` = √⟨(Δ₁²E)² + (Δ₂²E)²⟩ / 2 / range over points whose four axial
///   neighbours are intact, Δᵢ²E the second difference along φᵢ per grid step: 0 for a
///   plane, ≈ (2π/n)²/4 for E = A cos φ₁ on an n × n grid, and large when the energy
///   jumps between neighbouring points;
/// - `holes`, `unconverged`, `maxHeldResidual` (degrees) from the relaxations.
public struct TorsionMapMetrics: Sendable, Equatable {
    public var points: Int
    public var holes: Int
    public var unconverged: Int
    public var maxHeldResidual: Double
    public var energyRange: Double?
    public var minimumAngles: (Double, Double)?
    public var minima: Int
    public var normalisedRoughness: Double?

    public static func == (l: Self, r: Self) -> Bool {
        l.points == r.points && l.holes == r.holes && l.unconverged == r.unconverged && l.maxHeldResidual == r.maxHeldResidual
            && l.energyRange == r.energyRange && l.minimumAngles?.0 == r.minimumAngles?.0
            && l.minimumAngles?.1 == r.minimumAngles?.1 && l.minima == r.minima && l.normalisedRoughness == r.normalisedRoughness
    }

    public init(_ map: TorsionMap) {
        let (n1, n2) = map.shape
        points = n1 * n2
        holes = map.broken.filter { $0 }.count
        unconverged = map.relaxation.filter { !$0.converged }.count
        maxHeldResidual = map.relaxation.map(\.heldResidual).max() ?? 0
        func energy(_ a: Int, _ b: Int) -> Double? {
            let k = ((a % n1 + n1) % n1) * n2 + (b % n2 + n2) % n2
            return map.broken[k] ? nil : map.energies[k]
        }
        let intact = (0..<points).filter { !map.broken[$0] }
        guard let low = intact.min(by: { map.energies[$0] < map.energies[$1] }),
              let high = intact.max(by: { map.energies[$0] < map.energies[$1] }) else {
            minima = 0
            return
        }
        let range = (map.energies[high] - map.energies[low]) * 1000
        energyRange = range
        minimumAngles = (map.firstAngles[low / n2], map.secondAngles[low % n2])
        var minima = 0, squares: [Double] = []
        for a in 0..<n1 {
            for b in 0..<n2 {
                guard let e = energy(a, b) else { continue }
                let around = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)].map { energy(a + $0.0, b + $0.1) }
                if around.allSatisfy({ $0.map { e < $0 } ?? false }) { minima += 1 }
                if let l = energy(a - 1, b), let r = energy(a + 1, b), let d = energy(a, b - 1), let u = energy(a, b + 1) {
                    let d1 = (l - 2 * e + r) * 1000, d2 = (d - 2 * e + u) * 1000
                    squares.append((d1 * d1 + d2 * d2) / 2)
                }
            }
        }
        self.minima = minima
        if !squares.isEmpty && range > 0 {
            normalisedRoughness = (squares.reduce(0, +) / Double(squares.count)).squareRoot() / range
        }
    }
}

/// The CSV tables of torsion maps, appended like the scan tables (``ScanCSVWriter``):
///
///     torsion_maps.csv
///     variant,n,seed,map,dihedral_1,dihedral_2,held,phi1_deg,phi2_deg,energy_eV,relative_meV,hole,held_residual_deg,relax_fmax,relax_steps,relax_converged,candidates,clashing_candidates
///     torsion_map_metrics.csv
///     variant,n,seed,map,dihedral_1,dihedral_2,held,step_deg,points,hole_points,unconverged_points,max_held_residual_deg,energy_range_meV,minimum_phi1_deg,minimum_phi2_deg,minima,normalised_roughness
///
/// `relative_meV` is E − min over the map's intact points; `hole` is 1 where every
/// candidate broke the molecule; `held` lists the dihedrals held fixed ("C14-C13-O5-C1=120.0").
public struct TorsionMapRecord: Sendable {
    public static let pointsHeader = "variant,n,seed,map,dihedral_1,dihedral_2,held,phi1_deg,phi2_deg,energy_eV,relative_meV,hole,held_residual_deg,relax_fmax,relax_steps,relax_converged,candidates,clashing_candidates"
    public static let metricsHeader = "variant,n,seed,map,dihedral_1,dihedral_2,held,step_deg,points,hole_points,unconverged_points,max_held_residual_deg,energy_range_meV,minimum_phi1_deg,minimum_phi2_deg,minima,normalised_roughness"

    public var map: TorsionMap
    public var variant: String
    public var n: Int?
    public var seed: Int?

    public init(map: TorsionMap, variant: String, n: Int? = nil, seed: Int? = nil) {
        self.map = map; self.variant = variant; self.n = n; self.seed = seed
    }

    var key: [String] {
        [CSV.field(variant), n.map(String.init) ?? "", seed.map(String.init) ?? "", map.name,
         map.firstLabel, map.secondLabel, CSV.field(map.heldDescription)]
    }

    public var pointRows: [String] {
        let (_, n2) = map.shape
        let low = zip(map.energies, map.broken).filter { !$0.1 }.map(\.0).min()
        return map.energies.indices.map { k in
            let r = map.relaxation[k]
            let relative = low.map { String(format: "%.3f", (map.energies[k] - $0) * 1000) } ?? ""
            return (key + [String(format: "%.2f", map.firstAngles[k / n2]), String(format: "%.2f", map.secondAngles[k % n2]),
                           String(format: "%.8f", map.energies[k]), relative, map.broken[k] ? "1" : "0",
                           String(format: "%.2e", r.heldResidual), String(format: "%.4f", r.fmax), String(r.steps),
                           r.converged ? "1" : "0", String(r.candidates), String(r.clashingCandidates)]).joined(separator: ",")
        }
    }

    public var metricsRow: String {
        let m = map.metrics
        let step = map.firstAngles.count > 1 ? Geometry.wrapDegrees(map.firstAngles[1] - map.firstAngles[0]) : 360
        func number(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "" }
        return (key + [String(format: "%g", (step + 360).truncatingRemainder(dividingBy: 360)), String(m.points),
                       String(m.holes), String(m.unconverged), String(format: "%.2e", m.maxHeldResidual),
                       number(m.energyRange, "%.3f"), number(m.minimumAngles?.0, "%.2f"), number(m.minimumAngles?.1, "%.2f"),
                       String(m.minima), number(m.normalisedRoughness, "%.5f")]).joined(separator: ",")
    }
}

extension ScanCSVWriter {
    public var torsionMapsPath: String { directory.appendingPathComponent("torsion_maps.csv").path }
    public var torsionMapMetricsPath: String { directory.appendingPathComponent("torsion_map_metrics.csv").path }

    /// Appends the rows of `records` to `torsion_maps.csv` and `torsion_map_metrics.csv`.
    public func append(maps records: [TorsionMapRecord]) throws {
        try append(lines: records.flatMap(\.pointRows), to: torsionMapsPath, header: TorsionMapRecord.pointsHeader)
        try append(lines: records.map(\.metricsRow), to: torsionMapMetricsPath, header: TorsionMapRecord.metricsHeader)
    }
}
