import Chemistry
import Foundation

/// Rigid scans of one molecule: torsions about rotatable bonds, bond stretches, angle bends.
///
/// Every point is the starting structure with one fragment moved rigidly; nothing else
/// changes (use `ScanPath.relaxed(with:)` for relaxed scans). Points carry
/// `energy = .nan` and `properties["scan"]`, `properties["coordinate"]`.
public struct ScanBuilder: Sendable {
    /// The starting structure (positions in Å).
    public let conformation: Conformation
    /// Its covalent graph.
    public let connectivity: Connectivity

    /// - Throws: `DataError` (naming `file`, `item`) for a periodic structure or an element
    ///   without a covalent radius.
    public init(_ conformation: Conformation, file: String = "structure", item: String? = nil) throws {
        self.conformation = conformation
        self.connectivity = try Connectivity(conformation, file: file, item: item)
    }

    /// Rotatable bonds of the structure (rule in `Connectivity.rotatableBonds`).
    public func rotatableBonds(includingTerminalRotors: Bool = true) -> [RotatableBond] {
        connectivity.rotatableBonds(positions: conformation.positions, includingTerminalRotors: includingTerminalRotors)
    }

    /// A rigid torsion scan: `bond.movingAtoms` turned about the j→k axis in steps of
    /// `step` degrees over `span` degrees.
    ///
    /// Coordinate: the dihedral i–j–k–l, φ₀ + m·step (degrees, unwrapped, so it may exceed
    /// 180), m = 0, 1, …. With `span` = 360 and a step that divides 360 the path has
    /// 360/step points and is periodic (the 360° point would repeat the first); otherwise
    /// it has ⌊span/step⌋ + 1 points and is open.
    public func torsionScan(_ bond: RotatableBond, step: Double = 5, span: Double = 360) -> ScanPath {
        precondition(step > 0 && span > 0, "step and span must be positive")
        let intervals = span / step
        let periodic = span == 360 && abs(intervals - intervals.rounded()) < 1e-9
        let count = periodic ? Int(intervals.rounded()) : Int((intervals + 1e-9).rounded(.down)) + 1
        let d = bond.dihedral
        let phi0 = conformation.dihedral(d[0], d[1], d[2], d[3])
        let name = "torsion:\(bond.bond.type):\(d.map(String.init).joined(separator: "-"))"
        var points = [Conformation](), coordinates = [Double]()
        for m in 0..<count {
            let delta = Double(m) * step
            var c = point(name: name, coordinate: phi0 + delta)
            Geometry.turn(&c.positions, bond.movingAtoms, aboutBond: bond.j, bond.k, by: delta * .pi / 180)
            points.append(c)
            coordinates.append(phi0 + delta)
        }
        return ScanPath(name: name, kind: .torsion, coordinates: coordinates, coordinateUnit: .degrees,
                        conformations: points, isPeriodic: periodic, definingAtoms: d, movingAtoms: bond.movingAtoms)
    }

    /// A rigid bond-stretch scan: one side of the bond moved along the bond so that its
    /// length runs from `from`·r₀ to `to`·r₀ (r₀ = the starting length) in steps of `step` Å.
    ///
    /// The moving side is the smaller fragment (`Connectivity.movingSide`); for a bond in a
    /// ring it is a single atom — the one with fewer neighbours, ties the higher index.
    /// Coordinate: the bond length, Å.
    public func stretchScan(_ bond: Bond, from: Double = 0.7, to: Double = 3.0, step: Double = 0.02) -> ScanPath {
        precondition(step > 0 && to > from && from > 0, "need 0 < from < to and step > 0")
        let (fixed, moving) = smallerSide(bond.i, bond.j)
        let r0 = conformation.distance(bond.i, bond.j)
        let u = (conformation.positions[moving.end] - conformation.positions[fixed]) / r0
        let count = Int(((to - from) * r0 / step + 1e-9).rounded(.down)) + 1
        let name = "stretch:\(bond.type):\(bond.i)-\(bond.j)"
        var points = [Conformation](), coordinates = [Double]()
        for m in 0..<count {
            let length = from * r0 + Double(m) * step
            var c = point(name: name, coordinate: length)
            for a in moving.atoms { c.positions[a] += u * (length - r0) }
            points.append(c)
            coordinates.append(length)
        }
        return ScanPath(name: name, kind: .stretch, coordinates: coordinates, coordinateUnit: .angstrom,
                        conformations: points, definingAtoms: [bond.i, bond.j], movingAtoms: moving.atoms)
    }

    /// A rigid angle-bend scan: one side turned about the normal of the i–j–k plane
    /// through j, so that the angle runs from `from` to `to` degrees in steps of `step`.
    ///
    /// The moving side is the smaller of the k side of j–k and the i side of j–i (a
    /// single atom when that bond is in a ring). For a (near-)linear starting angle the
    /// plane is undefined and an arbitrary normal is used. Coordinate: the angle, degrees.
    public func bendScan(_ angle: BondAngle, from: Double = 60, to: Double = 180, step: Double = 2) -> ScanPath {
        precondition(step > 0 && to > from, "need from < to and step > 0")
        let (j, pos) = (angle.j, conformation.positions)
        let sideK = connectivity.movingSide(of: j, angle.k), sideI = connectivity.movingSide(of: j, angle.i)
        // Move the k side, or the i side with the roles of i and k swapped.
        let (still, moved, atoms) = sideK.count <= sideI.count ? (angle.i, angle.k, sideK) : (angle.k, angle.i, sideI)
        let u = pos[still] - pos[j], v = pos[moved] - pos[j]
        let n = Geometry.cross(u, v)
        let normal = Geometry.norm(n) > 1e-8 * Geometry.norm(u) * Geometry.norm(v)
            ? n / Geometry.norm(n) : Geometry.perpendicular(to: u / Geometry.norm(u))
        let theta0 = conformation.angle(angle.i, j, angle.k)
        let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
        let name = "bend:\(angle.type):\(angle.i)-\(j)-\(angle.k)"
        var points = [Conformation](), coordinates = [Double]()
        for m in 0..<count {
            let theta = from + Double(m) * step
            var c = point(name: name, coordinate: theta)
            for a in atoms {
                c.positions[a] = Geometry.rotate(pos[a], about: pos[j], axis: normal, by: (theta - theta0) * .pi / 180)
            }
            points.append(c)
            coordinates.append(theta)
        }
        return ScanPath(name: name, kind: .bend, coordinates: coordinates, coordinateUnit: .degrees,
                        conformations: points, definingAtoms: [angle.i, j, angle.k], movingAtoms: atoms)
    }

    /// Torsion scans of every rotatable bond.
    public func torsionScans(step: Double = 5, includingTerminalRotors: Bool = true) -> [ScanPath] {
        rotatableBonds(includingTerminalRotors: includingTerminalRotors).map { torsionScan($0, step: step) }
    }

    /// One stretch scan per bond type (`Connectivity.representativeBonds`).
    public func stretchScans(from: Double = 0.7, to: Double = 3.0, step: Double = 0.02) -> [ScanPath] {
        connectivity.representativeBonds().map { stretchScan($0, from: from, to: to, step: step) }
    }

    /// One bend scan per angle type (`Connectivity.representativeAngles`).
    public func bendScans(from: Double = 60, to: Double = 180, step: Double = 2) -> [ScanPath] {
        connectivity.representativeAngles().map { bendScan($0, from: from, to: to, step: step) }
    }

    /// The fixed end and the moving (end, atoms) of a bond a–b: the smaller side moves.
    func smallerSide(_ a: Int, _ b: Int) -> (fixed: Int, moving: (end: Int, atoms: [Int])) {
        let sideB = connectivity.movingSide(of: a, b), sideA = connectivity.movingSide(of: b, a)
        let nA = connectivity.neighbours[a].count, nB = connectivity.neighbours[b].count
        // Ring bonds move one atom: the one with fewer neighbours (ties: the higher index).
        let moveB: Bool
        if sideB.count != sideA.count { moveB = sideB.count < sideA.count } else if nB != nA { moveB = nB < nA } else { moveB = b > a }
        if moveB { return (fixed: a, moving: (end: b, atoms: sideB)) }
        return (fixed: b, moving: (end: a, atoms: sideA))
    }

    /// The starting structure as an unlabelled scan point.
    func point(name: String, coordinate: Double) -> Conformation {
        var c = conformation
        c.energy = .nan
        c.forces = nil
        c.properties["scan"] = name
        c.properties["coordinate"] = String(coordinate)
        return c
    }
}
