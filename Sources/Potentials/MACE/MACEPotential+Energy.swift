import Autodiff
import Descriptors

// The forward pass of ``MACEPotential`` (see its documentation for the formulas).

extension MACEPotential {
    /// Σ_t e_t per conformation, scaled and shifted, `[B]` (eV).
    public func networkEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        atomicEnergies(pairVectors: pairVectors, topology: topology, parameters: parameters)
            .scatterAdd(indices: batch.conformationOfAtom, into: batch.conformationCount)
    }

    /// Atomic interaction energies scale · Σ_t e_t(i) + shift, `[A]` (eV).
    public func atomicEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology,
                                                parameters: ParameterSet<S>) -> Tensor<S> {
        atomicEnergies(pairVectors: topology.pairVectors(positions), topology: topology, parameters: parameters)
    }

    /// The same atomic energies `[A]` (eV) from the pair vectors r_ij `[P, 3]` (Å) of `topology`.
    public func atomicEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology,
                                                parameters: ParameterSet<S>) -> Tensor<S> {
        let terms = readoutEnergies(pairVectors: pairVectors, topology: topology, parameters: parameters)
        let sum = terms.dropFirst().reduce(terms[0], +)
        let h = hyperparameters
        let scaled = sum * S(h.scale ?? 1)
        return h.shift == 0 ? scaled : scaled + S(h.shift)
    }

    /// The readouts' atomic energies e_t(i), t = 0 … L−1, each `[A]` (eV, before scale and shift).
    public func readoutEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology,
                                                 parameters p: ParameterSet<S>) -> [Tensor<S>] {
        readoutEnergies(pairVectors: topology.pairVectors(positions), topology: topology, parameters: p)
    }

    /// The same readout energies from the pair vectors r_ij = r_j + shift − r_i `[P, 3]` (Å)
    /// of `topology` (``NeighbourTopology/pairVectors(_:)``).
    public func readoutEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology,
                                                 parameters p: ParameterSet<S>) -> [Tensor<S>] {
        precondition(pairVectors.shape == [topology.pairCount, 3], "pair vectors \(pairVectors.shape) for \(topology.pairCount) pairs")
        let h = hyperparameters, atoms = topology.atomCount, f = h.channels, n = h.species.count
        let groups = ElementGroups(speciesIndices: topology.speciesIndices, speciesCount: n)
        var onehot = [S](repeating: 0, count: atoms * n)
        for (a, s) in topology.speciesIndices.enumerated() { onehot[a * n + s] = 1 }
        let embedding = matmul(Tensor(shape: [atoms, n], scalars: onehot), p["embedding/W"]) * S(1 / Double(n).squareRoot())
        var features: [Irrep: Tensor<S>] = [Irrep(0, 1): embedding.reshaped([atoms, 1, f])]
        let edges = topology.pairCount > 0 ? edgeFeatures(pairVectors: pairVectors, topology: topology) : nil
        var energies: [Tensor<S>] = []
        for layer in layers {
            features = interact(layer, features: features, edges: edges, topology: topology, groups: groups, parameters: p)
            let scalars = features[Irrep(0, 1)]!.reshaped([atoms, f])
            energies.append(readout(layer.index, scalars, parameters: p))
        }
        return energies
    }

    /// Edge harmonics `[P, (lmax+1)²]` and radial basis × envelope `[P, radialBasis]`.
    func edgeFeatures<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology) -> (harmonics: Tensor<S>, radial: Tensor<S>) {
        let h = hyperparameters
        // mace's edge vector: receiver (our centre) minus sender (our neighbour, with its image
        // shift), −r_ij.
        let vectors = -pairVectors
        let r = (vectors * vectors).sum(alongAxes: [1], keepingDims: true).safeSqrt(S(1e-12))          // [P, 1]
        let rc = h.cutoff
        let frequencies = Tensor<S>((1...h.radialBasis).map { S(Double($0) * Double.pi / rc) })
        let bessel = (r * frequencies).sin() / r * S((2 / rc).squareRoot())
        let x = r / S(rc), pe = Double(h.envelopeExponent)
        let envelope = 1 - x.pow(S(pe)) * S((pe + 1) * (pe + 2) / 2) + x.pow(S(pe + 1)) * S(pe * (pe + 2))
            - x.pow(S(pe + 2)) * S(pe * (pe + 1) / 2)
        return (harmonics(vectors), bessel * envelope)
    }

    /// One interaction layer with its product basis: node features in, node features out
    /// (irrep → `[A, 2l+1, F]`).
    func interact<S: TensorScalar>(_ layer: MACELayer, features: [Irrep: Tensor<S>], edges: (harmonics: Tensor<S>, radial: Tensor<S>)?,
                                   topology: NeighbourTopology, groups: ElementGroups, parameters p: ParameterSet<S>) -> [Irrep: Tensor<S>] {
        let h = hyperparameters, t = layer.index, atoms = topology.atomCount, f = h.channels
        let skipNorm = S(1 / Double(f * h.species.count).squareRoot()), linearNorm = S(1 / Double(f).squareRoot())
        func linear(_ x: Tensor<S>, _ w: Tensor<S>, _ scale: S) -> Tensor<S> {
            let d = x.shape[1]
            return (matmul(x.reshaped([atoms * d, x.shape[2]]), w) * scale).reshaped([atoms, d, w.shape[1]])
        }
        var selfConnection: [Irrep: Tensor<S>] = [:]
        for ir in layer.selfConnected {
            selfConnection[ir] = groups.linear(features[ir]!, p["int\(t)/skip/\(ir)"]) * skipNorm
        }
        var up: [Irrep: Tensor<S>] = [:]
        for ir in layer.inputs { up[ir] = linear(features[ir]!, p["int\(t)/up/\(ir)"], linearNorm) }
        // Messages: per path, summed over each receiver's edges; then A, the linear map over
        // the paths into each message irrep, / avg_num_neighbors.
        let messages = composedReference
            ? composedMessages(layer, up: up, edges: edges, topology: topology, parameters: p)
            : fusedMessages(layer, up: up, edges: edges, topology: topology, parameters: p)
        var coupled: [Tensor<S>] = []
        for ir in layer.messages {
            let count = layer.paths(into: ir).count
            var a: Tensor<S>
            if let stacked = messages[ir] {
                a = linear(stacked, p["int\(t)/linear/\(ir)"], S(1 / (Double(count * f).squareRoot() * (h.averageNeighbours ?? 1))))
            } else {
                a = Tensor.zeros(shape: [atoms, ir.dimension, f])
            }
            if !layer.residual { a = groups.linear(a, p["int\(t)/skip/\(ir)"]) * skipNorm }
            coupled.append(a)
        }
        let x = Tensor.concatenate(coupled, alongAxis: 1)                                            // [A, D, F]
        var out: [Irrep: Tensor<S>] = [:]
        for ir in layer.outputs {
            let b = composedReference
                ? groups.symmetricContraction(x, bases: layer.couplings[ir]!, parameters: p, prefix: "prod\(t)/\(ir)/w")
                : productBasis(x, polynomials: layer.polynomials[ir]!, output: ir, species: topology.speciesIndices, parameters: p,
                               prefix: "prod\(t)/\(ir)/w")
            let y = linear(b, p["prod\(t)/linear/\(ir)"], linearNorm)
            out[ir] = selfConnection[ir].map { y + $0 } ?? y
        }
        return out
    }

    /// Summed messages per message irrep, `[A, 2l+1, n_paths·F]` (paths side by side; nil
    /// without paths or edges), by the fused ``EdgeTensorProduct``.
    func fusedMessages<S: TensorScalar>(_ layer: MACELayer, up: [Irrep: Tensor<S>], edges: (harmonics: Tensor<S>, radial: Tensor<S>)?,
                                        topology: NeighbourTopology, parameters p: ParameterSet<S>) -> [Irrep: Tensor<S>] {
        guard let edges else { return [:] }
        let atoms = topology.atomCount, f = hyperparameters.channels
        let features = Tensor.concatenate(layer.inputs.map { up[$0]! }, alongAxis: 1).reshaped([atoms, -1])
        let hidden = radialMLP(edges.radial, layer: layer, parameters: p, hiddenOnly: true)
        let last = p["int\(layer.index)/radial/W\(radialWidths(layer).count - 2)"], norm = S(1 / Double(last.shape[0]).squareRoot())
        var out: [Irrep: Tensor<S>] = [:], column = 0
        for ir in layer.messages {
            let count = layer.paths(into: ir).count
            guard count > 0 else { continue }
            // The radial MLP's last layer restricted to this irrep's paths (their columns are adjacent).
            let weights = matmul(hidden, last.slice(alongAxis: 1, start: column, length: count * f)) * norm
            column += count * f
            let product = EdgeTensorProduct(layer: layer, into: ir, receivers: topology.centers, senders: topology.neighbours,
                                            atomCount: atoms, channels: f, harmonicCount: harmonics.count)
            out[ir] = product(weights: weights, features: features, harmonics: edges.harmonics).reshaped([atoms, ir.dimension, count * f])
        }
        return out
    }

    /// The same with composed tensor operations (per path: gather, product, scatter).
    func composedMessages<S: TensorScalar>(_ layer: MACELayer, up: [Irrep: Tensor<S>], edges: (harmonics: Tensor<S>, radial: Tensor<S>)?,
                                           topology: NeighbourTopology, parameters p: ParameterSet<S>) -> [Irrep: Tensor<S>] {
        guard let edges else { return [:] }
        let atoms = topology.atomCount, f = hyperparameters.channels, pairs = topology.pairCount
        let weights = radialMLP(edges.radial, layer: layer, parameters: p)                        // [P, n_paths · F]
        var pathMessages: [Tensor<S>] = []
        for (k, path) in layer.paths.enumerated() {
            let w = weights.slice(alongAxis: 1, start: k * f, length: f).reshaped([pairs, 1, f])
            let xs = up[path.input]!.gather(indices: topology.neighbours) * w                        // [P, d_in, F]
            let y = edges.harmonics.slice(alongAxis: 1, start: path.harmonic * path.harmonic, length: 2 * path.harmonic + 1)
            let m = channelwiseProduct(xs, y, path) * S(Double(path.output.dimension).squareRoot())
            pathMessages.append(m.scatterAdd(indices: topology.centers, into: atoms))
        }
        var out: [Irrep: Tensor<S>] = [:]
        for ir in layer.messages {
            let ks = layer.paths.indices.filter { layer.paths[$0].output == ir }
            if !ks.isEmpty { out[ir] = Tensor.concatenate(ks.map { pathMessages[$0] }, alongAxis: 2) }
        }
        return out
    }

    /// The product basis B `[A, M, F]` of x `[A, D, F]`: Σ_ν Σ_k W_ν[Z_a, k, c] G_ν[a, M, k, c]
    /// with G_ν from the fused ``SymmetricPolynomial``.
    func productBasis<S: TensorScalar>(_ x: Tensor<S>, polynomials: [SymmetricPolynomial], output: Irrep, species: [Int],
                                       parameters p: ParameterSet<S>, prefix: String) -> Tensor<S> {
        let atoms = x.shape[0], f = x.shape[2]
        let flat = x.reshaped([atoms, x.shape[1] * f])
        var b: Tensor<S>?
        for polynomial in polynomials {
            let w = p["\(prefix)\(polynomial.order)"]                                               // [N, K, F]
            let k = w.shape[1], m = polynomial.outputs / k
            let g = polynomial(flat).reshaped([atoms, m, k, f])
            let term = (g * w.gather(indices: species).reshaped([atoms, 1, k, f])).sum(alongAxes: [2])
            b = b.map { $0 + term } ?? term
        }
        return b ?? Tensor.zeros(shape: [atoms, output.dimension, f])
    }

    /// e3nn's "uvu" product of one path without its weight: out[e, M, c] =
    /// Σ_{m, m′} C[m, m′, M] x[e, m, c] y[e, m′] for x `[P, d_in, F]`, y `[P, d_Y]` → `[P, d_out, F]`.
    func channelwiseProduct<S: TensorScalar>(_ x: Tensor<S>, _ y: Tensor<S>, _ path: MACELayer.Path) -> Tensor<S> {
        let pairs = x.shape[0], dIn = path.input.dimension, dY = 2 * path.harmonic + 1, dOut = path.output.dimension
        // K[e, m, M] = Σ_{m′} y[e, m′] C[m, m′, M]: y @ C′ with C′[m′, (m, M)].
        var cPrime = [S](repeating: 0, count: dY * dIn * dOut)
        for m in 0..<dIn { for mp in 0..<dY { for mo in 0..<dOut {
            cPrime[(mp * dIn + m) * dOut + mo] = S(path.coefficients[(m * dY + mp) * dOut + mo])
        } } }
        let k = matmul(y, Tensor(shape: [dY, dIn * dOut], scalars: cPrime))                          // [P, d_in · d_out]
        var out: Tensor<S>?
        for m in 0..<dIn {
            let term = k.slice(alongAxis: 1, start: m * dOut, length: dOut).reshaped([pairs, dOut, 1])
                * x.slice(alongAxis: 1, start: m, length: 1)
            out = out.map { $0 + term } ?? term
        }
        return out!
    }

    /// The radial MLP of layer t (e3nn's `FullyConnectedNet`, no biases): `[P, radialBasis]` →
    /// `[P, n_paths · F]`, or its last hidden layer with `hiddenOnly`.
    func radialMLP<S: TensorScalar>(_ radial: Tensor<S>, layer: MACELayer, parameters p: ParameterSet<S>,
                                    hiddenOnly: Bool = false) -> Tensor<S> {
        let widths = radialWidths(layer)
        var x = radial
        for k in 0..<(widths.count - (hiddenOnly ? 2 : 1)) {
            x = matmul(x, p["int\(layer.index)/radial/W\(k)"]) * S(1 / Double(widths[k]).squareRoot())
            if k < widths.count - 2 { x = x.silu() * S(Self.siluNormalisation) }
        }
        return x
    }

    /// Readout t of the scalar features `[A, F]` → `[A]`.
    func readout<S: TensorScalar>(_ t: Int, _ scalars: Tensor<S>, parameters p: ParameterSet<S>) -> Tensor<S> {
        let h = hyperparameters, atoms = scalars.shape[0]
        let norm = S(1 / Double(h.channels).squareRoot())
        if t < h.interactions - 1 { return (matmul(scalars, p["readout\(t)/W"]) * norm).reshaped([atoms]) }
        let hidden = (matmul(scalars, p["readout\(t)/W1"]) * norm).silu() * S(Self.siluNormalisation)
        return (matmul(hidden, p["readout\(t)/W2"]) * S(1 / Double(h.readoutWidth).squareRoot())).reshaped([atoms])
    }
}
