import Chemistry
import Foundation

/// A covalent bond between atoms `i < j`.
public struct Bond: Hashable, Sendable, CustomStringConvertible {
    /// The lower atom index.
    public var i: Int
    /// The higher atom index.
    public var j: Int
    /// The bond type: the two element symbols sorted alphabetically and joined by "-"
    /// ("C-H", "C-O", "H-N").
    public var type: String

    public var description: String { "\(type) \(i)-\(j)" }
}

/// A bond angle i–j–k with centre `j` and ends `i < k`.
public struct BondAngle: Hashable, Sendable, CustomStringConvertible {
    public var i: Int
    /// The central atom.
    public var j: Int
    public var k: Int
    /// The angle type: end symbols sorted alphabetically around the centre ("H-C-H", "C-O-C").
    public var type: String

    public var description: String { "\(type) \(i)-\(j)-\(k)" }
}

/// The covalent graph of one molecule, from distances and covalent radii.
///
/// Atoms `a`, `b` are bonded when |r_a − r_b| < `tolerance` × (r_cov(a) + r_cov(b)), with the
/// Cordero 2008 radii of `CovalentRadii` and the default tolerance 1.2. Periodic images are
/// not considered: the structure must be a molecule (a non-periodic conformation).
public struct Connectivity: Sendable {
    /// Atomic numbers, shape (N,).
    public let atomicNumbers: [Int]
    /// Bonds sorted by (i, j).
    public let bonds: [Bond]
    /// Bonded neighbours of each atom, ascending, shape (N,) of lists.
    public let neighbours: [[Int]]
    /// Every bond angle i–j–k (i < k both bonded to j), sorted by (j, i, k).
    public let angles: [BondAngle]

    /// The graph of `conformation`; `file` names the source in errors.
    /// - Throws: `DataError` for a periodic structure or an element without a radius (Z > 96).
    public init(_ conformation: Conformation, tolerance: Double = 1.2, file: String = "structure",
                item: String? = nil) throws {
        guard !conformation.isPeriodic else {
            throw DataError(file: file, item: item, "scans need a molecule; this structure is periodic")
        }
        let z = conformation.atomicNumbers, r = conformation.positions
        var radii = [Double]()
        for (a, number) in z.enumerated() {
            guard let radius = CovalentRadii.radius(of: number) else {
                throw DataError(file: file, item: item, "atom \(a): no covalent radius for Z = \(number)")
            }
            radii.append(radius)
        }
        var bonds = [Bond](), neighbours = [[Int]](repeating: [], count: z.count)
        for a in 0..<z.count {
            for b in (a + 1)..<z.count where Geometry.norm(r[a] - r[b]) < tolerance * (radii[a] + radii[b]) {
                bonds.append(Bond(i: a, j: b, type: Self.typeName([z[a], z[b]])))
                neighbours[a].append(b)
                neighbours[b].append(a)
            }
        }
        var angles = [BondAngle]()
        for j in 0..<z.count {
            let n = neighbours[j]
            for x in 0..<n.count {
                for y in (x + 1)..<n.count {
                    let (i, k) = (n[x], n[y])
                    let ends = [Element.symbol(for: z[i]), Element.symbol(for: z[k])].sorted()
                    angles.append(BondAngle(i: i, j: j, k: k, type: "\(ends[0])-\(Element.symbol(for: z[j]))-\(ends[1])"))
                }
            }
        }
        self.atomicNumbers = z
        self.bonds = bonds
        self.neighbours = neighbours
        self.angles = angles
    }

    /// "C-H" for [6, 1]: symbols sorted alphabetically, joined by "-".
    static func typeName(_ numbers: [Int]) -> String {
        numbers.map { Element.symbol(for: $0) }.sorted().joined(separator: "-")
    }

    /// Number of atoms N.
    public var atomCount: Int { atomicNumbers.count }

    /// The bond between `a` and `b`, if any.
    public func bond(_ a: Int, _ b: Int) -> Bond? {
        let (i, j) = (min(a, b), max(a, b))
        return bonds.first { $0.i == i && $0.j == j }
    }

    /// The bond types present, in order of first appearance in `bonds`.
    public var bondTypes: [String] {
        var seen = Set<String>()
        return bonds.compactMap { seen.insert($0.type).inserted ? $0.type : nil }
    }

    /// One bond per bond type: the first bond (lowest (i, j)) of each type, in order of
    /// first appearance. These are the bonds `ScanBuilder.stretchScans` scans.
    public func representativeBonds() -> [Bond] {
        var seen = Set<String>()
        return bonds.filter { seen.insert($0.type).inserted }
    }

    /// One angle per angle type: the first angle of each type in `angles`.
    public func representativeAngles() -> [BondAngle] {
        var seen = Set<String>()
        return angles.filter { seen.insert($0.type).inserted }
    }

    /// The atoms reachable from `start` without crossing the bond `start`–`blocked`,
    /// ascending; it contains `blocked` exactly when the bond lies in a ring.
    public func fragment(from start: Int, notCrossing blocked: Int) -> [Int] {
        var seen = [Bool](repeating: false, count: atomCount)
        var stack = [start]
        seen[start] = true
        while let a = stack.popLast() {
            for b in neighbours[a] where !seen[b] && !(a == start && b == blocked) {
                seen[b] = true
                stack.append(b)
            }
        }
        return seen.indices.filter { seen[$0] }
    }

    /// True when the bond lies in a ring (its ends stay connected without it).
    public func isInRing(_ bond: Bond) -> Bool {
        fragment(from: bond.j, notCrossing: bond.i).contains(bond.i)
    }

    /// True when `atom` has exactly two neighbours at more than 170° (sp centres: triple
    /// bonds, cumulenes, nitriles), about which a torsion is undefined.
    public func isLinear(_ atom: Int, positions: [SIMD3<Double>]) -> Bool {
        let n = neighbours[atom]
        guard n.count == 2 else { return false }
        return Geometry.angle(positions[n[0]], positions[atom], positions[n[1]]) > 170 * .pi / 180
    }
}
