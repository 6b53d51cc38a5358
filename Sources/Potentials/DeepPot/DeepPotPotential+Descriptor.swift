import Autodiff
import Chemistry
import Descriptors

extension DeepPotPotential {
    /// deepmd-kit's switch w(r) = u³(−6u² + 15u − 10) + 1 with u = clamp((r − r_s)/(r_c − r_s), 0, 1),
    /// elementwise on distances `r` (Å).
    static func switchFunction<S: TensorScalar>(_ r: Tensor<S>, smooth rs: Double, cutoff rc: Double) -> Tensor<S> {
        let u = ((r - S(rs)) * S(1 / (rc - rs))).clamped(min: 0, max: 1)
        let u2 = u * u
        return u2 * u * ((u * S(-6) + S(15)) * u - S(10)) + S(1)
    }

    /// The same switch for one distance, in Double (statistics).
    static func switchValue(_ r: Double, smooth rs: Double, cutoff rc: Double) -> Double {
        let u = min(max((r - rs) / (rc - rs), 0), 1)
        return u * u * u * (u * (u * -6 + 15) - 10) + 1
    }

    /// The raw environment-matrix rows R_ij = s(r) (1, x/r, y/r, z/r) of every pair of
    /// `topology`, `[P, 4]` (Å⁻¹), and their first column s `[P, 1]`, differentiable in the
    /// pair vectors u `[P, 3]` (Å, ``NeighbourTopology/pairVectors(_:)``). (The four columns
    /// are assembled by a matrix product rather than a concatenation, whose second derivative
    /// is slower.)
    func environmentRows<S: TensorScalar>(pairVectors u: Tensor<S>, topology: NeighbourTopology) -> (rows: Tensor<S>, s: Tensor<S>) {
        let r = (u * u).sum(alongAxes: [1], keepingDims: true).safeSqrt(S(1e-12))       // [P, 1]
        let inverse = S(1) / r
        let s = Self.switchFunction(r, smooth: hyperparameters.rcutSmooth, cutoff: hyperparameters.rcut) * inverse
        let spread = Tensor<S>(shape: [3, 4], scalars: [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        let first = Tensor<S>(shape: [1, 4], scalars: [1, 0, 0, 0])
        return (s * (matmul(u * inverse, spread) + first), s)
    }

    /// Per-species constants `[n, 4]` of the architecture (`davg` or 1/`dstd`).
    func speciesRows<S: TensorScalar>(_ rows: [[Double]], inverted: Bool = false) -> Tensor<S> {
        Tensor(shape: [rows.count, 4], scalars: rows.joined().map { S(inverted ? 1 / $0 : $0) })
    }

    /// The embedding network at `prefix` applied to inputs `x` `[K, 1]`, giving `[K, M₁]`.
    func embedding<S: TensorScalar>(_ x: Tensor<S>, prefix: String, parameters p: ParameterSet<S>) -> Tensor<S> {
        var y = x
        for (k, layer) in Self.layers(input: 1, widths: hyperparameters.neuron, timestep: hyperparameters.resnetDt).enumerated() {
            y = Self.layer(y, prefix: prefix, k, timestep: layer.2, parameters: p)
        }
        return y
    }

    /// Outer products R̃ᵀ G per row: `rows` `[K, 4]` and `g` `[K, M₁]` give `[K, 4·M₁]`
    /// (index 4-component-major, M₁-minor, as T `[4, M₁]` flattened).
    static func outer<S: TensorScalar>(_ rows: Tensor<S>, _ g: Tensor<S>) -> Tensor<S> {
        let k = rows.shape[0], m = g.shape[1]
        return (rows.reshaped([k, 4, 1]) * g.reshaped([k, 1, m])).reshaped([k, 4 * m])
    }

    /// `parts` `[K_k, …]` stacked along the first axis: a concatenation whose derivative takes
    /// the parts back by gathering rows, so that its own derivative (force training) is a
    /// scatter rather than the generic zero padding.
    static func stackRows<S: TensorScalar>(_ parts: [Tensor<S>]) -> Tensor<S> {
        if parts.count == 1 { return parts[0] }
        return Tensor.custom("stackRows", inputs: parts, forward: { Tensor.concatenate($0, alongAxis: 0) }, vjp: { g, x, _, needs in
            var offset = 0
            return x.enumerated().map { i, part in
                defer { offset += part.shape[0] }
                return needs[i] ? g.gather(indices: Array(offset..<(offset + part.shape[0]))) : nil
            }
        })
    }

    /// The neighbour slots of a topology: each pair's slot `centre · width + rank` (rank among
    /// the centre's pairs) in a dense `[A, width]` layout, `width` the most pairs of any centre.
    static func slots(_ topology: NeighbourTopology) -> (slot: [Int], width: Int) {
        var rank = [Int](repeating: 0, count: topology.atomCount), ranks: [Int] = []
        ranks.reserveCapacity(topology.pairCount)
        for i in topology.centers { ranks.append(rank[i]); rank[i] += 1 }
        let width = max(rank.max() ?? 1, 1)
        return (zip(topology.centers, ranks).map { $0 * width + $1 }, width)
    }

    /// The se_e2_a descriptor D `[A, M₁·M₂]` of every atom of `topology` at `positions`
    /// `[A, 3]` (see the type's documentation: T_i with the empty slots in closed form, then
    /// D_i = T_iᵀ T_i^{<}).
    ///
    /// Evaluation: the pairs of each embedding network are embedded together; R̃ and G are
    /// scattered into dense `[A, width, ·]` slot layouts (width = the most neighbours of any
    /// centre) and Σ_j R̃_ijᵀ G_ij is one batched matrix product per atom; the empty-slot
    /// terms Σ_t (sel[t] − n_it) P(Z_i, t) are one product of the constant counts `[A, n²]`
    /// with the stacked P `[n², 4·M₁]`.
    public func descriptor<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology,
                                            parameters p: ParameterSet<S>) -> Tensor<S> {
        descriptor(pairVectors: topology.pairVectors(positions), topology: topology, parameters: p)
    }

    /// The same descriptor `[A, M₁·M₂]` from the pair vectors r_ij `[P, 3]` (Å) of `topology`.
    public func descriptor<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology,
                                            parameters p: ParameterSet<S>) -> Tensor<S> {
        precondition(automaticSel == nil, "DeepPot: sel is 'auto' and unresolved; compute the model's statistics first (fittingStatistics)")
        precondition(pairVectors.shape == [topology.pairCount, 3], "pair vectors \(pairVectors.shape) for \(topology.pairCount) pairs")
        let h = hyperparameters, n = h.species.count, m1 = h.embeddingWidth, atoms = topology.atomCount
        let mean: Tensor<S> = speciesRows(h.davg), inverseStd: Tensor<S> = speciesRows(h.dstd, inverted: true)
        let pad = -(mean * inverseStd)                     // the empty-slot row r̃_pad of each centre species, [n, 4]
        let centreSpecies = topology.centers.map { topology.speciesIndices[$0] }
        let neighbourSpecies = topology.neighbours.map { topology.speciesIndices[$0] }
        // Slot counts k_it = sel[t] − n_it, as the constant matrix K [A, n²] (column c·n + t).
        var counts = [S](repeating: 0, count: atoms * n * n)
        for (i, c) in topology.speciesIndices.enumerated() {
            for t in 0..<n { counts[i * n * n + c * n + t] = S(Double(h.sel[t])) }
        }
        for (i, t) in zip(topology.centers, neighbourSpecies) { counts[i * n * n + topology.speciesIndices[i] * n + t] -= 1 }
        var normalised: Tensor<S>?, embeddingInput: Tensor<S>?
        if topology.pairCount > 0 {
            let (raw, s) = environmentRows(pairVectors: pairVectors, topology: topology)
            normalised = (raw - mean.gather(indices: centreSpecies)) * inverseStd.gather(indices: centreSpecies)
            let column0 = centreSpecies.map { c in (h.davg[c][0], 1 / h.dstd[c][0]) }
            embeddingInput = (s - Tensor<S>(shape: [s.shape[0], 1], scalars: column0.map { S($0.0) }))
                * Tensor<S>(shape: [s.shape[0], 1], scalars: column0.map { S($0.1) })
        }
        var padRows: [Tensor<S>] = [], padOrder: [Int] = []               // P(c, t), row c·n + t
        var embedded: [Tensor<S>] = [], embeddedPairs: [Int] = []
        for net in embeddingNetworks {
            let rows = pad.gather(indices: net.centres)
            padRows.append(Self.outer(rows, embedding(rows.slice(alongAxis: 1, start: 0, length: 1).detached(), prefix: net.prefix, parameters: p)))
            padOrder += net.centres.map { $0 * n + net.neighbour }
            guard let embeddingInput else { continue }
            let served = Set(net.centres)
            let pairs = (0..<topology.pairCount).filter { neighbourSpecies[$0] == net.neighbour && served.contains(centreSpecies[$0]) }
            guard !pairs.isEmpty else { continue }
            embedded.append(embedding(embeddingInput.gather(indices: pairs), prefix: net.prefix, parameters: p))
            embeddedPairs += pairs
        }
        var inverseOrder = [Int](repeating: 0, count: n * n)
        for (k, row) in padOrder.enumerated() { inverseOrder[row] = k }
        let stacked = Self.stackRows(padRows).gather(indices: inverseOrder)      // [n², 4·M₁]
        var sum = matmul(Tensor(shape: [atoms, n * n], scalars: counts), stacked)                // [A, 4·M₁]
        if let normalised, !embedded.isEmpty {
            let (slot, width) = Self.slots(topology)
            let g = Self.stackRows(embedded)
                .scatterAdd(indices: embeddedPairs.map { slot[$0] }, into: atoms * width).reshaped([atoms, width, m1])
            let rows = normalised.scatterAdd(indices: slot, into: atoms * width).reshaped([atoms, width, 4])
            sum = sum + matmul(rows, g, transposeA: true).reshaped([atoms, 4 * m1])
        }
        let t = (sum * S(1 / Double(h.neighbourSlots))).reshaped([atoms * 4, m1])
        var select = [S](repeating: 0, count: m1 * h.axisNeuron)
        for k in 0..<h.axisNeuron { select[k * h.axisNeuron + k] = 1 }
        let first = matmul(t, Tensor(shape: [m1, h.axisNeuron], scalars: select)).reshaped([atoms, 4, h.axisNeuron])
        let d = matmul(t.reshaped([atoms, 4, m1]), first, transposeA: true)                      // [A, M₁, M₂]
        return d.reshaped([atoms, h.descriptorLength])
    }
}
