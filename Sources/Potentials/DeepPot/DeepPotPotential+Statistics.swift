import Chemistry
import Descriptors

extension DeepPotPotential {
    /// The same model with deepmd-kit's data constants computed from `conformations` (the
    /// training set):
    ///
    /// - `sel`, when it is automatic (``automaticSel`` = f, deepmd-kit's `sel: "auto:f"`,
    ///   `"auto"` = 1.1): sel[t] = 4 ⌈⌊f · n_t⌋ / 4⌉ with n_t the largest number of species-t
    ///   neighbours within r_c of any atom (deepmd-kit's `UpdateSel.wrap_up_4`). A given
    ///   `sel` is checked instead: a training atom with more neighbours of a species than
    ///   its slots is refused (deepmd-kit would silently drop the farthest; see the type's
    ///   documentation);
    /// - `davg`/`dstd` exactly as deepmd-kit's `EnvMatStatSe`: for each centre species c
    ///   with n_c atoms in the data, over all n_c · N_c slots (empty slots count as zeros),
    ///   avg_r = mean of the first column s, std_r its standard deviation, std_a the standard
    ///   deviation of the three other columns pooled (about their pooled mean); each
    ///   standard deviation at least 10⁻²; davg = (avg_r, 0, 0, 0), dstd = (std_r, std_a,
    ///   std_a, std_a); a species absent from the data keeps davg 0 and dstd 0.1.
    ///
    /// deepmd-kit samples `data_stat_nbatch` batches of the training set for `davg`/`dstd`;
    /// this uses every conformation given.
    public func fittingStatistics(to conformations: [Conformation], file: String) throws -> DeepPotPotential {
        guard !conformations.isEmpty else {
            throw DataError(file: file, item: "model", "DeepPot needs training conformations for its environment statistics")
        }
        var h = hyperparameters
        let n = h.species.count
        let topologies = try conformations.map { try topology(of: $0, label: file) }
        // Largest neighbour count of each neighbour species, and who has it.
        var most = [Int](repeating: 0, count: n)
        var holder = [(conformation: Int, atom: Int)](repeating: (0, 0), count: n)
        for (c, topology) in topologies.enumerated() {
            var counts = [[Int]](repeating: [Int](repeating: 0, count: n), count: topology.atomCount)
            for (i, j) in zip(topology.centers, topology.neighbours) { counts[i][topology.speciesIndices[j]] += 1 }
            for (i, row) in counts.enumerated() {
                for t in 0..<n where row[t] > most[t] { most[t] = row[t]; holder[t] = (c, i) }
            }
        }
        if let factor = automaticSel {
            h.sel = most.map { 4 * ((Int((Double($0) * factor).rounded(.down)) + 3) / 4) }
            if h.sel.reduce(0, +) == 0 {
                throw DataError(file: file, item: "model.sel",
                                "no atom of the training data has a neighbour within rcut = \(h.rcut) Å, so sel: auto gives no slots; set sel or a larger rcut")
            }
        } else if let t = (0..<n).first(where: { most[$0] > h.sel[$0] }) {
            let symbol = Element.symbol(for: h.species[t])
            throw DataError(file: file, item: "model.sel",
                            "sel.\(symbol) = \(h.sel[t]) but atom \(holder[t].atom) of training conformation \(holder[t].conformation) has \(most[t]) \(symbol) neighbours within rcut = \(h.rcut) Å (deepmd-kit would drop the farthest); raise sel.\(symbol) to at least \(most[t]) or use sel: auto")
        }
        // EnvMatStatSe: sums over real neighbours; every atom has N_c slots.
        var atomsOf = [Int](repeating: 0, count: n)
        var sumR = [Double](repeating: 0, count: n), squaresR = sumR, sumA = sumR, squaresA = sumR
        for (conformation, topology) in zip(conformations, topologies) {
            for s in topology.speciesIndices { atomsOf[s] += 1 }
            for p in 0..<topology.pairCount {
                let i = topology.centers[p], c = topology.speciesIndices[i]
                let shift = SIMD3(topology.shifts[3 * p], topology.shifts[3 * p + 1], topology.shifts[3 * p + 2])
                let v = conformation.positions[topology.neighbours[p]] + shift - conformation.positions[i]
                let r = (v * v).sum().squareRoot()
                let s = Self.switchValue(r, smooth: h.rcutSmooth, cutoff: h.rcut) / r
                sumR[c] += s
                squaresR[c] += s * s
                let a = v * (s / r)
                sumA[c] += a.sum()
                squaresA[c] += (a * a).sum()
            }
        }
        func deviation(_ sum: Double, _ squares: Double, _ count: Double) -> Double {
            let mean = sum / count
            let value = max(squares / count - mean * mean, 0).squareRoot()
            return value < 1e-2 ? 1e-2 : value
        }
        for c in 0..<n where atomsOf[c] > 0 {
            let slots = Double(atomsOf[c] * h.neighbourSlots)
            let stdR = deviation(sumR[c], squaresR[c], slots), stdA = deviation(sumA[c], squaresA[c], 3 * slots)
            h.davg[c] = [sumR[c] / slots, 0, 0, 0]
            h.dstd[c] = [stdR, stdA, stdA, stdA]
        }
        for c in 0..<n where atomsOf[c] == 0 {
            h.davg[c] = [0, 0, 0, 0]
            h.dstd[c] = [0.1, 0.1, 0.1, 0.1]
        }
        return DeepPotPotential(h, selfEnergies: selfEnergies)
    }
}

extension DeepPotPotential {
    /// `sel` per species and the radial davg/dstd per centre species, as one log line.
    public var dataStatisticsSummary: String {
        let h = hyperparameters
        func rounded(_ x: Double) -> String { "\((x * 10_000).rounded() / 10_000)" }
        let perSpecies = h.species.indices.map { t in
            "\(Element.symbol(for: h.species[t])): sel \(h.sel[t]), davg \(rounded(h.davg[t][0])), dstd \(rounded(h.dstd[t][0]))/\(rounded(h.dstd[t][1]))"
        }
        return automaticSel != nil ? "sel automatic, statistics not computed yet" : perSpecies.joined(separator: "; ")
    }
}
