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
    /// `topology`, `[P, 4]` (Å⁻¹), differentiable in `positions` `[A, 3]` (Å).
    func environmentRows<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology) -> Tensor<S> {
        let pairs = topology.pairCount
        let shifts = Tensor<S>(shape: [pairs, 3], scalars: topology.shifts.map { S($0) })
        let u = positions.gather(indices: topology.neighbours) - positions.gather(indices: topology.centers) + shifts
        let r = (u * u).sum(alongAxes: [1], keepingDims: true).safeSqrt(S(1e-12))       // [P, 1]
        let inverse = S(1) / r
        let s = Self.switchFunction(r, smooth: hyperparameters.rcutSmooth, cutoff: hyperparameters.rcut) * inverse
        return Tensor.concatenate([s, u * (s * inverse)], alongAxis: 1)
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

    /// The se_e2_a descriptor D `[A, M₁·M₂]` of every atom of `topology` at `positions`
    /// `[A, 3]` (see the type's documentation: T_i with the empty slots in closed form, then
    /// D_i = T_iᵀ T_i^{<}).
    public func descriptor<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology,
                                            parameters p: ParameterSet<S>) -> Tensor<S> {
        precondition(automaticSel == nil, "DeepPot: sel is 'auto' and unresolved; compute the model's statistics first (fittingStatistics)")
        precondition(positions.shape == [topology.atomCount, 3], "positions \(positions.shape) for \(topology.atomCount) atoms")
        let h = hyperparameters, n = h.species.count, m1 = h.embeddingWidth, atoms = topology.atomCount
        let mean: Tensor<S> = speciesRows(h.davg), inverseStd: Tensor<S> = speciesRows(h.dstd, inverted: true)
        // The empty-slot row of each centre species, r̃_pad = −davg/dstd, `[n, 4]`.
        let pad = -(mean * inverseStd)
        let centreSpecies = topology.centers.map { topology.speciesIndices[$0] }
        let neighbourSpecies = topology.neighbours.map { topology.speciesIndices[$0] }
        var normalised: Tensor<S>?
        if topology.pairCount > 0 {
            let raw = environmentRows(positions: positions, topology: topology)
            normalised = (raw - mean.gather(indices: centreSpecies)) * inverseStd.gather(indices: centreSpecies)
        }
        var padSum = Tensor<S>.zeros(shape: [n, 4 * m1])                           // Σ_t sel[t] P(c, t)
        var pieces: [Tensor<S>] = [], pieceCentres: [Int] = []
        for net in embeddingNetworks {
            // P(c, t) for the centres this network serves, [|centres|, 4·M₁].
            let padRows = pad.gather(indices: net.centres)
            let padTerms = Self.outer(padRows, embedding(padRows.slice(alongAxis: 1, start: 0, length: 1), prefix: net.prefix, parameters: p))
            if h.sel[net.neighbour] > 0 {
                padSum = padSum + (padTerms * S(Double(h.sel[net.neighbour]))).scatterAdd(indices: net.centres, into: n)
            }
            guard let normalised else { continue }
            let local = Dictionary(uniqueKeysWithValues: net.centres.enumerated().map { ($1, $0) })
            let pairs = (0..<topology.pairCount).filter { neighbourSpecies[$0] == net.neighbour && local[centreSpecies[$0]] != nil }
            guard !pairs.isEmpty else { continue }
            let rows = normalised.gather(indices: pairs)
            let g = embedding(rows.slice(alongAxis: 1, start: 0, length: 1), prefix: net.prefix, parameters: p)
            pieces.append(Self.outer(rows, g) - padTerms.gather(indices: pairs.map { local[centreSpecies[$0]]! }))
            pieceCentres += pairs.map { topology.centers[$0] }
        }
        var sum = padSum.gather(indices: topology.speciesIndices)                    // [A, 4·M₁]
        if !pieces.isEmpty {
            let all = pieces.count == 1 ? pieces[0] : Tensor.concatenate(pieces, alongAxis: 0)
            sum = sum + all.scatterAdd(indices: pieceCentres, into: atoms)
        }
        let t = (sum * S(1 / Double(h.neighbourSlots))).reshaped([atoms, 4, m1])
        let d = matmul(t, t.slice(alongAxis: 2, start: 0, length: h.axisNeuron), transposeA: true)   // [A, M₁, M₂]
        return d.reshaped([atoms, h.descriptorLength])
    }
}
