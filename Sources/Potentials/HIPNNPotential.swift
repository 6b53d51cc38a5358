import Autodiff
import Chemistry
import Descriptors

/// HIP-NN, the hierarchically interacting particle neural network (Lubbers, Smith & Barros,
/// J. Chem. Phys. 148, 241715 (2018), doi:10.1063/1.5011181), as implemented in hippynn
/// (`hippynn/networks/hipnn.py`, `hippynn/layers/hiplayers/interactions.py`,
/// `hippynn/layers/targets.py`), in the paper's plain form (`resnet=False`) or, with
/// ``HIPNNArchitecture/resnet``, hippynn's default residual form (`resnet=True`).
///
/// **Features.** Layer 0 is the one-hot species encoding z⁰_i ∈ {0,1}^{n_species} over
/// ``elements``. Each of the `interactions` blocks maps z^{l} to z^{l+1} (width F) by one
/// interaction layer followed by `atomLayers` on-site layers, all with softplus f:
///
///     z'_i = f( Σ_ν Σ_{j ∈ N(i)} s_ν(r_ij) (z_j V_ν) + z_i W_self + b ),      z ← f(z W_k + b_k)
///
/// in the plain form; in the residual form (hippynn's `ResNetWrapper`) each of those layers,
/// with pre-activation u = (the bracket above) or z W_k + b_k, becomes
///
///     z ← f(u) R + c + z A,      A = identity when F_in = F,
///
/// with no activation on the sum (A `[F_in, F]` has no bias; it exists only in block 0,
/// where F_in = n_species).
///
/// with the sensitivities s_ν of ``HIPNNSensitivity`` and pairs i → j within the hard cutoff
/// (periodic images included). The double sum is evaluated as hippynn's `envsum`: the fused
/// ``PairList/environment(_:_:)`` sums s(r_ij) ⊗ z_j onto the centre atoms, giving the
/// environment `[A, ν·F_in]` without storing the per-pair products `[P, ν·F_in]`, then one
/// matmul with V `[ν·F_in, F]` (row ν·F_in + f).
///
/// **Energy** (hippynn's `HEnergy`): a linear readout of every layer, summed,
///
///     E_net = Σ_i Σ_{l=0}^{L} (z^l_i · w_l + b_l),     b_0 ≡ 0,
///
/// where the one-hot term z⁰·w₀ is a per-species energy (on top of the task's
/// self-energies). ``layerEnergies(positions:topology:batch:parameters:)`` gives the
/// per-layer terms for hippynn's hierarchicality diagnostic.
///
/// **Parameters** (F_0 = n_species, F_l = `width` for l ≥ 1, ν = `sensitivities`), block l:
/// `int<l>/muInv` `[ν]` (Å⁻¹) and `int<l>/sigma` `[ν]` (Å) of the sensitivities,
/// `int<l>/Wsens` `[ν·F_l, F]`, `int<l>/Wself` `[F_l, F]`, `int<l>/b` `[F]`, and on-site
/// layers `int<l>/atom<k>/W` `[F, F]`, `int<l>/atom<k>/b` `[F]` for k = 1…`atomLayers`;
/// readouts `readout<l>/w` `[F_l, 1]` for l = 0…L and `readout<l>/b` `[1]` for l ≥ 1. The
/// residual form adds `int<l>/res/W` `[F, F]`, `int<l>/res/b` `[F]`, `int<l>/atom<k>/res/W`,
/// `int<l>/atom<k>/res/b` and, where F_l ≠ F, `int<l>/adjust` `[F_l, F]`.
/// Freezing layers: block l is layer l; all readouts are layer L (``layerCount`` = L + 1).
public struct HIPNNPotential: AtomisticPotential {
    /// The hyperparameters.
    public let hyperparameters: HIPNNArchitecture
    public var selfEnergies: SelfEnergies

    public init(_ hyperparameters: HIPNNArchitecture, selfEnergies: SelfEnergies) {
        let h = hyperparameters
        precondition(!h.species.isEmpty && Set(h.species).count == h.species.count, "species must be distinct and non-empty")
        precondition(h.width > 0 && h.interactions > 0 && h.atomLayers >= 0 && h.sensitivities > 0, "sizes must be positive")
        precondition(0 < h.softMin && h.softMin < h.softMax && h.softMax <= h.cutoff, "need 0 < softMin < softMax ≤ cutoff")
        self.hyperparameters = h
        self.selfEnergies = selfEnergies
    }

    public var elements: [Int] { hyperparameters.species }
    public var architecture: ModelArchitecture { .hipnn(hyperparameters) }
    public var neighbourRequest: NeighbourRequest {
        NeighbourRequest(radialCutoff: hyperparameters.cutoff, angularCutoff: 0, species: hyperparameters.species)
    }
    public var layerCount: Int { hyperparameters.interactions + 1 }

    /// Feature widths F_0 … F_L.
    var featureWidths: [Int] {
        [hyperparameters.species.count] + Array(repeating: hyperparameters.width, count: hyperparameters.interactions)
    }

    public func layer(ofParameter name: String) -> Int {
        if name.hasPrefix("readout") { return hyperparameters.interactions }
        guard name.hasPrefix("int"), let slash = name.firstIndex(of: "/"),
              let l = Int(name[name.index(name.startIndex, offsetBy: 3)..<slash]) else {
            preconditionFailure("not a HIP-NN parameter: \(name)")
        }
        return l
    }

    /// hippynn's initialisation: sensitivities as in ``HIPNNSensitivity``; interaction
    /// weights V ~ N(0, 2 / (F_in (F + ν))) (PyTorch's Xavier-normal of hippynn's
    /// `[ν, F, F_in]` tensor); self and on-site weights Xavier-normal N(0, 2 / (fan_in +
    /// fan_out)); biases U(±1/√fan_in) (PyTorch `Linear`). Readouts: w₀ = 0 (the
    /// self-energies play the role of hippynn's fitted E0), and for l ≥ 1 PyTorch's `Linear`
    /// init U(±1/√F) scaled by hippynn's `hierarchical_energy_initialization` decay:
    /// 10⁻² for l = 1, (10⁻²)² for l = 2, (10⁻⁴)² for l = 3, … The residual form's R, c
    /// and A are PyTorch `Linear`s: U(±1/√fan_in) (A without bias).
    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_: S.Type, using generator: inout G) -> ParameterSet<S> {
        let h = hyperparameters, nu = h.sensitivities, f = h.width
        func normal(_ shape: [Int], _ std: Double) -> Tensor<S> {
            Tensor<S>.randomNormal(shape: shape, standardDeviation: S(std), using: &generator)
        }
        func uniform(_ shape: [Int], _ bound: Double) -> Tensor<S> {
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in S(Double.random(in: -bound...bound, using: &generator)) })
        }
        let centres = HIPNNSensitivity.initialInverseCentres(count: nu, softMin: h.softMin, softMax: h.softMax)
        let sigma = HIPNNSensitivity.initialSigma(count: nu, softMin: h.softMin)
        var entries: [(String, Tensor<S>)] = []
        for (l, fin) in featureWidths.dropLast().enumerated() {
            entries.append(("int\(l)/muInv", Tensor(centres.map { S($0) })))
            entries.append(("int\(l)/sigma", Tensor(Array(repeating: S(sigma), count: nu))))
            entries.append(("int\(l)/Wsens", normal([nu * fin, f], (2 / Double(fin * (f + nu))).squareRoot())))
            entries.append(("int\(l)/Wself", normal([fin, f], (2 / Double(fin + f)).squareRoot())))
            entries.append(("int\(l)/b", uniform([f], 1 / Double(fin).squareRoot())))
            if h.resnet {
                entries.append(("int\(l)/res/W", uniform([f, f], 1 / Double(f).squareRoot())))
                entries.append(("int\(l)/res/b", uniform([f], 1 / Double(f).squareRoot())))
                if fin != f { entries.append(("int\(l)/adjust", uniform([fin, f], 1 / Double(fin).squareRoot()))) }
            }
            for k in stride(from: 1, through: h.atomLayers, by: 1) {
                entries.append(("int\(l)/atom\(k)/W", normal([f, f], (1 / Double(f)).squareRoot())))
                entries.append(("int\(l)/atom\(k)/b", uniform([f], 1 / Double(f).squareRoot())))
                if h.resnet {
                    entries.append(("int\(l)/atom\(k)/res/W", uniform([f, f], 1 / Double(f).squareRoot())))
                    entries.append(("int\(l)/atom\(k)/res/b", uniform([f], 1 / Double(f).squareRoot())))
                }
            }
        }
        var decay = 1e-2
        for (l, fl) in featureWidths.enumerated() {
            if l == 0 {
                entries.append(("readout0/w", Tensor.zeros(shape: [fl, 1])))
            } else {
                let bound = 1 / Double(fl).squareRoot()
                entries.append(("readout\(l)/w", uniform([fl, 1], bound) * S(decay)))
                entries.append(("readout\(l)/b", uniform([1], bound) * S(decay)))
                decay *= decay
            }
        }
        return ParameterSet(entries)
    }

    /// The features z⁰ … z^L (`[A, F_l]` each) of the atoms at `positions` (`[A, 3]`, Å).
    public func features<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology,
                                          parameters p: ParameterSet<S>) -> [Tensor<S>] {
        features(pairVectors: topology.pairVectors(positions), topology: topology, parameters: p)
    }

    /// The features z⁰ … z^L (`[A, F_l]` each) from the pair vectors r_ij `[P, 3]` (Å) of
    /// `topology` (``NeighbourTopology/pairVectors(_:)``).
    public func features<S: TensorScalar>(pairVectors u: Tensor<S>, topology: NeighbourTopology,
                                          parameters p: ParameterSet<S>) -> [Tensor<S>] {
        precondition(u.shape == [topology.pairCount, 3], "pair vectors \(u.shape) for \(topology.pairCount) pairs")
        let h = hyperparameters, n = topology.atomCount, pairs = topology.pairCount
        var onehot = [S](repeating: 0, count: n * h.species.count)
        for (a, s) in topology.speciesIndices.enumerated() { onehot[a * h.species.count + s] = 1 }
        var z = Tensor(shape: [n, h.species.count], scalars: onehot)
        var all = [z]
        // Pair distances [P, 1].
        var d: Tensor<S>?
        let pairList = PairList(centers: topology.centers, neighbours: topology.neighbours, atomCount: n)
        if pairs > 0 { d = (u * u).sum(alongAxes: [1], keepingDims: true).safeSqrt(S(1e-12)) }
        for l in 0..<h.interactions {
            var pre = matmul(z, p["int\(l)/Wself"]) + p["int\(l)/b"]
            if let d {
                let s = HIPNNSensitivity.sensitivities(d, inverseCentres: p["int\(l)/muInv"], sigma: p["int\(l)/sigma"],
                                                       cutoff: h.cutoff)                       // [P, ν]
                let environment = pairList.environment(s, z)                                     // [A, ν·F_in]
                pre = pre + matmul(environment, p["int\(l)/Wsens"])
            }
            z = h.resnet ? residual(pre, input: z, prefix: "int\(l)/", parameters: p) : pre.softplus()
            for k in stride(from: 1, through: h.atomLayers, by: 1) {
                let u = dense(z, weight: p["int\(l)/atom\(k)/W"], bias: p["int\(l)/atom\(k)/b"])
                z = h.resnet ? residual(u, input: z, prefix: "int\(l)/atom\(k)/", parameters: p) : u.softplus()
            }
            all.append(z)
        }
        return all
    }

    /// hippynn's `ResNetWrapper` output f(u) R + c + z A for pre-activation `u` `[A, F]` and
    /// layer input `z` `[A, F_in]` (A = identity when F_in = F).
    private func residual<S: TensorScalar>(_ u: Tensor<S>, input z: Tensor<S>, prefix: String,
                                           parameters p: ParameterSet<S>) -> Tensor<S> {
        let skip = z.shape[1] == u.shape[1] ? z : matmul(z, p[prefix + "adjust"])
        return dense(u.softplus(), weight: p[prefix + "res/W"], bias: p[prefix + "res/b"]) + skip
    }

    /// Per-layer atomic energies z^l_i · w_l + b_l, l = 0…L, each `[A]` (eV).
    public func layerAtomicEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology,
                                                     parameters p: ParameterSet<S>) -> [Tensor<S>] {
        layerAtomicEnergies(pairVectors: topology.pairVectors(positions), topology: topology, parameters: p)
    }

    /// The same per-layer atomic energies from the pair vectors r_ij `[P, 3]` (Å).
    public func layerAtomicEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology,
                                                     parameters p: ParameterSet<S>) -> [Tensor<S>] {
        features(pairVectors: pairVectors, topology: topology, parameters: p).enumerated().map { l, z in
            let e = matmul(z, p["readout\(l)/w"]).reshaped([topology.atomCount])
            return l == 0 ? e : e + p["readout\(l)/b"]
        }
    }

    /// Per-layer conformation energies E_l = Σ_{i∈c} (z^l_i · w_l + b_l), l = 0…L, each
    /// `[B]` (eV); their sum is ``networkEnergies(positions:topology:batch:parameters:)``.
    /// hippynn's hierarchicality is Σ_{l≥1} E_l² / (E_l² + E_{l−1}²).
    public func layerEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                               parameters: ParameterSet<S>) -> [Tensor<S>] {
        layerAtomicEnergies(positions: positions, topology: topology, parameters: parameters).map {
            $0.scatterAdd(indices: batch.conformationOfAtom, into: batch.conformationCount)
        }
    }

    /// Σ_l E_l per conformation, `[B]` (eV).
    public func networkEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        let terms = layerAtomicEnergies(pairVectors: pairVectors, topology: topology, parameters: parameters)
        return terms.dropFirst().reduce(terms[0], +).scatterAdd(indices: batch.conformationOfAtom, into: batch.conformationCount)
    }
}
