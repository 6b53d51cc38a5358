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
        /// A numeric comment-line key, read as degrees (a torsion scan).
        case property(String)
        /// d(donor–H) − d(acceptor–H) of the proton whose nearest heavy atom differs
        /// between the first and the last frame (donor: nearest in the first frame,
        /// acceptor: nearest in the last).
        case protonTransfer
        /// The frame index.
        case index
        /// `dihedral_angle` when every frame has it, else a proton transfer when one is
        /// found, else the index.
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
            if frames.allSatisfy({ $0.properties["dihedral_angle"].flatMap(Double.init) != nil }) {
                source = .property("dihedral_angle")
            } else if (try? protonTransferAtoms(frames, file: path)) != nil {
                source = .protonTransfer
            } else {
                source = .index
            }
        }
        var values: [Double], kind: ScanKind, unit: CoordinateUnit, defining: [Int] = []
        switch source {
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
        return ScanPath(name: label, kind: kind, coordinates: values, coordinateUnit: unit, conformations: points,
                        definingAtoms: defining, referenceEnergies: ordered.map(\.energy))
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
