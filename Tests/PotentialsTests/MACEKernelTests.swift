import Autodiff
import Chemistry
import Testing
import _TestSupport
@testable import Potentials

/// The fused operations of MACE (``EdgeTensorProduct``, ``SymmetricPolynomial``) against
/// the composed tensor operations they replace, to second order.
@Suite struct MACEKernelTests {
    @Test(arguments: ["medium", "small"])
    func fusedModelEqualsComposedModel(_ name: String) throws {
        var (potential, parameters, _) = try MACEParityTests.model(name)
        let confs = MACEParityTests.conformations
        let fused = try potential.evaluate(confs, parameters: parameters)
        potential.composedReference = true
        let composed = try potential.evaluate(confs, parameters: parameters)
        for (a, b) in zip(fused.energies.scalars, composed.energies.scalars) { #expect(abs(a - b) < 1e-9) }
        let worst = zip(fused.forces!.scalars, composed.forces!.scalars).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-11)
    }

    /// Force-training gradient: ∂/∂θ of Σ F² through both implementations (this runs every
    /// fused operation's second-order rule).
    @Test func fusedForceLossGradientEqualsComposed() throws {
        var (potential, parameters, _) = try MACEParityTests.model("medium")
        let conf = MACEParityTests.conformations[3]
        let topology = try potential.topology(of: [conf])
        let positions = Tensor<Double>(positions: conf.positions)
        func gradients() -> ParameterSet<Double> {
            let p = parameters.requiringGrad()
            let (e, f) = potential.networkEnergiesAndForces(positions: positions, topology: topology, batch: AtomBatch([conf]),
                                                            parameters: p, createGraph: true)
            return gradient(of: (e * e).sum() + (f! * f!).sum(), withRespectTo: p)
        }
        let fused = gradients()
        potential.composedReference = true
        let composed = gradients()
        for t in 0..<fused.count {
            let scale = max(1e-8, composed[t].scalars.map(abs).max()!)
            let worst = zip(fused[t].scalars, composed[t].scalars).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-9 * max(1, scale), "\(fused.names[t]): \(worst) of \(scale)")
        }
    }

    /// Every slot of the edge product for each message irrep: value against the composed
    /// product, and the derivatives of a quartic function of its output (first and second
    /// order) against those of the composed version.
    @Test(arguments: ["0e", "1o", "2e"])
    func edgeTensorProductSlotsAndDerivatives(_ irrep: String) throws {
        let a = MACEArchitecture(species: [1, 6], shDegree: 2, channels: 3, hiddenDegree: 1, averageNeighbours: 1)
        let potential = MACEPotential(a, selfEnergies: SelfEnergies(energies: [:], origin: .leastSquares))
        let layer = potential.layers[1], ir = try #require(Irrep(irrep))       // inputs 0e + 1o
        let paths = layer.paths(into: ir)
        var rng = SeededGenerator(seed: 11)
        let atoms = 5, receivers = [0, 1, 1, 2, 3, 4, 4, 0], senders = [1, 0, 2, 1, 4, 3, 0, 4]
        let product = EdgeTensorProduct(layer: layer, into: ir, receivers: receivers, senders: senders, atomCount: atoms,
                                        channels: 3, harmonicCount: 9)
        func random(_ shape: [Int]) -> Tensor<Double> { Tensor.randomNormal(shape: shape, using: &rng).requiringGrad() }
        let w = random([8, paths.count * 3]), x = random([atoms, 4 * 3]), y = random([8, 9])
        // The composed reference with the same layout.
        func composed(_ w: Tensor<Double>, _ x: Tensor<Double>, _ y: Tensor<Double>) -> Tensor<Double> {
            let blocks = x.reshaped([atoms, 4, 3])
            let up: [Irrep: Tensor<Double>] = [Irrep(0, 1): blocks.slice(alongAxis: 1, start: 0, length: 1),
                                               Irrep(1, -1): blocks.slice(alongAxis: 1, start: 1, length: 3)]
            let messages = paths.enumerated().map { k, path -> Tensor<Double> in
                let wk = w.slice(alongAxis: 1, start: k * 3, length: 3).reshaped([8, 1, 3])
                let xs = up[path.input]!.gather(indices: senders) * wk
                let yl = y.slice(alongAxis: 1, start: path.harmonic * path.harmonic, length: 2 * path.harmonic + 1)
                let m = potential.channelwiseProduct(xs, yl, path) * Double(path.output.dimension).squareRoot()
                return m.scatterAdd(indices: receivers, into: atoms)
            }
            return Tensor.concatenate(messages, alongAxis: 2).reshaped([atoms, -1])
        }
        let fusedOut = product(weights: w, features: x, harmonics: y), composedOut = composed(w, x, y)
        #expect(fusedOut.shape == composedOut.shape)
        #expect(zip(fusedOut.scalars, composedOut.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        func secondOrder(_ f: (Tensor<Double>, Tensor<Double>, Tensor<Double>) -> Tensor<Double>) -> [[Double]] {
            let out = f(w, x, y)
            let loss = (out * out * out * out).sum() * 0.25
            let first = gradient(of: loss, withRespectTo: [w, x, y], createGraph: true)
            let inner = first.reduce(Tensor<Double>(0.0)) { $0 + ($1 * $1).sum() }
            return (first + gradient(of: inner, withRespectTo: [w, x, y])).map(\.scalars)
        }
        let fusedDerivatives = secondOrder { product(weights: $0, features: $1, harmonics: $2) }
        let composedDerivatives = secondOrder(composed)
        for (u, v) in zip(fusedDerivatives, composedDerivatives) {
            let scale = max(1, v.map(abs).max()!)
            #expect(zip(u, v).allSatisfy { abs($0 - $1) < 1e-10 * scale })
        }
    }

    /// The symmetric polynomial against the dense contraction Σ U x⋯x, and its derivatives
    /// to second order against the composed Horner contraction.
    @Test(arguments: [1, 2, 3])
    func symmetricPolynomialMatchesDenseContraction(_ order: Int) throws {
        let coupling = [Irrep(0, 1), Irrep(1, -1), Irrep(2, 1)]
        let basis = CouplingBasis(coupling: coupling, output: Irrep(1, -1), correlation: order)
        let polynomial = SymmetricPolynomial(basis)
        let d = basis.inputDimension, k = basis.pathCount, m = 3, atoms = 2, f = 2
        var rng = SeededGenerator(seed: UInt64(order))
        let x = Tensor<Double>.randomNormal(shape: [atoms, d * f], using: &rng).requiringGrad()
        // Dense: G[a, M, k, c] = Σ_I U[M, I, k] Π x[a, I_r, c].
        func dense(_ x: Tensor<Double>) -> Tensor<Double> {
            let u = Tensor<Double>(shape: [m * CouplingBasis.power(d, order), k], scalars: basis.values)
            let xt = x.reshaped([atoms, d, f]).permuted([0, 2, 1])                             // [A, F, D]
            var monomial = xt                                                               // [A, F, D^n]
            for _ in 1..<order {
                let n = monomial.shape[2]
                monomial = (monomial.reshaped([atoms, f, n, 1]) * xt.reshaped([atoms, f, 1, d])).reshaped([atoms, f, n * d])
            }
            // [A·F, D^ν] × [D^ν, M·K] (U rows are (M, I); regroup to (I, M·K)).
            let uByIndex = u.reshaped([m, CouplingBasis.power(d, order), k]).permuted([1, 0, 2]).reshaped([-1, m * k])
            let g = matmul(monomial.reshaped([atoms * f, -1]), uByIndex)                          // [A·F, M·K]
            return g.reshaped([atoms, f, m * k]).permuted([0, 2, 1]).reshaped([atoms, m * k * f])
        }
        let fused = polynomial(x), reference = dense(x)
        #expect(zip(fused.scalars, reference.scalars).allSatisfy { abs($0 - $1) < 1e-11 })
        func derivatives(_ f: (Tensor<Double>) -> Tensor<Double>) -> [Double] {
            let out = f(x)
            let first = gradient(of: (out * out * out).sum(), withRespectTo: x, createGraph: true)
            let second = gradient(of: (first * first * first).sum(), withRespectTo: x)
            return first.scalars + second.scalars
        }
        let a = derivatives { polynomial($0) }, b = derivatives(dense)
        let scale = max(1, b.map(abs).max()!)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-10 * scale })
    }
}
