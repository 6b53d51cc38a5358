import Chemistry
import Descriptors
import Foundation

/// A covalent bond of a reference geometry: atoms i < j (or i = j through a periodic
/// image), the image shift of j (Å; zero in molecules) and the reference length (Å).
public struct Bond: Hashable, Sendable {
    public var i: Int
    public var j: Int
    /// Cartesian shift added to r_j, Å (positions are never wrapped, so it stays valid).
    public var shift: SIMD3<Double>
    /// Length in the reference geometry, Å.
    public var referenceLength: Double
}

/// The covalent bonds of a structure: pairs closer than `tolerance` × (r_i + r_j), with r
/// Cordero's covalent radii (``ElementData/covalentRadii``); tolerance 1.2 by default.
public struct BondGraph: Sendable {
    /// Atomic numbers, shape (N,).
    public let atomicNumbers: [Int]
    /// The cell the bonds were found in (`nil` for a molecule).
    public let cell: Cell?
    /// The bonds, in neighbour-list order.
    public let bonds: [Bond]

    /// The bonds of atoms `atomicNumbers` at `positions` (Å) in `cell`.
    ///
    /// - Throws: `DataError` for an element beyond Xe or non-finite positions.
    public init(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell? = nil,
                tolerance: Double = 1.2) throws {
        let radii = try atomicNumbers.enumerated().map { a, z in
            guard let r = ElementData.covalentRadius(of: z) else {
                throw DataError(file: "bonds", item: "atom \(a)", "no covalent radius for \(Element.symbol(for: z)) (tabulated for H–Xe)")
            }
            return r
        }
        let cutoff = tolerance * 2 * (radii.max() ?? 1)
        let list = try NeighbourList(positions: positions, cell: cell, cutoff: max(cutoff, 0.1), kind: .half, label: "bonds")
        var bonds: [Bond] = []
        for k in 0..<list.count {
            let i = Int(list.centers[k]), j = Int(list.neighbours[k])
            if list.distances[k] < tolerance * (radii[i] + radii[j]) {
                bonds.append(Bond(i: i, j: j, shift: list.shifts[k], referenceLength: list.distances[k]))
            }
        }
        self.atomicNumbers = atomicNumbers
        self.cell = cell
        self.bonds = bonds
    }

    /// The length of `bond` at `positions` (Å).
    public func length(of bond: Bond, positions: [SIMD3<Double>]) -> Double {
        let d = positions[bond.j] + bond.shift - positions[bond.i]
        return (d * d).sum().squareRoot()
    }

    /// The bond's type, e.g. "C-H": the two symbols in Hill order (C, then H, then
    /// alphabetical), so "C-H", "C-O", "H-O", "N-O".
    public func type(of bond: Bond) -> String {
        Self.type(atomicNumbers[bond.i], atomicNumbers[bond.j])
    }

    /// The type of a bond between elements `a` and `b`, e.g. "C-H".
    public static func type(_ a: Int, _ b: Int) -> String {
        func rank(_ z: Int) -> (Int, String) { (z == 6 ? 0 : z == 1 ? 1 : 2, Element.symbol(for: z)) }
        let (x, y) = rank(a) <= rank(b) ? (a, b) : (b, a)
        return "\(Element.symbol(for: x))-\(Element.symbol(for: y))"
    }
}

/// Why a structure is no longer physical.
public enum Instability: Equatable, Sendable, CustomStringConvertible {
    /// A bond of the starting geometry stretched to `length` > `limit` (Å).
    case brokenBond(i: Int, j: Int, length: Double, limit: Double)
    /// Two atoms (bonded or not) at `distance` < the minimum distance (Å).
    case closeContact(i: Int, j: Int, distance: Double)
    /// A position became NaN or infinite.
    case nonFinite(atom: Int)

    public var description: String {
        switch self {
        case let .brokenBond(i, j, length, limit):
            "bond \(i)-\(j) broken: \(String(format: "%.3f", length)) Å > \(String(format: "%.3f", limit)) Å"
        case let .closeContact(i, j, distance):
            "atoms \(i) and \(j) too close: \(String(format: "%.3f", distance)) Å"
        case let .nonFinite(atom):
            "atom \(atom) has a non-finite position"
        }
    }
}

/// Decides when a simulated structure has become unphysical, relative to its start.
///
/// The rule (one, fixed): bonds are the pairs of the *starting* geometry closer than
/// `bondTolerance` × (r_i + r_j) (covalent radii, Cordero 2008; 1.2). The structure is
/// unstable as soon as
/// - a starting bond is longer than `breakFactor` × (r_i + r_j) (1.5: C–H 1.61 Å,
///   C–C 2.28 Å, O–H 1.46 Å), or
/// - any two atoms, bonded or not, are closer than `minimumDistance` (0.6 Å), or
/// - a position is not finite.
/// New bonds (reactions, proton transfer) are not by themselves instabilities.
public struct StabilityDetector: Sendable {
    /// Pair distance below which two atoms count as bonded at the start, × (r_i + r_j).
    public var bondTolerance: Double
    /// Bond length beyond which a starting bond counts as broken, × (r_i + r_j).
    public var breakFactor: Double
    /// Shortest allowed distance between any two atoms, Å.
    public var minimumDistance: Double
    /// The starting bonds.
    public let bonds: BondGraph

    /// A detector for a run starting from `reference`.
    public init(reference: Conformation, bondTolerance: Double = 1.2, breakFactor: Double = 1.5,
                minimumDistance: Double = 0.6) throws {
        self.bondTolerance = bondTolerance
        self.breakFactor = breakFactor
        self.minimumDistance = minimumDistance
        bonds = try BondGraph(atomicNumbers: reference.atomicNumbers, positions: reference.positions,
                              cell: reference.cell, tolerance: bondTolerance)
    }

    /// The length (Å) beyond which `bond` counts as broken.
    public func limit(of bond: Bond) -> Double {
        breakFactor * (ElementData.covalentRadii[bonds.atomicNumbers[bond.i] - 1]
                       + ElementData.covalentRadii[bonds.atomicNumbers[bond.j] - 1])
    }

    /// The first problem with `positions` (Å), or `nil` when the structure is physical.
    ///
    /// - Throws: `DataError` only for a degenerate cell (from the neighbour list).
    public func check(_ positions: [SIMD3<Double>]) throws -> Instability? {
        if let bad = positions.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
            return .nonFinite(atom: bad)
        }
        for bond in bonds.bonds {
            let length = bonds.length(of: bond, positions: positions), limit = limit(of: bond)
            if length > limit { return .brokenBond(i: bond.i, j: bond.j, length: length, limit: limit) }
        }
        let list = try NeighbourList(positions: positions, cell: bonds.cell, cutoff: minimumDistance,
                                     kind: .half, label: "contacts")
        guard list.count > 0 else { return nil }
        return .closeContact(i: Int(list.centers[0]), j: Int(list.neighbours[0]), distance: list.distances[0])
    }
}
