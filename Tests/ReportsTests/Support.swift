import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import _TestSupport

/// The committed fixture: a reduced real run (manifest, results, summary, pretraining
/// summaries, two refit files), copied into a fresh temporary directory per test.
enum Fixture {
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/lt3bpa-reduced")

    /// Unit records (curves, test predictions) for the fixture run: pretraining curves of reptile
    /// (meta) and multitask (epochs); refit curves and test predictions of reptile and scratch at
    /// N = 10 and 450, seed 0 (3 test conformations of 27 atoms each).
    static let unitRecords = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/unit-records")

    /// A writable copy of the fixture run directory, optionally with synthetic analysis files
    /// and with the unit records of ``unitRecords`` merged in.
    static func runDirectory(withAnalysis: Bool = false, withUnits: Bool = false, withMaps: Bool = false) throws -> URL {
        let root = try SharedData.temporaryDirectory("reports")
        let run = root.appendingPathComponent("lt3bpa-reduced")
        try FileManager.default.copyItem(at: source, to: run)
        if withAnalysis { try Analysis.write(into: run) }
        if withUnits { try merge(unitRecords, into: run) }
        if withMaps { try Analysis.writeMapsAndTimeSteps(into: run) }
        return run
    }

    /// Copies every file below `source` to the same relative path below `target`.
    static func merge(_ source: URL, into target: URL) throws {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: source.path) else { return }
        for case let relative as String in walker {
            var isDirectory: ObjCBool = false
            let from = source.appendingPathComponent(relative)
            guard fm.fileExists(atPath: from.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let to = target.appendingPathComponent(relative)
            try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            if fm.fileExists(atPath: to.path) { try fm.removeItem(at: to) }
            try fm.copyItem(at: from, to: to)
        }
    }

    /// A committees.csv for the fixture (two committees of N = 450); ``Analysis/write(into:)`` adds it.
    static let committeesCSV = """
        committee,n,members,energy_rmse_meV,energy_mae_meV,energy_per_atom_rmse_meV,force_rmse_meV_per_A,force_mae_meV_per_A,member_energy_rmse_meV,member_force_rmse_meV_per_A
        reptile,450,2,20.1,15.0,0.74,46.8,33.0,20.5,48.5
        all-variants,450,8,21.1,16.0,0.78,41.2,29.0,22.2,47.8

        """

    /// Removes the temporary folder holding a run directory from ``runDirectory(withAnalysis:)``
    /// (and any export written beside it).
    static func remove(_ run: URL) {
        try? FileManager.default.removeItem(at: run.deletingLastPathComponent())
    }
}

/// Synthetic `analysis/*.csv` files (and a committees.csv) in the agreed schemas, for the fixture's variants.
enum Analysis {
    static let variants = ["reptile", "multitask", "single-level", "scratch"]
    static let sizes = [10, 50, 450]
    static let seeds = [0, 1]
    /// Two scans; the torsion's name contains a comma, so it is quoted in the CSV.
    static let scans = [("torsion, C1-C2-N3-C4", "torsion", "deg"), ("stretch-C1-C2", "stretch", "Å")]
    static let points = 12

    static func write(into run: URL) throws {
        try Fixture.committeesCSV.write(to: run.appendingPathComponent("committees.csv"), atomically: true, encoding: .utf8)
        let dir = run.appendingPathComponent("analysis")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func quoted(_ s: String) -> String { s.contains(",") ? "\"\(s)\"" : s }
        func coordinate(_ kind: String, _ i: Int) -> Double { kind == "torsion" ? -180 + 30 * Double(i) : 1.2 + 0.05 * Double(i) }
        func reference(_ kind: String, _ i: Int) -> Double {
            kind == "torsion" ? -100 + 0.05 * cos(Double(i) * .pi / 6) : -100 + 2 * pow(Double(i - 4) * 0.05, 2)
        }

        var scans = "scan,scan_kind,variant,n,seed,point,coordinate,coordinate_unit,energy_eV,reference_energy_eV,minus_dE_ds,force_along_path\n"
        var metrics = "scan,scan_kind,variant,n,seed,points,roughness,high_frequency_share,extrema,reference_extrema,spurious_extrema,consistency_rmse,reference_rmse_meV,energy_range_meV\n"
        for (scan, kind, unit) in Analysis.scans {
            for i in 0..<points {
                scans += "\(quoted(scan)),\(kind),reference,,,\(i),\(coordinate(kind, i)),\(unit),\(reference(kind, i)),\(reference(kind, i)),,\n"
            }
            metrics += "\(quoted(scan)),\(kind),reference,,,\(points),0.001,0.01,2,2,0,,,100\n"
            for (vi, v) in variants.enumerated() {
                for n in sizes {
                    for seed in seeds {
                        let noise = 0.002 * Double(vi + 1) / Double(n).squareRoot()
                        for i in 0..<points {
                            let e = reference(kind, i) + noise * sin(Double(i * (seed + 2)))
                            scans += "\(quoted(scan)),\(kind),\(v),\(n),\(seed),\(i),\(coordinate(kind, i)),\(unit),\(e),\(reference(kind, i)),0.1,0.1\n"
                        }
                        let rmse = n == 10 && seed == 1 ? "" : "\(noise * 700)"
                        metrics += "\(quoted(scan)),\(kind),\(v),\(n),\(seed),\(points),\(noise * 10),0.2,\(2 + vi),2,\(vi),0.01,\(rmse),110\n"
                    }
                }
            }
        }
        var md = "variant,n,seed,ensemble,time_fs,potential_eV,kinetic_eV,total_eV,temperature_K\n"
        var mdMetrics = "variant,n,seed,ensemble,temperature_K,steps,dt_fs,drift_meV_per_atom_per_ps,stable_time_fs,stable,max_bond_stretch\n"
        for (vi, v) in variants.enumerated() {
            for n in sizes {
                for seed in seeds {
                    for ensemble in ["NVE", "NVT"] {
                        for step in 0..<40 {
                            let t = Double(step) * 0.5
                            let total = -100 + 0.0001 * Double(vi + 1) * t
                            md += "\(v),\(n),\(seed),\(ensemble),\(t),\(total - 1),1,\(total),300\n"
                        }
                        let stable = vi == 3 && n == 10 ? "false" : "true"
                        mdMetrics += "\(v),\(n),\(seed),\(ensemble),300,40,0.5,\(0.1 * Double(vi + 1)),\(stable == "true" ? 20 : 7.5),\(stable),1.1\n"
                    }
                }
            }
        }
        for (name, text) in [("scans.csv", scans), ("scan_metrics.csv", metrics), ("md.csv", md), ("md_metrics.csv", mdMetrics)] {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }
}

extension Analysis {
    /// A 6 × 6 torsion map per variant, N and seed (30° … 330°, E = 0.1 cos φ₁ + 0.05 cos 2φ₂ eV,
    /// scratch with a hole at (0°, 0°)), and NVE runs at 0.25 and 1 fs beside the 0.5 fs ones:
    /// reptile conserves energy at every step, multitask drifts 3 meV/atom/ps at 1 fs, scratch
    /// becomes unphysical at 1 fs, single-level drifts 2 meV/atom/ps already at 0.25 fs.
    static func writeMapsAndTimeSteps(into run: URL) throws {
        let dir = run.appendingPathComponent("analysis")
        var points = "variant,n,seed,map,dihedral_1,dihedral_2,held,phi1_deg,phi2_deg,energy_eV,relative_meV,hole,held_residual_deg,relax_fmax,relax_steps,relax_converged,candidates,clashing_candidates\n"
        var metrics = "variant,n,seed,map,dihedral_1,dihedral_2,held,step_deg,points,hole_points,unconverged_points,max_held_residual_deg,energy_range_meV,minimum_phi1_deg,minimum_phi2_deg,minima,normalised_roughness\n"
        let key = "map:13-5-1-0:5-13-14-17,C13-O5-C1-C0,O5-C13-C14-C17,C14-C13-O5-C1=180.0"
        for v in variants {
            for n in sizes {
                for seed in seeds {
                    for a in 0..<6 {
                        for b in 0..<6 {
                            let (p1, p2) = (Double(a) * 60 - 150, Double(b) * 60 - 150)
                            let e = 0.1 * cos(p1 * .pi / 180) + 0.05 * cos(2 * p2 * .pi / 180)
                            let hole = v == "scratch" && a == 2 && b == 2
                            points += "\(v),\(n),\(seed),\(key),\(p1),\(p2),\(e - 100),\((e + 0.15) * 1000),\(hole ? 1 : 0),1e-12,0.04,20,1,2,\(hole ? 2 : 0)\n"
                        }
                    }
                    metrics += "\(v),\(n),\(seed),\(key),60,36,\(v == "scratch" ? 1 : 0),0,1e-12,300,-150,-90,2,0.2\n"
                }
            }
        }
        try points.write(to: dir.appendingPathComponent("torsion_maps.csv"), atomically: true, encoding: .utf8)
        try metrics.write(to: dir.appendingPathComponent("torsion_map_metrics.csv"), atomically: true, encoding: .utf8)
        var md = try String(contentsOf: dir.appendingPathComponent("md_metrics.csv"), encoding: .utf8)
        let drifts: [String: (Double, Double, Bool)] = ["reptile": (0.05, 0.4, true), "multitask": (0.1, 3, true),
                                                        "single-level": (2, 4, true), "scratch": (0.1, 0.8, false)]
        for v in variants {
            let (small, large, stable) = drifts[v]!
            for n in sizes {
                for seed in seeds {
                    md += "\(v),\(n),\(seed),NVE,300,80,0.25,\(small),20,true,1.05\n"
                    md += "\(v),\(n),\(seed),NVE,300,20,1.0,\(large),\(stable ? 20 : 5),\(stable),\(stable ? 1.1 : 1.8)\n"
                }
            }
        }
        try md.write(to: dir.appendingPathComponent("md_metrics.csv"), atomically: true, encoding: .utf8)
    }
}

/// Parses XML with Foundation's XMLParser and counts elements and `class` attributes.
final class XMLCheck: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var classes: [String: Int] = [:]
    var error: String?

    static func parse(_ text: String) -> XMLCheck {
        let check = XMLCheck()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = check
        if !parser.parse() {
            check.error = check.error ?? parser.parserError.map { "\($0)" } ?? "unknown parse error"
            check.error! += " (line \(parser.lineNumber), column \(parser.columnNumber))"
        }
        return check
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements[elementName, default: 0] += 1
        if let c = attributeDict["class"] { classes[c, default: 0] += 1 }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        error = "\(parseError)"
    }
}

extension String {
    func occurrences(of needle: String) -> Int { components(separatedBy: needle).count - 1 }
}
