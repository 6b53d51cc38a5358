import Chemistry

/// The hyperparameters and environment statistics of a ``DeepPotPotential`` (deepmd-kit's
/// `se_e2_a` descriptor with an `ener` fitting network), stored in model files as
///
///     {"kind": "deeppot", "species": [1, 6, 7, 8], "rcut": 6, "rcutSmooth": 0.5,
///      "sel": [24, 16, 4, 4], "neuron": [25, 50, 100], "axisNeuron": 16,
///      "fittingNeuron": [240, 240, 240], "typeOneSide": false, "resnetDt": false,
///      "fittingResnetDt": true, "davg": [[…4…], …], "dstd": [[…4…], …]}
///
/// Distances in Å. `sel`, `davg` and `dstd` follow `species` (deepmd-kit's `type_map`).
/// The defaults of ``init(species:rcut:rcutSmooth:sel:neuron:axisNeuron:fittingNeuron:typeOneSide:resnetDt:fittingResnetDt:davg:dstd:)``
/// are those a deepmd-kit input file gets when it leaves a key out (deepmd-kit 3.x
/// `argcheck`: `rcut` 6, `rcut_smth` 0.5, `neuron` [10, 20, 40], `axis_neuron` 4,
/// `type_one_side` false, descriptor `resnet_dt` false, fitting `neuron` [120, 120, 120] with
/// `resnet_dt` true); `sel` has no default here (deepmd-kit's `"auto"` is resolved from
/// training data, see ``DeepPotPotential/fittingStatistics(to:file:)``).
public struct DeepPotArchitecture: Codable, Equatable, Sendable {
    /// Atomic numbers, in deepmd-kit's type order.
    public var species: [Int]
    /// Cutoff r_c of the switch and of the neighbour list, Å (deepmd-kit `rcut`).
    public var rcut: Double
    /// Start r_s of the switch, Å (deepmd-kit `rcut_smth`).
    public var rcutSmooth: Double
    /// Neighbour slots per species (deepmd-kit `sel`): the padding count and the
    /// normalisation N_c = Σ sel of the descriptor.
    public var sel: [Int]
    /// Widths of the embedding network's layers M₁ = `neuron.last` (deepmd-kit `neuron`).
    public var neuron: [Int]
    /// Columns M₂ of G used for the second factor of the descriptor (`axis_neuron`).
    public var axisNeuron: Int
    /// Hidden widths of each element's fitting network (`fitting_net.neuron`).
    public var fittingNeuron: [Int]
    /// One embedding network per neighbour species (true) or per (centre, neighbour) pair.
    public var typeOneSide: Bool
    /// Embedding layers with a shortcut scale the activation by a learned "timestep" idt.
    public var resnetDt: Bool
    /// Fitting layers with a shortcut scale the activation by a learned idt.
    public var fittingResnetDt: Bool
    /// Per-species mean of the environment-matrix rows, 4 values each (deepmd-kit `davg`,
    /// the same for every neighbour slot).
    public var davg: [[Double]]
    /// Per-species standard deviation of the rows, 4 values each (`dstd`).
    public var dstd: [[Double]]

    public init(species: [Int], rcut: Double = 6, rcutSmooth: Double = 0.5, sel: [Int],
                neuron: [Int] = [10, 20, 40], axisNeuron: Int = 4, fittingNeuron: [Int] = [120, 120, 120],
                typeOneSide: Bool = false, resnetDt: Bool = false, fittingResnetDt: Bool = true,
                davg: [[Double]]? = nil, dstd: [[Double]]? = nil) {
        self.species = species; self.rcut = rcut; self.rcutSmooth = rcutSmooth; self.sel = sel
        self.neuron = neuron; self.axisNeuron = axisNeuron; self.fittingNeuron = fittingNeuron
        self.typeOneSide = typeOneSide; self.resnetDt = resnetDt; self.fittingResnetDt = fittingResnetDt
        // deepmd-kit's buffers before statistics: mean 0, standard deviation 1.
        self.davg = davg ?? species.map { _ in [0, 0, 0, 0] }
        self.dstd = dstd ?? species.map { _ in [1, 1, 1, 1] }
    }

    /// M₁, the width of G.
    public var embeddingWidth: Int { neuron.last ?? 1 }
    /// Length M₁·M₂ of the descriptor.
    public var descriptorLength: Int { embeddingWidth * axisNeuron }
    /// N_c = Σ sel, deepmd-kit's `nnei`.
    public var neighbourSlots: Int { sel.reduce(0, +) }

    /// The problem with these values, if any: (key under `architecture`, reason).
    func problem() -> (String, String)? {
        let n = species.count
        if species.isEmpty || Set(species).count != n || !species.allSatisfy({ Element(atomicNumber: $0) != nil }) {
            return ("species", "species must be distinct, known atomic numbers, got \(species)")
        }
        if !(rcut > 0 && rcut.isFinite) { return ("rcut", "must be positive, got \(rcut)") }
        if !(rcutSmooth >= 0 && rcutSmooth < rcut) { return ("rcutSmooth", "need 0 ≤ rcutSmooth < rcut (\(rcut)), got \(rcutSmooth)") }
        if sel.count != n || sel.contains(where: { $0 < 0 }) || sel.reduce(0, +) < 1 {
            return ("sel", "need one count ≥ 0 per species (\(n)) with a positive sum, got \(sel)")
        }
        if neuron.isEmpty || neuron.contains(where: { $0 < 1 }) { return ("neuron", "widths must be positive, got \(neuron)") }
        if !(1...embeddingWidth).contains(axisNeuron) {
            return ("axisNeuron", "must lie in 1…\(embeddingWidth) (the last embedding width), got \(axisNeuron)")
        }
        if fittingNeuron.contains(where: { $0 < 1 }) { return ("fittingNeuron", "widths must be positive, got \(fittingNeuron)") }
        for (key, rows) in [("davg", davg), ("dstd", dstd)] {
            if rows.count != n || rows.contains(where: { $0.count != 4 || !$0.allSatisfy(\.isFinite) }) {
                return (key, "need \(n) rows of 4 finite numbers (one per species)")
            }
        }
        if dstd.joined().contains(where: { $0 <= 0 }) { return ("dstd", "standard deviations must be positive") }
        return nil
    }

    func makePotential(selfEnergies: SelfEnergies, file: String) throws -> DeepPotPotential {
        if let (key, reason) = problem() { throw DataError(file: file, item: "architecture.\(key)", reason) }
        return DeepPotPotential(self, selfEnergies: selfEnergies)
    }
}
