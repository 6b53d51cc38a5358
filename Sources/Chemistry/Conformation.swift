/// A periodic cell: three lattice vectors (rows, Å) and which of them are periodic.
public struct Cell: Equatable, Sendable, Codable {
    /// Lattice vectors a, b, c in Å.
    public var vectors: [SIMD3<Double>]
    /// Periodicity along a, b, c (ASE's `pbc`).
    public var periodic: [Bool]

    public init(vectors: [SIMD3<Double>], periodic: [Bool] = [true, true, true]) {
        precondition(vectors.count == 3 && periodic.count == 3, "a cell has three vectors")
        self.vectors = vectors
        self.periodic = periodic
    }

    /// True when any direction is periodic.
    public var isPeriodic: Bool { periodic.contains(true) }

    /// Cell volume |a · (b × c)| in Å³.
    public var volume: Double {
        let (a, b, c) = (vectors[0], vectors[1], vectors[2])
        let cross = SIMD3(b.y * c.z - b.z * c.y, b.z * c.x - b.x * c.z, b.x * c.y - b.y * c.x)
        return abs((a * cross).sum())
    }
}

/// One molecular or periodic structure with its reference labels.
///
/// Units: positions in Å, energy in eV (the total energy as the source gives it, before
/// any self-energy is removed), forces in eV/Å.
public struct Conformation: Equatable, Sendable {
    /// Atomic numbers, shape (N,).
    public var atomicNumbers: [Int]
    /// Cartesian positions, shape (N,) of xyz, Å.
    public var positions: [SIMD3<Double>]
    /// The cell, for periodic structures (and for molecules whose source gives a box).
    public var cell: Cell?
    /// Total energy in eV.
    public var energy: Double
    /// Forces, shape (N,) of xyz, eV/Å; `nil` when the source has none.
    public var forces: [SIMD3<Double>]?
    /// Free-form labels from the source (extxyz `config_type`, a molecule id, …).
    public var properties: [String: String]

    public init(
        atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell? = nil,
        energy: Double, forces: [SIMD3<Double>]? = nil, properties: [String: String] = [:]
    ) {
        self.atomicNumbers = atomicNumbers
        self.positions = positions
        self.cell = cell
        self.energy = energy
        self.forces = forces
        self.properties = properties
    }

    /// Number of atoms N.
    public var atomCount: Int { atomicNumbers.count }

    /// Hill formula, e.g. "C2H6O".
    public var formula: String { Element.formula(of: atomicNumbers) }

    /// True for a periodic structure.
    public var isPeriodic: Bool { cell?.isPeriodic ?? false }

    /// Checks shapes, elements and finiteness; throws a `DataError` naming `file` and `item`.
    ///
    /// - Shapes: `positions` and `forces` (when present) have one row per atom.
    /// - Elements: every atomic number is 1…118.
    /// - Values: positions, energy and forces are finite (NaN labels are an error here:
    ///   readers mask NaN-labelled conformations out *before* building them).
    public func validate(file: String, item: String) throws {
        let n = atomicNumbers.count
        guard n > 0 else { throw DataError(file: file, item: item, "has no atoms") }
        if let bad = atomicNumbers.first(where: { Element(atomicNumber: $0) == nil }) {
            throw DataError(file: file, item: item, "unknown element with atomic number \(bad)")
        }
        guard positions.count == n else {
            throw DataError(file: file, item: item,
                            "\(positions.count) positions do not match \(n) atoms")
        }
        if let forces, forces.count != n {
            throw DataError(file: file, item: item,
                            "\(forces.count) force rows do not match \(n) atoms")
        }
        guard energy.isFinite else {
            throw DataError(file: file, item: item, "energy is not finite (\(energy))")
        }
        if positions.contains(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
            throw DataError(file: file, item: item, "positions contain NaN or infinity")
        }
        if let forces, forces.contains(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
            throw DataError(file: file, item: item, "forces contain NaN or infinity")
        }
    }
}
