import Chemistry
import Foundation

/// Writes frames to an extended XYZ file that ASE (`ase.io.read(path, ":")`) and
/// ``Chemistry/ExtendedXYZReader`` read, one frame at a time (appended and flushed, so a
/// crashed run keeps its frames).
///
/// Each frame is
///
///     9
///     Properties=species:S:1:pos:R:3:forces:R:3 energy=-4209.123456789 time_fs=10.5 pbc="F F F"
///     C   0.0123456789  …   (x y z in Å, then fx fy fz in eV/Å)
///
/// with `Lattice="ax ay az bx by bz cx cy cz"` and the cell's `pbc` for periodic
/// structures. Energies are in eV, positions in Å, forces in eV/Å, time in fs.
///
/// MD frames written with velocities add a `momenta:R:3` column in ASE's units (amu·Å per
/// ASE time unit τ = Å·√(amu/eV) ≈ 10.18 fs: p = m·v[Å/fs]·τ/fs), so that
/// `ase.io.read(path)` gives atoms whose `get_velocities()` and `get_kinetic_energy()` restart
/// the run in ASE, and `kinetic_energy` (eV) and `temperature` (K) on the comment line.
public final class TrajectoryWriter {
    /// The file being written.
    public let path: String
    /// Frames written so far.
    public private(set) var frameCount = 0
    private let handle: FileHandle

    /// Creates (or truncates, or with `append` extends) the file at `path`.
    ///
    /// - Throws: `DataError` when the file cannot be created or opened.
    public init(path: String, append: Bool = false) throws {
        self.path = path
        let manager = FileManager.default
        if !append || !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil) else {
                throw DataError(file: path, "cannot create trajectory file")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw DataError(file: path, "cannot open trajectory file for writing")
        }
        self.handle = handle
        if append {
            do { try handle.seekToEnd() } catch {
                throw DataError(file: path, "cannot append to trajectory file (\(error.localizedDescription))")
            }
        }
    }

    deinit { try? handle.close() }

    /// Appends one frame: `conformation`'s atoms, positions, cell, energy and (when present)
    /// forces, with extra `info` pairs (`time_fs`, `step`, …) on the comment line.
    public func write(_ conformation: Conformation, info: KeyValuePairs<String, String> = [:]) throws {
        try handle.write(contentsOf: Data(Self.frame(conformation, info: info).utf8))
        frameCount += 1
    }

    /// Appends one MD frame: as ``write(_:info:)``, with the momenta of `velocities` (Å/fs)
    /// and `masses` (amu) in ASE's units and the frame's kinetic energy and temperature.
    public func write(_ state: MolecularDynamics, info: KeyValuePairs<String, String> = [:]) throws {
        let sample = state.sample
        var pairs = Array(info).map { ($0.key, $0.value) }
        pairs += [("kinetic_energy", sample.kineticEnergy.description), ("temperature", sample.temperature.description)]
        let text = Self.frame(state.conformation, info: pairs, momenta: zip(state.velocities, state.masses).map { v, m in
            v * (m * Self.femtosecondsPerASETime)
        })
        try handle.write(contentsOf: Data(text.utf8))
        frameCount += 1
    }

    /// ASE's time unit τ = Å·√(amu/eV) in fs: 1/√(1 eV/(Å·amu) in Å/fs²) ≈ 10.1805 fs.
    public static let femtosecondsPerASETime = 1 / MDUnits.accelerationPerForcePerMass.squareRoot()

    /// One frame as extended-XYZ text (ending in a newline).
    public static func frame(_ conformation: Conformation, info: KeyValuePairs<String, String> = [:]) -> String {
        frame(conformation, info: Array(info).map { ($0.key, $0.value) }, momenta: nil)
    }

    /// One frame, with an optional `momenta` column (ASE units, shape (N,)).
    static func frame(_ conformation: Conformation, info: [(String, String)], momenta: [SIMD3<Double>]?) -> String {
        let forces = conformation.forces
        var comment = "Properties=species:S:1:pos:R:3" + (forces == nil ? "" : ":forces:R:3") + (momenta == nil ? "" : ":momenta:R:3")
        comment += " energy=" + format(conformation.energy)
        for (key, value) in info { comment += " \(key)=\(quoted(value))" }
        if let cell = conformation.cell {
            comment += " Lattice=\"" + cell.vectors.flatMap { [$0.x, $0.y, $0.z] }.map(format).joined(separator: " ") + "\""
            comment += " pbc=\"" + cell.periodic.map { $0 ? "T" : "F" }.joined(separator: " ") + "\""
        } else {
            comment += " pbc=\"F F F\""
        }
        var lines = ["\(conformation.atomCount)", comment]
        lines.reserveCapacity(conformation.atomCount + 2)
        for (a, z) in conformation.atomicNumbers.enumerated() {
            let r = conformation.positions[a]
            var row = Element.symbol(for: z).padding(toLength: 2, withPad: " ", startingAt: 0)
            row += " " + [r.x, r.y, r.z].map(format).joined(separator: " ")
            if let f = forces?[a] { row += " " + [f.x, f.y, f.z].map(format).joined(separator: " ") }
            if let p = momenta?[a] { row += " " + [p.x, p.y, p.z].map(format).joined(separator: " ") }
            lines.append(row)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Shortest text that reads back as the same Double ("%.17g" would pad); Swift's
    /// `description` round-trips exactly.
    private static func format(_ x: Double) -> String { x.description }

    /// Quotes a value that contains spaces.
    private static func quoted(_ value: String) -> String {
        value.contains(" ") ? "\"\(value)\"" : value
    }
}
