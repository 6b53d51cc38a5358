import Chemistry

/// The virial of one structure, W = −∂E/∂ε (eV), and the stress derived from it.
///
/// **Definition.** Strain the structure homogeneously by a (small) 3×3 ε: every position
/// and every lattice vector, as row vectors, becomes r' = r (I + ε). Then
///
///     W_ab = −∂E/∂ε_ab |_{ε=0}                                   (eV)
///
/// For a model whose energy depends on positions only through its pair vectors
/// r_ij = r_j + shift_ij − r_i (every MetaMLIP model,
/// ``AtomisticPotential/networkEnergies(pairVectors:topology:batch:parameters:)``), the strain
/// maps every pair vector to r_ij (I + ε), image shifts included, so exactly
///
///     W_ab = −Σ_ij r_ij,a ∂E/∂r_ij,b                              (eV)
///
/// over the directed pairs (i → j) of the neighbour topology, whatever the model does with
/// the vectors (descriptors, or messages passed over several layers). For a molecule
/// (no shifts) this equals Σ_i r_i,a F_i,b. The topology does not change under an
/// infinitesimal strain, since every pair term vanishes smoothly at the cutoff.
///
/// **Conventions.**
/// - W is LAMMPS's virial (`fix external`'s `fix_external_set_virial_global`, `compute
///   pressure … virial`): for pair forces W = Σ_pairs r_ij ⊗ F_ij, positive under compression.
/// - The stress is ASE's: σ = (1/V) ∂E/∂ε = −W / V (eV/Å³), Voigt order xx yy zz yz xz xy,
///   potential part only (no kinetic term); pressure P = −tr σ / 3. It is defined only for
///   a cell periodic in all three directions (V is then the cell volume): see
///   ``stressUnavailableReason(cell:)``.
///
/// W is symmetric for a rotation-invariant energy (the antisymmetric part of Σ r ⊗ ∂E/∂r is
/// the torque of a rigid rotation); ``matrix`` keeps the computed tensor as it is, and the
/// six-component forms average W_ab and W_ba.
public struct Virial: Equatable, Sendable {
    /// W_ab, rows a = x, y, z, eV.
    public var matrix: [SIMD3<Double>]

    /// A virial from its three rows (eV).
    public init(matrix: [SIMD3<Double>]) {
        precondition(matrix.count == 3, "a virial has three rows")
        self.matrix = matrix
    }

    /// The zero virial.
    public static let zero = Virial(matrix: [.zero, .zero, .zero])

    /// W_ab.
    public subscript(a: Int, b: Int) -> Double { matrix[a][b] }

    /// The nine components, row-major (xx xy xz yx yy yz zx zy zz), eV.
    public var rowMajor: [Double] { matrix.flatMap { [$0.x, $0.y, $0.z] } }

    /// The six components in LAMMPS's order xx yy zz xy xz yz (eV), off-diagonals averaged.
    public var lammpsComponents: [Double] {
        [self[0, 0], self[1, 1], self[2, 2], symmetric(0, 1), symmetric(0, 2), symmetric(1, 2)]
    }

    /// ASE's stress σ = −W / V, Voigt order xx yy zz yz xz xy (eV/Å³), for a volume V (Å³).
    public func stress(volume: Double) -> [Double] {
        [self[0, 0], self[1, 1], self[2, 2], symmetric(1, 2), symmetric(0, 2), symmetric(0, 1)].map { -$0 / volume }
    }

    /// ASE's stress of a structure in `cell`, or nil when the cell does not define one
    /// (``stressUnavailableReason(cell:)``).
    public func stress(in cell: Cell?) -> [Double]? {
        guard let cell, Self.stressUnavailableReason(cell: cell) == nil else { return nil }
        return stress(volume: cell.volume)
    }

    /// Why a structure in `cell` has no stress (nil when it has one): a stress is an
    /// energy per volume, so it needs a cell periodic along a, b and c with a volume
    /// (a molecule, a slab or a wire has none; their virial is still defined).
    public static func stressUnavailableReason(cell: Cell?) -> String? {
        guard let cell else { return "a molecule (no cell) has no stress; stress needs a cell periodic in all three directions" }
        guard cell.periodic.allSatisfy({ $0 }) else {
            let flags = cell.periodic.map { $0 ? "T" : "F" }.joined(separator: " ")
            return "the cell is not periodic in all three directions (pbc \(flags)); stress needs a cell periodic along a, b and c"
        }
        guard cell.volume > 0, cell.volume.isFinite else {
            return "the cell has no volume (\(cell.volume) Å³); stress needs a non-degenerate cell"
        }
        return nil
    }

    /// The mean of several virials (a committee's).
    public static func mean(_ virials: [Virial]) -> Virial {
        precondition(!virials.isEmpty, "the mean of no virials")
        var rows = [SIMD3<Double>](repeating: .zero, count: 3)
        for w in virials { for a in 0..<3 { rows[a] += w.matrix[a] } }
        return Virial(matrix: rows.map { $0 / Double(virials.count) })
    }

    private func symmetric(_ a: Int, _ b: Int) -> Double { 0.5 * (self[a, b] + self[b, a]) }
}
