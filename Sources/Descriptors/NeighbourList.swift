import Chemistry

/// All pairs of atoms closer than a cutoff, including pairs through periodic images.
///
/// Entry `k` (0 ≤ k < `count`) is the pair (i, j, n) with i = `centers[k]`,
/// j = `neighbours[k]` and integer image offset n = `images[k]`. Its displacement is
///
///     r_ij = r_j + shift − r_i,   shift = n.x · a + n.y · b + n.z · c   (Å)
///
/// with a, b, c the cell's lattice vectors (rows) and r the positions *as given* (they
/// need not be wrapped into the cell). Molecules have n = 0 and shift = 0.
///
/// - Cutoff: a pair is listed iff |r_ij| < rc (strict; tested as |r_ij|² < rc²), i ≠ j or
///   n ≠ 0: an atom appears next to its own periodic images when the cell is small, and
///   the same j can appear with several n when rc exceeds half a cell height.
/// - Kinds: `.full` lists both (i, j, n) and (j, i, −n), as atom-centred descriptors and
///   message passing need; `.half` keeps exactly one of each: i < j, or i = j with n
///   lexicographically positive.
/// - Order: sorted by center, then neighbour, then n lexicographically (n.x, n.y, n.z);
///   identical for the cell-list and brute-force constructions.
/// - Rounding: r_ij is computed so that r_ji = −r_ij bit for bit, so the full list is
///   exactly symmetric and `distances` agree between the two directions.
public struct NeighbourList: Equatable, Sendable {
    /// Whether each unordered pair is listed once or in both directions.
    public enum Kind: String, Equatable, Sendable {
        /// Both (i, j, n) and (j, i, −n).
        case full
        /// One of each pair: i < j, or i = j with n lexicographically positive.
        case half
    }

    /// The cutoff radius rc in Å.
    public let cutoff: Double
    /// Full or half list.
    public let kind: Kind
    /// Number of atoms N of the structure the list was built for.
    public let atomCount: Int
    /// Center atom i of each pair, shape (P,).
    public private(set) var centers: [Int32] = []
    /// Neighbour atom j of each pair, shape (P,).
    public private(set) var neighbours: [Int32] = []
    /// Integer image offset n of each pair (cell units along a, b, c), shape (P,);
    /// zero along non-periodic directions and for molecules.
    public private(set) var images: [SIMD3<Int32>] = []
    /// Cartesian image shift n · cell added to r_j, shape (P,) of xyz, Å.
    public private(set) var shifts: [SIMD3<Double>] = []
    /// Pair distance |r_ij|, shape (P,), Å.
    public private(set) var distances: [Double] = []
    /// Row pointers, shape (N + 1,): the pairs of center i are `offsets[i]..<offsets[i+1]`.
    public private(set) var offsets: [Int] = []

    /// Number of pairs P.
    public var count: Int { centers.count }

    /// The pair indices whose center is atom `i`.
    public func pairs(of i: Int) -> Range<Int> { offsets[i]..<offsets[i + 1] }

    /// The displacement r_ij = r_j + shift − r_i of pair `k` for `positions` (Å), e.g. when
    /// atoms moved slightly since the list was built (with a skin added to rc).
    public func displacement(_ k: Int, positions: [SIMD3<Double>]) -> SIMD3<Double> {
        positions[Int(neighbours[k])] + shifts[k] - positions[Int(centers[k])]
    }

    /// An empty list, filled by the builders.
    init(cutoff: Double, kind: Kind, atomCount: Int, reserving capacity: Int) {
        self.cutoff = cutoff
        self.kind = kind
        self.atomCount = atomCount
        centers.reserveCapacity(capacity)
        neighbours.reserveCapacity(capacity)
        images.reserveCapacity(capacity)
        shifts.reserveCapacity(capacity)
        distances.reserveCapacity(capacity)
        offsets.reserveCapacity(atomCount + 1)
        offsets.append(0)
    }

    // MARK: Building

    /// The neighbour list of `conformation` (its positions and cell) by cell lists.
    ///
    /// - Parameters:
    ///   - cutoff: rc in Å, finite and > 0.
    ///   - kind: `.full` (default) or `.half`.
    ///   - label: names the structure in a thrown `DataError` (its `file` field).
    /// - Throws: `DataError` for a non-positive or non-finite cutoff, non-finite positions
    ///   or cell vectors, or a degenerate cell.
    public init(conformation: Conformation, cutoff: Double, kind: Kind = .full,
                label: String = "neighbour list") throws {
        try self.init(positions: conformation.positions, cell: conformation.cell,
                      cutoff: cutoff, kind: kind, label: label)
    }

    /// The neighbour list of atoms at `positions` (shape (N,) of xyz, Å) in `cell` (`nil`
    /// or no periodic direction: a molecule) by cell lists, in time linear in N.
    ///
    /// Periodic directions are handled by explicit image atoms within rc of the wrapped
    /// cell (⌈rc / h⌉ layers, h the perpendicular cell height), so triclinic cells, cells
    /// smaller than 2 rc and mixed periodicity are all exact.
    public init(positions: [SIMD3<Double>], cell: Cell?, cutoff: Double, kind: Kind = .full,
                label: String = "neighbour list") throws {
        let geometry = try Self.validate(positions: positions, cell: cell, cutoff: cutoff, label: label)
        self = CellListBuilder(positions: positions, geometry: geometry, cutoff: cutoff, kind: kind).build()
    }

    /// The same list as `init(positions:cell:cutoff:kind:label:)`, by checking every pair
    /// of atoms against every image that can be within rc: O(N² · images). A reference for
    /// tests; use the cell-list initialiser otherwise.
    public static func bruteForce(positions: [SIMD3<Double>], cell: Cell?, cutoff: Double,
                                  kind: Kind = .full, label: String = "neighbour list") throws -> NeighbourList {
        let geometry = try validate(positions: positions, cell: cell, cutoff: cutoff, label: label)
        let n = positions.count
        var list = NeighbourList(cutoff: cutoff, kind: kind, atomCount: n, reserving: 0)
        let rc2 = cutoff * cutoff
        positions.withUnsafeBufferPointer { positions in
            for i in 0..<n {
                for j in 0..<n {
                    guard let geometry else {
                        if i != j { list.appendIfWithin(i, j, .zero, positions, nil, rc2) }
                        continue
                    }
                    // |r_ij| ≥ |fractional separation along k| · h_k, so n_k lies in this range.
                    let f = geometry.fractional(positions[j] - positions[i])
                    var lo = SIMD3<Int32>(0, 0, 0), hi = SIMD3<Int32>(0, 0, 0)
                    for k in 0..<3 where geometry.periodic[k] {
                        // A small margin: rounding may only widen the range; the test is exact.
                        let reach = cutoff / geometry.heights[k] * (1 + 1e-9) + 1e-9
                        lo[k] = Int32((-f[k] - reach).rounded(.up))
                        hi[k] = Int32((-f[k] + reach).rounded(.down))
                    }
                    guard lo.x <= hi.x, lo.y <= hi.y, lo.z <= hi.z else { continue }
                    for nx in lo.x...hi.x { for ny in lo.y...hi.y { for nz in lo.z...hi.z {
                        let image = SIMD3(nx, ny, nz)
                        if i == j && image == .zero { continue }
                        list.appendIfWithin(i, j, image, positions, geometry.vectors, rc2)
                    } } }
                }
                list.offsets.append(list.centers.count)
            }
        }
        return list
    }

    /// Checks the inputs; returns the cell geometry, or `nil` for a molecule.
    static func validate(positions: [SIMD3<Double>], cell: Cell?, cutoff: Double,
                         label: String) throws -> CellGeometry? {
        guard cutoff.isFinite, cutoff > 0 else {
            throw DataError(file: label, item: "cutoff", "must be finite and positive (got \(cutoff) Å)")
        }
        guard positions.count < Int(Int32.max) else {
            throw DataError(file: label, item: "positions", "\(positions.count) atoms exceed the Int32 index range")
        }
        if let bad = positions.firstIndex(where: { !isFinite($0) }) {
            throw DataError(file: label, item: "positions[\(bad)]", "is not finite (\(positions[bad]))")
        }
        let geometry = try CellGeometry(cell: cell, label: label)
        // A cell far too small for its atoms (e.g. written in nm or Bohr but read as Å) would
        // make the list — and the descriptors' triplets — grow without bound: refuse it
        // before allocating. Periodic in every direction: N/V atoms per Å³ see about
        // (N/V)·(4/3)π rc³ neighbours each; the densest solids have ≈ 0.2 atoms/Å³.
        if let geometry, geometry.periodic.allSatisfy({ $0 }) {
            let volume = geometry.volume
            let density = Double(positions.count) / volume
            let perAtom = density * 4 / 3 * Double.pi * cutoff * cutoff * cutoff
            if perAtom > maximumNeighboursPerAtom {
                throw DataError(file: label, item: "cell",
                                String(format: "%d atoms in a periodic cell of %.4g Å³ (%.3g atoms/Å³; the densest solids have about 0.2) would give about %.3g neighbours per atom within %.2f Å; check the cell's length unit",
                                       positions.count, volume, density, perAtom, cutoff))
            }
        }
        return geometry
    }

    /// The most neighbours per atom an estimate may give before a structure is refused as
    /// unphysically dense (10⁴: about 50× the count within 6 Å in the densest solids).
    public static let maximumNeighboursPerAtom = 1e4

    // MARK: Pairs

    /// Whether (i, j, n) belongs to a half list: i < j, or i = j and n > 0 lexicographically.
    @inline(__always)
    static func isCanonical(_ i: Int, _ j: Int, _ n: SIMD3<Int32>) -> Bool {
        if i != j { return i < j }
        if n.x != 0 { return n.x > 0 }
        if n.y != 0 { return n.y > 0 }
        return n.z > 0
    }

    /// The Cartesian shift n · cell (Å); zero for molecules.
    @inline(__always)
    static func shift(_ n: SIMD3<Int32>, _ vectors: [SIMD3<Double>]?) -> SIMD3<Double> {
        guard let vectors, n != .zero else { return .zero }
        // Scalar arithmetic (same rounding as the SIMD expression n.x a + n.y b + n.z c):
        // generic SIMD operators are slow in unoptimised builds, where tests run.
        let x = Double(n.x), y = Double(n.y), z = Double(n.z)
        let a = vectors[0], b = vectors[1], c = vectors[2]
        return SIMD3(x * a.x + y * b.x + z * c.x, x * a.y + y * b.y + z * c.y, x * a.z + y * b.z + z * c.z)
    }

    /// Appends (i, j, n) when |r_ij| < rc and it belongs to this kind of list; r_ij is
    /// always evaluated for the canonical orientation so both directions round alike.
    @inline(__always)
    mutating func appendIfWithin(_ i: Int, _ j: Int, _ n: SIMD3<Int32>,
                                 _ positions: UnsafeBufferPointer<SIMD3<Double>>,
                                 _ vectors: [SIMD3<Double>]?, _ rc2: Double) {
        let canonical = Self.isCanonical(i, j, n)
        if kind == .half && !canonical { return }
        let s = Self.shift(n, vectors)
        let ri = positions[i], rj = positions[j]
        let dx, dy, dz: Double
        if canonical {
            dx = rj.x + s.x - ri.x; dy = rj.y + s.y - ri.y; dz = rj.z + s.z - ri.z
        } else {
            dx = -(ri.x + (-s.x) - rj.x); dy = -(ri.y + (-s.y) - rj.y); dz = -(ri.z + (-s.z) - rj.z)
        }
        let d2 = dx * dx + dy * dy + dz * dz
        guard d2 < rc2 else { return }
        centers.append(Int32(i))
        neighbours.append(Int32(j))
        images.append(n)
        shifts.append(s)
        distances.append(d2.squareRoot())
    }

    /// Closes the row of the center just filled (for the builders).
    mutating func endCenter() { offsets.append(centers.count) }
}
