import Autodiff
import Chemistry
import Descriptors

/// MACE, higher-order equivariant message passing (Batatia, Kovács, Simm, Ortner & Csányi,
/// NeurIPS 2022, arXiv:2206.07697), as mace-torch builds it by default (`--model MACE`:
/// `ScaleShiftMACE` with a `RealAgnosticInteractionBlock` first and
/// `RealAgnosticResidualInteractionBlock`s after it, `mace/modules/models.py`, `blocks.py`).
/// With the same weights it gives mace-torch's energies and forces to 1e-5 relative in
/// Float64 (`scripts/mace_parity.py`, `MACEParityTests`).
///
/// **Edges.** For each directed pair of the neighbour topology, receiver i (the topology's
/// centre) and sender j (its neighbour), the edge vector is mace's r_ij = r_i − (r_j + shift),
/// pointing from the sender to the receiver; the features are the spherical harmonics
/// Y(r̂_ij) (``SphericalHarmonics``, e3nn's "component" normalisation, l ≤ `shDegree`) and the
/// radial basis R_n(r) = √(2/r_c) sin(nπr/r_c)/r · u(r/r_c), n = 1 … `radialBasis`, with the
/// polynomial envelope u(x) = 1 − ((p+1)(p+2)/2) x^p + p(p+2) x^{p+1} − (p(p+1)/2) x^{p+2}.
///
/// **Layers** (F channels, N species, e3nn's normalisations: every linear map divides by
/// √fan-in, every activation is SiLU times e3nn's second-moment constant
/// ``siluNormalisation``). Node features h are a set of irreps with F channels each, layer 0
/// starting from the embedding h⁰_i = W_emb[Z_i]/√N (F scalars). Layer t:
///
/// 1. h̃ = h W_up/√F per irrep;
/// 2. per edge, the channel-wise tensor product of h̃_j with Y(r̂_ij), one path per
///    (input irrep, harmonic, output irrep) with weights w_k(r_ij) `[F]` from the radial MLP
///    (no biases; mace's `FullyConnectedNet`), e3nn's "uvu" product with path weight
///    √(2l_out+1): m^k_{i,M,c} = Σ_j √(2l_out+1) w_{k,c}(r_ij) Σ_{m,m′} C[m, m′, M] h̃_{j,m,c} Y_{m′}(r̂_ij);
/// 3. A_i = (Σ_k m^k W_k)/(√(n_paths F) · `averageNeighbours`) per message irrep, then, in the
///    first layer only, a per-element linear map A ← A W_skip[Z_i]/√(F N);
/// 4. the symmetric contraction (the product basis, correlation ν):
///    B_{i,c,M} = Σ_{n=1}^{ν} Σ_k W_n[Z_i, k, c] Σ_{i₁…i_n} U_n[M, i₁…i_n, k] A_{i,c,i₁} ⋯ A_{i,c,i_n}
///    (``CouplingBasis``), then h′ = B W/√F, plus in residual layers (t ≥ 1) the
///    self-connection h W_sc[Z_i]/√(F N).
///
/// The hidden irreps are Σ_{l ≤ hiddenDegree} F × l(−1)^l; the last layer keeps only scalars.
///
/// **Energy.** Readout t < L−1 is linear, e_t = h_0 · w/√F; the last is an MLP,
/// e = silu_n(h_0 W₁/√F) · W₂/√R (R = `readoutWidth`). E_net = Σ_i (scale Σ_t e_t(i) + shift);
/// the self-energies play the role of mace's atomic energies E0.
///
/// **Parameters** (names, shapes; mace-torch names in `scripts/mace_parity.py`):
/// `embedding/W` `[N, F]`; per layer t `int<t>/up/<ir>` `[F, F]` for the input irreps,
/// `int<t>/radial/W<k>` (widths radialBasis, radialMLP…, n_paths·F), `int<t>/linear/<ir>`
/// `[n_ir·F, F]` (the paths into message irrep ir, stacked in order), `int<t>/skip/<ir>`
/// `[N, F, F]`, `prod<t>/<ir>/w<n>` `[N, K_n, F]`, `prod<t>/linear/<ir>` `[F, F]`; readouts
/// `readout<t>/W` `[F, 1]` (t < L−1), `readout<L−1>/W1` `[F, R]` and `W2` `[R, 1]`.
/// Layer t of ``layer(ofParameter:)`` is interaction t with its product basis (and the
/// embedding for t = 0); all readouts are layer L.
///
/// **Evaluation.** Step 2 runs as one fused ``EdgeTensorProduct`` per message irrep (no
/// per-edge `[P, 2l+1, F]` tensors) and step 4 as a ``SymmetricPolynomial`` per order (mace's
/// U_ν kept sparse and symmetrised) followed by the per-element weights; both have their own
/// derivative rules to any order, so forces and force training run through ``Autodiff``.
/// `composedReference` evaluates the same model with plain tensor operations (mace's dense
/// contraction order); `MACEKernelTests` checks the two agree, to second order.
///
/// **Conventions matched to mace-torch / e3nn** (each checked by `MACEParityTests`): e3nn's
/// spherical-harmonic axes (y polar) and "component" normalisation; e3nn's real basis and
/// phase of the Clebsch–Gordan coefficients; irreps ordered (l, p) with odd before even and
/// tensor-product paths sorted stably by output irrep; e3nn's path normalisation (√(2l+1) per
/// "uvu" path, 1/√fan-in per linear map, summed over the paths into an output); mace's
/// coupling-path order of U_ν; messages divided by the average neighbour count after the
/// linear map; edge vectors pointing from sender to receiver; e3nn's Monte-Carlo SiLU
/// normalisation constant.
public struct MACEPotential: AtomisticPotential {
    /// The hyperparameters.
    public let hyperparameters: MACEArchitecture
    public var selfEnergies: SelfEnergies
    /// The layers' static structure.
    let layers: [MACELayer]
    let harmonics: SphericalHarmonics
    /// Evaluate with composed tensor operations instead of the fused ``EdgeTensorProduct``
    /// and ``SymmetricPolynomial`` (the reference the fused operations are tested against).
    var composedReference = false

    /// e3nn's `normalize2mom(silu)` constant, 1/√E[silu(z)²] for z ~ N(0, 1), as e3nn
    /// estimates it (Monte Carlo over 10⁶ samples drawn with seed 0; the exact value is
    /// 1.67653…). mace-torch's radial MLPs and readout all use e3nn's number, so it is kept
    /// to make weights interchangeable; `scripts/mace_parity.py` checks it.
    public static let siluNormalisation = 1.6791767923989418

    public init(_ hyperparameters: MACEArchitecture, selfEnergies: SelfEnergies) {
        if let (key, reason) = hyperparameters.problem() { preconditionFailure("MACE \(key): \(reason)") }
        self.hyperparameters = hyperparameters
        self.selfEnergies = selfEnergies
        layers = (0..<hyperparameters.interactions).map { MACELayer(index: $0, architecture: hyperparameters) }
        harmonics = SphericalHarmonics(lmax: hyperparameters.shDegree)
    }

    public var elements: [Int] { hyperparameters.species }
    public var architecture: ModelArchitecture { .mace(hyperparameters) }
    public var neighbourRequest: NeighbourRequest {
        NeighbourRequest(radialCutoff: hyperparameters.cutoff, angularCutoff: 0, species: hyperparameters.species)
    }
    public var layerCount: Int { hyperparameters.interactions + 1 }

    public func layer(ofParameter name: String) -> Int {
        if name.hasPrefix("embedding/") { return 0 }
        if name.hasPrefix("readout") { return hyperparameters.interactions }
        for prefix in ["int", "prod"] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/"), let t = Int(rest[..<slash]), t < hyperparameters.interactions { return t }
        }
        preconditionFailure("not a MACE parameter: \(name)")
    }

    /// Widths of layer t's radial MLP: radialBasis, radialMLP…, n_paths · F.
    func radialWidths(_ layer: MACELayer) -> [Int] {
        [hyperparameters.radialBasis] + hyperparameters.radialMLP + [layer.paths.count * hyperparameters.channels]
    }

    /// The parameter names and shapes, in order.
    var parameterShapes: [(String, [Int])] {
        let h = hyperparameters, n = h.species.count, f = h.channels
        var shapes: [(String, [Int])] = [("embedding/W", [n, f])]
        for layer in layers {
            let t = layer.index
            for ir in layer.inputs { shapes.append(("int\(t)/up/\(ir)", [f, f])) }
            let widths = radialWidths(layer)
            for k in 0..<(widths.count - 1) { shapes.append(("int\(t)/radial/W\(k)", [widths[k], widths[k + 1]])) }
            for ir in layer.messages {
                let count = layer.paths(into: ir).count
                if count > 0 { shapes.append(("int\(t)/linear/\(ir)", [count * f, f])) }
            }
            for ir in layer.residual ? layer.selfConnected : layer.messages { shapes.append(("int\(t)/skip/\(ir)", [n, f, f])) }
            for ir in layer.outputs {
                for basis in layer.couplings[ir]! where basis.pathCount > 0 {
                    shapes.append(("prod\(t)/\(ir)/w\(basis.correlation)", [n, basis.pathCount, f]))
                }
                shapes.append(("prod\(t)/linear/\(ir)", [f, f]))
            }
        }
        for t in 0..<(h.interactions - 1) { shapes.append(("readout\(t)/W", [f, 1])) }
        shapes.append(("readout\(h.interactions - 1)/W1", [f, h.readoutWidth]))
        shapes.append(("readout\(h.interactions - 1)/W2", [h.readoutWidth, 1]))
        return shapes
    }

    /// mace-torch's initialisation: e3nn weights (linear maps, radial MLPs, the per-element
    /// products, readouts) N(0, 1) — the 1/√fan-in lives in the forward pass — and the
    /// product-basis weights N(0, 1)/K_n.
    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_: S.Type, using generator: inout G) -> ParameterSet<S> {
        ParameterSet(parameterShapes.map { name, shape in
            let std = name.hasPrefix("prod") && !name.contains("/linear/") ? 1 / Double(shape[1]) : 1
            return (name, Tensor<S>.randomNormal(shape: shape, standardDeviation: S(std), using: &generator))
        })
    }
}
