import Chemistry
import Foundation

/// Reference paths from QM data files (energies only).
///
/// The acetylacetone files of the BOTNet datasets (Kovács et al., J. Chem. Theory Comput.
/// 2021, doi:10.1021/acs.jctc.1c00647; `acac/` under the data root):
/// - `test_dihedral.xyz`: a torsion scan turning the acetyl group (O3, C4 and its H) about
///   the C1–C2 bond, the other atoms adjusting slightly; the coordinate is each frame's
///   `dihedral_angle=` (degrees, 1° … 177° in 4° steps, 45 points), `.torsion`, open;
/// - `test_H_transfer.xyz`: the intramolecular proton transfer O–H···O → O···H–O,
///   15 points; the coordinate is d(donor–H) − d(acceptor–H) in Å (negative at the start,
///   positive at the end), `.protonTransfer`.
public enum ReferenceScan {
    /// The names the CLI accepts for the bundled reference scans, with their files under
    /// the data root.
    public static let named: [String: String] = [
        "acac-dihedral": "acac/test_dihedral.xyz",
        "acac-h-transfer": "acac/test_H_transfer.xyz",
    ]

    /// The acac dihedral scan at `path`: coordinate = `dihedral_angle` (degrees).
    public static func acacDihedral(path: String) throws -> ScanPath {
        try load(path: path, name: "acac-dihedral", coordinate: .property("dihedral_angle"))
    }

    /// The acac proton-transfer path at `path`: coordinate = d(donor–H) − d(acceptor–H), Å.
    public static func acacHydrogenTransfer(path: String) throws -> ScanPath {
        try load(path: path, name: "acac-h-transfer", coordinate: .protonTransfer)
    }

    /// How to read a coordinate off each frame.
    public enum CoordinateSource: Sendable {
        /// The dihedral named by each frame's `dihedral="i j k l"` (0-based atoms, the same
        /// in every frame), measured from the geometry in degrees and unwrapped along the
        /// path; a frame's `dihedral_angle`, when present, must agree with it to 0.5°.
        case dihedralAtoms
        /// A numeric comment-line key, read as degrees (a torsion scan).
        case property(String)
        /// d(donor–H) − d(acceptor–H) of the proton whose nearest heavy atom differs
        /// between the first and the last frame (donor: nearest in the first frame,
        /// acceptor: nearest in the last).
        case protonTransfer
        /// The frame index.
        case index
        /// `dihedral="i j k l"` when every frame has it, else `dihedral_angle` when every
        /// frame has it, else a proton transfer when one is found, else the index.
        case automatic
    }

    /// Reads an extended-XYZ path (one molecule, frames in path order, energies in eV).
    /// Coordinates must increase strictly (a path read backwards is reversed).
    ///
    /// - Throws: `DataError` naming the file when it cannot be read, has fewer than three
    ///   frames, mixes molecules, lacks the coordinate or has a non-monotonic coordinate.
    public static func load(path: String, name: String? = nil, coordinate: CoordinateSource = .automatic) throws -> ScanPath {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError(file: path, "file does not exist") }
        let frames = try ExtendedXYZReader().read(path: path).conformations
        guard frames.count >= 3 else { throw DataError(file: path, "a reference scan needs at least 3 frames, found \(frames.count)") }
        guard frames.allSatisfy({ $0.atomicNumbers == frames[0].atomicNumbers }) else {
            throw DataError(file: path, "frames are not one molecule (atoms differ between frames)")
        }
        let label = name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var source = coordinate
        if case .automatic = coordinate {
            if frames.allSatisfy({ $0.properties["dihedral"] != nil }) {
                source = .dihedralAtoms
            } else if frames.allSatisfy({ $0.properties["dihedral_angle"].flatMap(Double.init) != nil }) {
                source = .property("dihedral_angle")
            } else if (try? protonTransferAtoms(frames, file: path)) != nil {
                source = .protonTransfer
            } else {
                source = .index
            }
        }
        var values: [Double], kind: ScanKind, unit: CoordinateUnit, defining: [Int] = [], moving: [Int] = []
        switch source {
        case .dihedralAtoms:
            let atoms = try dihedralAtoms(frames, file: path)
            var previous: Double? = nil
            values = try frames.enumerated().map { f, c in
                let measured = c.dihedral(atoms[0], atoms[1], atoms[2], atoms[3])
                if let given = c.properties["dihedral_angle"].flatMap(Double.init),
                   abs(Geometry.wrapDegrees(given - measured)) > 0.5 {
                    throw DataError(file: path, item: "frame \(f)",
                                    "dihedral_angle=\(given) but the atoms \(atoms.map(String.init).joined(separator: " ")) make \(String(format: "%.3f", measured))°")
                }
                let unwrapped = previous.map { $0 + Geometry.wrapDegrees(measured - $0) } ?? measured
                previous = unwrapped
                return unwrapped
            }
            let connectivity = try Connectivity(frames[0], file: path, item: "frame 0")
            guard connectivity.bond(atoms[1], atoms[2]) != nil else {
                throw DataError(file: path, item: "frame 0", "dihedral atoms \(atoms[1]) and \(atoms[2]) are not bonded")
            }
            (kind, unit, defining) = (.torsion, .degrees, atoms)
            moving = connectivity.movingSide(of: atoms[1], atoms[2])
        case .property(let key):
            values = try frames.enumerated().map { f, c in
                guard let v = c.properties[key].flatMap(Double.init) else {
                    throw DataError(file: path, item: "frame \(f)", "no numeric '\(key)' in the comment line")
                }
                return v
            }
            (kind, unit) = (.torsion, .degrees)
        case .protonTransfer:
            let (donor, h, acceptor) = try protonTransferAtoms(frames, file: path)
            values = frames.map { $0.distance(donor, h) - $0.distance(acceptor, h) }
            (kind, unit, defining) = (.protonTransfer, .angstrom, [donor, h, acceptor])
        case .index, .automatic:
            values = frames.indices.map(Double.init)
            (kind, unit) = (.path, .index)
        }
        var ordered = frames
        if let first = values.first, let last = values.last, last < first {
            values.reverse()
            ordered.reverse()
        }
        if let bad = values.indices.dropLast().first(where: { values[$0 + 1] <= values[$0] }) {
            throw DataError(file: path, item: "frame \(bad + 1)",
                            "the scan coordinate does not increase along the path (\(values[bad]) then \(values[bad + 1]))")
        }
        var points = ordered
        for p in points.indices {
            points[p].properties["scan"] = label
            points[p].properties["coordinate"] = String(values[p])
        }
        // A torsion on a uniform grid spanning a full turn closes on itself.
        let spacing = values.count > 1 ? (values[values.count - 1] - values[0]) / Double(values.count - 1) : 0
        let periodic = kind == .torsion && ScanMetrics.isUniform(values)
            && abs(spacing * Double(values.count) - 360) < 1e-3
        return ScanPath(name: label, kind: kind, coordinates: values, coordinateUnit: unit, conformations: points,
                        isPeriodic: periodic, definingAtoms: defining, movingAtoms: moving,
                        referenceEnergies: ordered.map(\.energy), mode: .given)
    }

    /// The four atoms of every frame's `dihedral="i j k l"`: 0-based, distinct, in range and
    /// the same in every frame.
    static func dihedralAtoms(_ frames: [Conformation], file: String) throws -> [Int] {
        var atoms: [Int]? = nil
        for (f, c) in frames.enumerated() {
            let text = c.properties["dihedral"] ?? ""
            guard let values = ScanBuilder.dihedralAtoms(parsing: text) else {
                throw DataError(file: file, item: "frame \(f)", "dihedral=\"\(text)\" is not four atom indices \"i j k l\"")
            }
            guard values.allSatisfy({ (0..<c.atomCount).contains($0) }), Set(values).count == 4 else {
                throw DataError(file: file, item: "frame \(f)",
                                "dihedral=\"\(text)\" needs four different 0-based atom indices below \(c.atomCount)")
            }
            if let atoms, atoms != values {
                throw DataError(file: file, item: "frame \(f)", "dihedral=\"\(text)\" differs from the first frame's")
            }
            atoms = values
        }
        return atoms!
    }

    /// Writes `path` as a reference-scan file that ``load(path:name:coordinate:)`` reads
    /// back: one extended-XYZ frame per point with `scan=`, `mode=`, for torsions
    /// `dihedral="i j k l"` and `dihedral_angle=` (degrees), and `energy=` (eV) from
    /// `referenceEnergies` when the path has them. `modelEnergies` (eV), when given, are
    /// written as `model_energy=` — a key the readers never take for a reference. So a
    /// relaxed scan written here can be recomputed with a QM code, given `energy=` values,
    /// and read back as a reference for the same geometries.
    public static func write(_ path: ScanPath, modelEnergies: [Double]? = nil, to file: String) throws {
        func number(_ x: Double) -> String { String(format: "%.10f", x) }
        var text = ""
        for (p, c) in path.conformations.enumerated() {
            var comment = "Properties=species:S:1:pos:R:3 scan=\(path.name) mode=\(path.mode.rawValue)"
            if path.kind == .torsion, path.definingAtoms.count == 4 {
                comment += " dihedral=\"\(path.definingAtoms.map(String.init).joined(separator: " "))\""
                comment += " dihedral_angle=\(number(Geometry.wrapDegrees(path.coordinates[p])))"
            } else {
                comment += " coordinate=\(number(path.coordinates[p]))"
            }
            if let e = path.referenceEnergies?[p] { comment += " energy=\(number(e))" }
            if let e = modelEnergies?[p] { comment += " model_energy=\(number(e))" }
            text += "\(c.atomCount)\n\(comment) pbc=\"F F F\"\n"
            for (a, z) in c.atomicNumbers.enumerated() {
                let r = c.positions[a]
                text += Element.symbol(for: z) + " " + [r.x, r.y, r.z].map { String(format: "%.10f", $0) }.joined(separator: " ") + "\n"
            }
        }
        do {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            throw DataError(file: file, "cannot write the scan file (\(error.localizedDescription))")
        }
    }

    /// (donor, proton, acceptor) of a proton-transfer path.
    static func protonTransferAtoms(_ frames: [Conformation], file: String) throws -> (Int, Int, Int) {
        func nearestHeavy(_ c: Conformation, _ h: Int) -> Int? {
            c.atomicNumbers.indices.filter { c.atomicNumbers[$0] > 1 }.min { c.distance($0, h) < c.distance($1, h) }
        }
        let first = frames[0], last = frames[frames.count - 1]
        for h in first.atomicNumbers.indices where first.atomicNumbers[h] == 1 {
            if let donor = nearestHeavy(first, h), let acceptor = nearestHeavy(last, h), donor != acceptor {
                return (donor, h, acceptor)
            }
        }
        throw DataError(file: file, "no proton changes its nearest heavy atom between the first and last frames")
    }
}
