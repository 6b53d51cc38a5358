import Autodiff
import Chemistry
import Descriptors

/// Deep Potential, smooth edition (DeepPot-SE; Zhang, Han, Wang, Saidi, Car & E, NeurIPS 2018,
/// arXiv:1805.09003): deepmd-kit's `se_e2_a` descriptor with per-element `ener` fitting
/// networks, as deepmd-kit 3.x builds them (`deepmd/pt/model/descriptor/se_a.py`,
/// `env_mat.py`, `deepmd/dpmodel/utils/network.py`, `deepmd/pt/model/task/fitting.py`);
/// matched to deepmd-kit 3.2.0 (PyTorch backend) on the same weights in Float64: energies to
/// 7·10⁻¹⁶ relative, forces to 4·10⁻¹⁵ of the largest force, on real 3BPA and ethanol frames
/// (`scripts/deepmd_parity.py`, `DeepPotParityTests`; the test demands 1e-5 relative).
///
/// **Environment matrix.** For every neighbour j of centre i within r_c (periodic images
/// included), r⃗_ij = r⃗_j − r⃗_i, r = |r⃗_ij|, and
///
///     R_ij = s(r) · (1, x/r, y/r, z/r),        s(r) = w(r) / r,
///     w(r) = u³(−6u² + 15u − 10) + 1,           u = clamp((r − r_s)/(r_c − r_s), 0, 1),
///
/// deepmd-kit's polynomial switch (`compute_smooth_weight` in 3.2.0, where the paper has
/// ½cos(π u) + ½), so s = 1/r below r_s and w, w′, w″ (hence s, s′, s″) vanish at r_c. Each
/// row is normalised with the centre species' statistics (deepmd-kit's `davg`/`dstd`,
/// stored in the architecture, computed by ``fittingStatistics(to:file:)``):
/// R̃_ij = (R_ij − davg[Z_i]) / dstd[Z_i].
///
/// **Embedding and descriptor.** G = 𝒢(R̃_ij,0) `[M₁]` is a tanh network on the first column,
/// one per neighbour species (``DeepPotArchitecture/typeOneSide``, the default of deepmd-kit's
/// Python class) or per (centre, neighbour) species pair (the default of a deepmd-kit input
/// file, and of MetaMLIP's manifest); both are supported. Each of its layers is deepmd-kit's
/// y = tanh(x W + b) [· idt] + shortcut, with the shortcut x when the width stays, (x, x)
/// when it doubles, none otherwise, and the "timestep" idt only on shortcut layers with
/// `resnetDt`. With T_i = (1/N_c) Σ_slots R̃ᵀ G `[4, M₁]` (N_c = Σ sel) the descriptor is
///
///     D_i = T_iᵀ T_i^{<}   [M₁, M₂],      T^{<} = the first M₂ = axisNeuron columns of T,
///
/// flattened row-major to M₁·M₂ features (deepmd-kit's `xyz_scatter_1 @ xyz_scatter_2`).
/// The normalisation is by the number of slots N_c = Σ sel, not by the number of neighbours
/// present, as in deepmd-kit. The order of the neighbours (deepmd-kit sorts each species'
/// slots by distance) does not enter the sum.
///
/// **Padding.** deepmd-kit gives every centre exactly `sel[t]` slots of neighbour species t,
/// nearest first; an empty slot has R = 0, so R̃ = r̃_pad(Z_i) = −davg[Z_i]/dstd[Z_i], which
/// is *not* zero and contributes P(Z_i, t) = r̃_padᵀ 𝒢_t(r̃_pad,0) to the sum. MetaMLIP keeps
/// neighbour lists and adds the empty slots in closed form:
///
///     N_c T_i = Σ_t sel[t] P(Z_i, t) + Σ_{j ∈ N(i)} (R̃_ijᵀ 𝒢_{t_j}(R̃_ij,0) − P(Z_i, t_j)),
///
/// which equals deepmd-kit's sum whenever no centre has more than `sel[t]` neighbours of
/// species t. A neighbour at r_c has R = 0, so its bracket is zero: the energy is smooth as
/// atoms cross the cutoff. Where a centre *does* have more than `sel[t]` neighbours,
/// deepmd-kit drops the farthest (and its energy jumps as they move in and out of the
/// first `sel`), while MetaMLIP keeps them all; ``fittingStatistics(to:file:)`` refuses
/// training data where that happens, so it can only occur on structures evaluated later.
///
/// **Energy.** E_net = Σ_i 𝓕_{Z_i}(D_i), one fitting network per element: hidden tanh
/// layers as above (`fittingResnetDt` for idt), then a linear layer to one energy.
/// deepmd-kit's per-type constants `bias_atom_e` (fitting) and `out_bias` (atomic model)
/// are per-element energies: MetaMLIP keeps them in the ``selfEnergies``
/// (``DeepMDModelReader``), so E = Σ_i e_self[Z_i] + E_net as for every model kind.
/// (deepmd-kit computes in float64 by default; MetaMLIP trains in Float32, as every kind,
/// and evaluates in either.)
///
/// **Parameters** (symbols X of ``elements``; C-N names a (centre, neighbour) pair,
/// `embed/N/…` when `typeOneSide`): `embed/C-N/W<l>` `[in, out]`, `embed/C-N/b<l>`,
/// `embed/C-N/idt<l>` for l = 0 … |neuron| − 1 (input width 1); `fit/X/W<k>`, `fit/X/b<k>`,
/// `fit/X/idt<k>` for k = 0 … |fittingNeuron| (input width M₁·M₂, the last layer to 1 and
/// without idt). Freezing layers: embedding layer l is layer l, fitting layer k is layer
/// |neuron| + k; the readout (layer ``layerCount`` − 1) is each element's last linear layer.
public struct DeepPotPotential: DataStatisticsPotential {
    /// The hyperparameters and environment statistics.
    public let hyperparameters: DeepPotArchitecture
    public var selfEnergies: SelfEnergies
    /// deepmd-kit's `sel: "auto:<factor>"` while it is unresolved: the largest neighbour
    /// count of each species in the training data times this factor, rounded up to a
    /// multiple of 4 (``fittingStatistics(to:file:)``). nil once `sel` is known; such a model
    /// cannot be evaluated yet.
    public let automaticSel: Double?

    /// A model with known `sel`; the architecture must be valid.
    public init(_ hyperparameters: DeepPotArchitecture, selfEnergies: SelfEnergies) {
        precondition(hyperparameters.problem() == nil, "invalid DeepPot architecture: \(hyperparameters.problem()!)")
        self.hyperparameters = hyperparameters
        self.selfEnergies = selfEnergies
        automaticSel = nil
    }

    /// A model whose `sel` will be deepmd-kit's `auto:<factor>` of the training data.
    public init(automaticSel factor: Double, _ hyperparameters: DeepPotArchitecture, selfEnergies: SelfEnergies) {
        precondition(factor >= 1 && factor.isFinite, "the automatic sel factor must be at least 1")
        var h = hyperparameters
        h.sel = h.species.map { _ in 1 }
        precondition(h.problem() == nil, "invalid DeepPot architecture: \(h.problem()!)")
        self.hyperparameters = hyperparameters
        self.selfEnergies = selfEnergies
        automaticSel = factor
    }

    public var elements: [Int] { hyperparameters.species }
    public var architecture: ModelArchitecture { .deeppot(hyperparameters) }
    public var neighbourRequest: NeighbourRequest {
        NeighbourRequest(radialCutoff: hyperparameters.rcut, angularCutoff: 0, species: hyperparameters.species)
    }
    public var layerCount: Int { hyperparameters.neuron.count + hyperparameters.fittingNeuron.count + 1 }

    /// Embedding networks: (parameter prefix, centre species indices it serves, neighbour
    /// species index), in parameter order (deepmd-kit's network order: neighbour-major).
    var embeddingNetworks: [(prefix: String, centres: [Int], neighbour: Int)] {
        let symbols = hyperparameters.species.map { Element.symbol(for: $0) }
        let n = symbols.count
        if hyperparameters.typeOneSide { return (0..<n).map { t in ("embed/\(symbols[t])/", Array(0..<n), t) } }
        return (0..<n).flatMap { t in (0..<n).map { c in ("embed/\(symbols[c])-\(symbols[t])/", [c], t) } }
    }

    /// Fitting networks: parameter prefix per species index.
    var fittingPrefixes: [String] { hyperparameters.species.map { "fit/\(Element.symbol(for: $0))/" } }

    public func layer(ofParameter name: String) -> Int {
        guard let slash = name.lastIndex(of: "/") else { preconditionFailure("not a DeepPot parameter: \(name)") }
        let local = name[name.index(after: slash)...]
        guard let l = Int(local.drop { !$0.isNumber }) else { preconditionFailure("not a DeepPot parameter: \(name)") }
        if name.hasPrefix("embed/") { return l }
        precondition(name.hasPrefix("fit/"), "not a DeepPot parameter: \(name)")
        return hyperparameters.neuron.count + l
    }

    /// The widths and timestep flags of a network: `[(in, out, idt)]`.
    static func layers(input: Int, widths: [Int], timestep: Bool) -> [(Int, Int, Bool)] {
        var result: [(Int, Int, Bool)] = [], width = input
        for out in widths {
            result.append((width, out, timestep && (out == width || out == 2 * width)))
            width = out
        }
        return result
    }

    /// deepmd-kit's initialisation (`MLPLayer._default_normal_init`): W ~ N(0, 1/(in + out))
    /// (standard deviation 1/√(in + out)), b ~ N(0, 1), idt ~ N(0.1, 0.001²).
    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_: S.Type, using generator: inout G) -> ParameterSet<S> {
        let h = hyperparameters
        var entries: [(String, Tensor<S>)] = []
        func add(_ prefix: String, _ k: Int, _ fin: Int, _ fout: Int, _ idt: Bool) {
            entries.append(("\(prefix)W\(k)", Tensor<S>.randomNormal(shape: [fin, fout], standardDeviation: S(1 / Double(fin + fout).squareRoot()), using: &generator)))
            entries.append(("\(prefix)b\(k)", Tensor<S>.randomNormal(shape: [fout], standardDeviation: 1, using: &generator)))
            if idt {
                let noise = Tensor<S>.randomNormal(shape: [fout], standardDeviation: S(0.001), using: &generator)
                entries.append(("\(prefix)idt\(k)", noise + S(0.1)))
            }
        }
        for net in embeddingNetworks {
            for (k, (fin, fout, idt)) in Self.layers(input: 1, widths: h.neuron, timestep: h.resnetDt).enumerated() {
                add(net.prefix, k, fin, fout, idt)
            }
        }
        for prefix in fittingPrefixes {
            let hidden = Self.layers(input: h.descriptorLength, widths: h.fittingNeuron, timestep: h.fittingResnetDt)
            for (k, (fin, fout, idt)) in hidden.enumerated() { add(prefix, k, fin, fout, idt) }
            add(prefix, hidden.count, h.fittingNeuron.last ?? h.descriptorLength, 1, false)
        }
        return ParameterSet(entries)
    }

    /// Network energies `[B]` (eV): Σ over each conformation's atoms of 𝓕_{Z_i}(D_i).
    public func networkEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters p: ParameterSet<S>) -> Tensor<S> {
        let d = descriptor(pairVectors: pairVectors, topology: topology, parameters: p)
        let h = hyperparameters
        var energies = Tensor<S>.zeros(shape: [batch.conformationCount])
        for (s, prefix) in fittingPrefixes.enumerated() {
            let atoms = topology.speciesIndices.indices.filter { topology.speciesIndices[$0] == s }
            guard !atoms.isEmpty else { continue }
            var x = d.gather(indices: atoms)
            let hidden = Self.layers(input: h.descriptorLength, widths: h.fittingNeuron, timestep: h.fittingResnetDt)
            for (k, layer) in hidden.enumerated() { x = Self.layer(x, prefix: prefix, k, timestep: layer.2, parameters: p) }
            let e = dense(x, weight: p[prefix + "W\(hidden.count)"], bias: p[prefix + "b\(hidden.count)"])
            energies = energies + e.reshaped([atoms.count]).scatterAdd(indices: atoms.map { batch.conformationOfAtom[$0] },
                                                                        into: batch.conformationCount)
        }
        return energies
    }

    /// One hidden layer of deepmd-kit's networks: tanh(x W + b), times idt, plus x when the
    /// width stays or (x, x) when it doubles.
    static func layer<S: TensorScalar>(_ x: Tensor<S>, prefix: String, _ k: Int, timestep: Bool,
                                       parameters p: ParameterSet<S>) -> Tensor<S> {
        // tanh(u) = 2σ(2u) − 1: the same function, through the logistic kernel, which is vectorised.
        var y = (dense(x, weight: p[prefix + "W\(k)"], bias: p[prefix + "b\(k)"]) * S(2)).sigmoid() * S(2) - S(1)
        if timestep { y = y * p[prefix + "idt\(k)"] }
        let fin = x.shape[1], fout = y.shape[1]
        if fout == fin { return y + x }
        guard fout == 2 * fin else { return y }
        // (x, x) as x [I I]: a product, whose second derivative is cheaper than a concatenation's.
        var duplicate = [S](repeating: 0, count: fin * fout)
        for k in 0..<fin { duplicate[k * fout + k] = 1; duplicate[k * fout + fin + k] = 1 }
        return y + matmul(x, Tensor(shape: [fin, fout], scalars: duplicate))
    }
}
