/// One-body ("self") energies per element: E_self(conf) = Σ_atoms e[Z].
///
/// Each task has its own, because levels of theory differ by large, mostly
/// composition-linear offsets; networks learn `E − E_self`.
/// Compare TorchANI's `EnergyShifter` and hippynn's `hierarchical_energy_initialization`.
public struct SelfEnergies: Equatable, Sendable, Codable {
    /// How the energies were obtained.
    public enum Origin: String, Codable, Sendable {
        /// Least squares of total energies on element counts.
        case leastSquares = "least-squares"
        /// Energies of isolated atoms computed at the same level of theory.
        case isolatedAtoms = "isolated-atoms"
        /// Prior per-element energies (isolated atoms, or a pretrained model's) plus the
        /// least-squares correction that the data's compositions determine
        /// (``SelfEnergies/fit(_:anchoredTo:task:)``).
        case anchoredLeastSquares = "anchored-least-squares"
    }

    /// eV per atom of each atomic number.
    public var energies: [Int: Double]
    public var origin: Origin

    public init(energies: [Int: Double], origin: Origin) {
        self.energies = energies
        self.origin = origin
    }

    /// Self-energies equal to the given isolated-atom energies (eV).
    public init(isolatedAtoms: [Int: Double]) {
        self.init(energies: isolatedAtoms, origin: .isolatedAtoms)
    }

    /// Σ e[Z] over `atomicNumbers`, eV. Elements without an energy contribute 0.
    public func energy(of atomicNumbers: [Int]) -> Double {
        atomicNumbers.reduce(0) { $0 + (energies[$1] ?? 0) }
    }

    /// Least-squares fit of energies on element counts: minimises Σ_c (E_c − Σ_Z n_cZ e_Z)².
    ///
    /// Solved through the pseudo-inverse of the (elements × elements) normal matrix, so
    /// that a rank-deficient system (every conformation with the same composition, as in a
    /// single-molecule dataset) gets the minimum-norm solution instead of arbitrary values:
    /// then e_Z ∝ n_Z and Σ n_Z e_Z equals the mean energy. Eigenvalues below
    /// `1e-10 × largest` are treated as zero.
    ///
    /// Minimum-norm values are only right for the data's own compositions (on any other, a
    /// 3BPA fit is off by hundreds of eV per atom): use it to centre training targets, and
    /// ``fit(_:anchoredTo:task:)`` for energies a model keeps (``compositionRank(_:)`` tells
    /// which case applies).
    ///
    /// - Throws: `DataError` when there are no conformations.
    public static func fit(_ conformations: [Conformation], task: String = "task") throws -> SelfEnergies {
        guard !conformations.isEmpty else {
            throw DataError(file: task, "cannot fit self-energies: no conformations")
        }
        let (gram, rhs, elements) = normalEquations(conformations)
        let m = elements.count
        let solution = SymmetricEigen.pseudoInverseSolve(gram, rhs, size: m, relativeCutoff: 1e-10)
        var energies: [Int: Double] = [:]
        for (i, z) in elements.enumerated() { energies[z] = solution[i] }
        return SelfEnergies(energies: energies, origin: .leastSquares)
    }
}

extension SelfEnergies {
    /// The element-count matrix of `conformations`: its rank and the number of elements.
    /// Least squares determines every element's energy only when `rank == elements`; a
    /// single-molecule dataset (one composition) has rank 1.
    public static func compositionRank(_ conformations: [Conformation]) -> (rank: Int, elements: Int) {
        let (gram, _, elements) = normalEquations(conformations)
        let (values, _) = SymmetricEigen.decompose(gram, size: elements.count)
        let largest = values.map(abs).max() ?? 0
        return (values.filter { $0 > 1e-10 * largest }.count, elements.count)
    }

    /// Least squares anchored to prior per-element energies: e = e_prior + δ, with δ the
    /// minimum-norm solution of min_δ Σ_c (E_c − Σ_Z n_cZ (e_prior,Z + δ_Z))².
    ///
    /// δ lies in the span of the data's composition vectors, so the energies of elements
    /// and element combinations that the compositions do not determine stay at the prior:
    /// for one composition n (a single molecule), δ = n · s / |n|² with s the mean residual
    /// E − n · e_prior, i.e. one shift; with compositions that determine every element, the
    /// result is the ordinary least-squares fit whatever the prior. Elements missing from
    /// the prior are anchored at 0.
    ///
    /// - Throws: `DataError` when there are no conformations.
    public static func fit(_ conformations: [Conformation], anchoredTo prior: SelfEnergies, task: String = "task") throws -> SelfEnergies {
        let residual = conformations.map { c -> Conformation in
            var r = c
            r.energy = c.energy - prior.energy(of: c.atomicNumbers)
            return r
        }
        let delta = try fit(residual, task: task)
        var energies = prior.energies.filter { z, _ in delta.energies[z] != nil }
        for (z, d) in delta.energies { energies[z, default: 0] += d }
        return SelfEnergies(energies: energies, origin: .anchoredLeastSquares)
    }

    /// The normal matrix NᵀN (row-major), Nᵀ E and the sorted elements of `conformations`.
    static func normalEquations(_ conformations: [Conformation]) -> (gram: [Double], rhs: [Double], elements: [Int]) {
        let elements = Array(Set(conformations.flatMap(\.atomicNumbers))).sorted()
        let index = Dictionary(uniqueKeysWithValues: elements.enumerated().map { ($1, $0) })
        let m = elements.count
        var gram = [Double](repeating: 0, count: m * m)
        var rhs = [Double](repeating: 0, count: m)
        var counts = [Double](repeating: 0, count: m)
        for conf in conformations {
            for i in 0..<m { counts[i] = 0 }
            for z in conf.atomicNumbers { counts[index[z]!] += 1 }
            for i in 0..<m where counts[i] != 0 {
                rhs[i] += counts[i] * conf.energy
                for j in 0..<m { gram[i * m + j] += counts[i] * counts[j] }
            }
        }
        return (gram, rhs, elements)
    }
}

/// Eigen-decomposition of small symmetric matrices by cyclic Jacobi rotations.
enum SymmetricEigen {
    /// Returns eigenvalues and column eigenvectors (row-major m×m) of symmetric `a`.
    static func decompose(_ a: [Double], size m: Int) -> (values: [Double], vectors: [Double]) {
        var a = a
        var v = [Double](repeating: 0, count: m * m)
        for i in 0..<m { v[i * m + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<m { for q in (p + 1)..<max(p + 1, m) { off += a[p * m + q] * a[p * m + q] } }
            if off < 1e-30 { break }
            for p in 0..<m {
                for q in (p + 1)..<max(p + 1, m) where abs(a[p * m + q]) > 1e-300 {
                    let theta = (a[q * m + q] - a[p * m + p]) / (2 * a[p * m + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<m {
                        let akp = a[k * m + p], akq = a[k * m + q]
                        a[k * m + p] = c * akp - s * akq
                        a[k * m + q] = s * akp + c * akq
                    }
                    for k in 0..<m {
                        let apk = a[p * m + k], aqk = a[q * m + k]
                        a[p * m + k] = c * apk - s * aqk
                        a[q * m + k] = s * apk + c * aqk
                    }
                    for k in 0..<m {
                        let vkp = v[k * m + p], vkq = v[k * m + q]
                        v[k * m + p] = c * vkp - s * vkq
                        v[k * m + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<m).map { a[$0 * m + $0] }, v)
    }

    /// x = A⁺ b for symmetric positive semi-definite A (minimum-norm least squares).
    static func pseudoInverseSolve(_ a: [Double], _ b: [Double], size m: Int, relativeCutoff: Double) -> [Double] {
        let (values, vectors) = decompose(a, size: m)
        let largest = values.map(abs).max() ?? 0
        var x = [Double](repeating: 0, count: m)
        for k in 0..<m where values[k] > relativeCutoff * largest {
            var projection = 0.0
            for i in 0..<m { projection += vectors[i * m + k] * b[i] }
            let scale = projection / values[k]
            for i in 0..<m { x[i] += scale * vectors[i * m + k] }
        }
        return x
    }
}
