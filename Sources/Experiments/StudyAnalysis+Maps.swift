// 2-D relaxed torsion maps in the analysis stage of a study (`analysis.torsion_maps`).

import Foundation
import Analysis
import Autodiff
import Chemistry
import Potentials
import Simulation

extension AnalysisSettings {
    /// One 2-D relaxed torsion map:
    ///
    ///     torsion_maps:
    ///       - dihedrals: ["13 5 1 0", "5 13 14 17"]    # φ₁ and φ₂: atoms i j k l, 0-based
    ///         hold: [{dihedral: "14 13 5 1", angle: 180}]   # held throughout (angle in
    ///                                                 # degrees; omitted: the minimum's)
    ///         step: 30                                # degrees; 360/step points per axis
    ///
    /// Each analysed refit relaxes every grid point with the dihedrals held
    /// (``RelaxedTorsionMap``, with `relax_fmax`, `relax_steps`); rows go to
    /// `analysis/torsion_maps.csv` and `analysis/torsion_map_metrics.csv` (``TorsionMapRecord``).
    public struct TorsionMapSetting: Codable, Sendable {
        public struct Held: Codable, Sendable {
            public var dihedral: String
            public var angle: Double?
        }
        public var dihedrals: [String]
        public var hold: [Held]?
        public var step: Double?
    }

    /// The four 0-based atoms of "i j k l" (spaces or commas), or a `DataError` naming `item`.
    static func dihedralAtoms(_ text: String, file: String, item: String) throws -> [Int] {
        guard let atoms = ScanBuilder.dihedralAtoms(parsing: text), atoms.allSatisfy({ $0 >= 0 }) else {
            throw DataError(file: file, item: item, "'\(text)' is not four atom indices \"i j k l\" (0-based)")
        }
        return atoms
    }

    /// Checks the shape of every map where the manifest is read (the atoms against the
    /// structure when the analysis starts: ``StudyAnalysis/mapPlans(_:)``).
    func checkMaps(file: String) throws {
        for (m, map) in (torsionMaps ?? []).enumerated() {
            let item = "analysis.torsion_maps[\(m)]"
            guard map.dihedrals.count == 2 else {
                throw DataError(file: file, item: "\(item).dihedrals", "give two dihedrals, φ₁ and φ₂")
            }
            var seen: [[Int]] = []
            for (d, text) in map.dihedrals.enumerated() {
                seen.append(try Self.dihedralAtoms(text, file: file, item: "\(item).dihedrals[\(d)]"))
            }
            for (h, held) in (map.hold ?? []).enumerated() {
                seen.append(try Self.dihedralAtoms(held.dihedral, file: file, item: "\(item).hold[\(h)].dihedral"))
                if let angle = held.angle, !(angle.isFinite && abs(angle) <= 360) {
                    throw DataError(file: file, item: "\(item).hold[\(h)].angle", "must be an angle in degrees")
                }
            }
            let bonds = seen.map { Set($0[1...2]) }
            guard Set(bonds).count == bonds.count else {
                throw DataError(file: file, item: item, "two of its dihedrals turn about the same bond")
            }
            if let step = map.step {
                let count = (360 / step).rounded()
                guard step > 0, abs(count * step - 360) < 1e-9, count >= 3, count <= 72 else {
                    throw DataError(file: file, item: "\(item).step", "must divide 360° into 3 to 72 points (e.g. 30 or 20)")
                }
            }
        }
    }
}

extension StudyAnalysis {
    /// A torsion map resolved against the analysed structure.
    struct MapPlan {
        var builder: ScanBuilder
        var first: RotatableBond
        var second: RotatableBond
        var held: [RelaxedTorsionMap.Held]
        var step: Double
    }

    /// Resolves every scan, reference path and torsion map on `structure` (cheap), so bad
    /// atoms or missing reference files are reported before a study trains anything.
    func preflight(structure: Conformation) throws {
        _ = try scanPaths(structure)
        _ = try mapPlans(structure)
    }

    /// Every `analysis.torsion_maps` entry resolved on `structure`; throws naming the entry
    /// when a dihedral's atoms are not a chain of bonds or turn about a ring bond.
    func mapPlans(_ structure: Conformation) throws -> [MapPlan] {
        guard let maps = settings.torsionMaps, !maps.isEmpty else { return [] }
        let builder = try ScanBuilder(structure, file: manifestPath, item: "analysis.frame")
        return try maps.enumerated().map { m, map in
            let item = "analysis.torsion_maps[\(m)]"
            func torsion(_ text: String, _ key: String) throws -> RotatableBond {
                try builder.torsion(try AnalysisSettings.dihedralAtoms(text, file: manifestPath, item: "\(item).\(key)"),
                                    file: manifestPath, item: "\(item).\(key)")
            }
            let held = try (map.hold ?? []).enumerated().map { h, held in
                RelaxedTorsionMap.Held(try torsion(held.dihedral, "hold[\(h)]"), angle: held.angle)
            }
            return MapPlan(builder: builder, first: try torsion(map.dihedrals[0], "dihedrals[0]"),
                           second: try torsion(map.dihedrals[1], "dihedrals[1]"), held: held, step: map.step ?? 30)
        }
    }

    /// One model's map `plan` into `part`/torsion_maps.csv and torsion_map_metrics.csv.
    func torsionMap(_ plan: MapPlan, potential: any AtomisticPotential, parameters: ParameterSet<Float>,
                    variant: String, n: Int, seed: UInt64, label: String, into part: URL) throws {
        let start = Date()
        let relaxer = RelaxedTorsionScan(calculator: PotentialCalculator(potential: potential, parameters: parameters),
                                         fmax: settings.relaxFmax ?? 0.05, maxSteps: settings.relaxSteps ?? 300)
        let map = try RelaxedTorsionMap(relaxer: relaxer).map(plan.builder, first: plan.first, second: plan.second,
                                                               held: plan.held, step: plan.step)
        try ScanCSVWriter(directory: part).append(maps: [TorsionMapRecord(map: map, variant: variant, n: n, seed: Int(seed))])
        let m = map.metrics
        log(String(format: "[analysis] %@: map %@ × %@, range %@ meV, %d minima, %d holes, %d unconverged, %.0f s", label,
                   map.firstLabel, map.secondLabel, m.energyRange.map { String(format: "%.0f", $0) } ?? "–", m.minima, m.holes,
                   m.unconverged, Date().timeIntervalSince(start)))
    }
}
