import Chemistry
import Foundation

/// What a scan varies.
public enum ScanKind: String, Sendable, CaseIterable, Codable {
    /// Rotation of a fragment about a bond; coordinate = dihedral, degrees.
    case torsion
    /// Displacement of a fragment along a bond; coordinate = bond length, Å.
    case stretch
    /// Rotation of a fragment in an angle's plane; coordinate = bond angle, degrees.
    case bend
    /// A proton moving between two heavy atoms; coordinate = d(donor–H) − d(acceptor–H), Å.
    case protonTransfer = "proton_transfer"
    /// Any other ordered path; coordinate = point index.
    case path
}

/// The unit of a scan coordinate as written in CSV files, and the path parameter s used
/// for derivatives: degrees become radians, Å and indices stay as they are.
public enum CoordinateUnit: String, Sendable, Codable {
    case degrees = "deg"
    case angstrom = "angstrom"
    case index = "index"

    /// s = coordinate × `pathParameterScale` (π/180 for degrees, else 1).
    public var pathParameterScale: Double { self == .degrees ? .pi / 180 : 1 }

    /// The unit of s: "rad", "angstrom" or "index". Derivatives along the path are per
    /// this unit (−dE/ds in eV/rad, eV/Å or eV per point).
    public var pathParameterUnit: String { self == .degrees ? "rad" : rawValue }
}

/// How the points of a scan were made.
public enum ScanMode: String, Sendable, Codable, CaseIterable {
    /// One fragment moved rigidly from the starting structure; nothing else changes.
    /// Non-bonded atoms may clash (see ``ContactCheck``).
    case rigid
    /// The scan coordinate held exactly and every other degree of freedom relaxed with the
    /// model (``RelaxedTorsionScan``).
    case relaxed
    /// Geometries as given in a file (reference scans).
    case given
}

/// How the relaxation of one relaxed-scan point ended.
public struct PointRelaxation: Sendable, Equatable {
    /// Largest deviation of a held coordinate from its target after relaxing, degrees.
    public var heldResidual: Double
    /// Largest force norm left after projecting out the held coordinates, eV/Å.
    public var fmax: Double
    /// Optimiser steps taken.
    public var steps: Int
    /// Whether `fmax` fell below the threshold within the allowed steps.
    public var converged: Bool
    /// Relaxations tried for this point (the forward and backward sweeps), and how many of
    /// them ended in a clash: the model has a hole there (see ``RelaxedTorsionScan``).
    public var candidates: Int
    public var clashingCandidates: Int

    public init(heldResidual: Double, fmax: Double, steps: Int, converged: Bool, candidates: Int = 1, clashingCandidates: Int = 0) {
        self.heldResidual = heldResidual; self.fmax = fmax; self.steps = steps; self.converged = converged
        self.candidates = candidates; self.clashingCandidates = clashingCandidates
    }
}

/// An ordered path of conformations with a scan coordinate at each point.
///
/// Shapes: `conformations`, `coordinates` and (when present) `referenceEnergies` have one
/// entry per point. Coordinates increase strictly along the path. Generated points carry
/// `energy = .nan` (no label) and no forces; reference paths carry their QM energies in
/// `referenceEnergies` (eV).
public struct ScanPath: Sendable {
    /// A CSV-safe identifier: "torsion:C-O:13-5-1-0", "stretch:C-H:0-3",
    /// "bend:C-O-C:1-5-13", "acac-dihedral", …
    public var name: String
    public var kind: ScanKind
    /// The scan coordinate at each point, in `coordinateUnit`.
    public var coordinates: [Double]
    public var coordinateUnit: CoordinateUnit
    public var conformations: [Conformation]
    /// True when the path closes on itself: the point after the last equals the first
    /// (a full 360° torsion on a uniform grid). Derivatives and spectra then wrap around.
    public var isPeriodic: Bool
    /// The atoms whose positions define the coordinate (dihedral i, j, k, l; bond j, k;
    /// angle i, j, k; donor, H, acceptor); a relaxation keeps them fixed.
    public var definingAtoms: [Int]
    /// The atoms the scan moves (empty for reference paths).
    public var movingAtoms: [Int]
    /// Reference energies in eV, when the path comes from QM data.
    public var referenceEnergies: [Double]?
    /// How the points were made.
    public var mode: ScanMode
    /// For a relaxed scan, how each point's relaxation ended (shape (n,)); else `nil`.
    public var relaxation: [PointRelaxation]?

    public init(name: String, kind: ScanKind, coordinates: [Double], coordinateUnit: CoordinateUnit,
                conformations: [Conformation], isPeriodic: Bool = false, definingAtoms: [Int] = [],
                movingAtoms: [Int] = [], referenceEnergies: [Double]? = nil, mode: ScanMode = .rigid,
                relaxation: [PointRelaxation]? = nil) {
        precondition(coordinates.count == conformations.count, "one coordinate per conformation")
        precondition(referenceEnergies.map { $0.count == coordinates.count } ?? true, "one reference energy per point")
        self.name = name
        self.kind = kind
        self.coordinates = coordinates
        self.coordinateUnit = coordinateUnit
        self.conformations = conformations
        self.isPeriodic = isPeriodic
        self.definingAtoms = definingAtoms
        self.movingAtoms = movingAtoms
        self.referenceEnergies = referenceEnergies
        self.mode = mode
        self.relaxation = relaxation
    }

    /// Number of points.
    public var count: Int { coordinates.count }

    /// The path parameter s at each point: radians for angles, Å for lengths, the index
    /// for plain paths.
    public var pathParameter: [Double] { coordinates.map { $0 * coordinateUnit.pathParameterScale } }

    /// The period of s for a periodic path (2π for a full torsion), else `nil`.
    public var period: Double? {
        guard isPeriodic, count >= 2 else { return nil }
        let s = pathParameter
        return (s[count - 1] - s[0]) * Double(count) / Double(count - 1)
    }
}
