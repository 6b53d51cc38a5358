import Chemistry
import Testing
import Autodiff

/// A tiny molecule: positions, all ordered pairs i ≠ j, and radial features.
struct ToySystem {
    let n = 5
    let pairsI: [Int]
    let pairsJ: [Int]
    let positions: T
    let referenceForces: T
    let mlp = MLP(widths: [4, 8, 6, 1], alpha: 0.9)

    init() {
        var pi: [Int] = [], pj: [Int] = []
        for i in 0..<5 { for j in 0..<5 where i != j { pi.append(i); pj.append(j) } }
        pairsI = pi; pairsJ = pj
        positions = randomTensor([5, 3], in: 0...2, seed: 7)
        referenceForces = randomTensor([5, 3], in: -0.5...0.5, seed: 8)
    }

    /// Per-atom features `Σ_j exp(−2 (d_ij − μ_k)²)` for four centres `μ_k`: `[n, 4]`.
    func features(_ r: T) -> T {
        let u = r.gather(indices: pairsJ) - r.gather(indices: pairsI)
        let d = (u * u).sum(alongAxes: [1], keepingDims: true).safeSqrt(1e-12)
        let mu = T([0.5, 1.0, 1.5, 2.0])
        return ((d - mu).squared() * -2).exp().scatterAdd(indices: pairsI, into: n)
    }

    func energy(_ r: T, _ p: ParameterSet<Double>) -> T { mlp(features(r), parameters: p).sum() }

    /// `F = −∂E/∂R`.
    func forces(_ r: T, _ p: ParameterSet<Double>, createGraph: Bool) -> T {
        let leaf = r.requiringGrad()
        return -gradient(of: energy(leaf, p), withRespectTo: leaf, createGraph: createGraph)
    }

    func forceLoss(_ p: ParameterSet<Double>, createGraph: Bool) -> T {
        (forces(positions, p, createGraph: createGraph) - referenceForces).squared().sum()
    }
}

@Suite struct SecondOrderTests {
    /// The force-matching loss |F − F_ref|² with F = −∂E/∂R, differentiated with respect to the
    /// network parameters (a gradient of a gradient), against finite differences in θ.
    @Test func forceMatchingLossDifferentiatedTwice() {
        let sys = ToySystem()
        var rng = SeededGenerator(seed: 3)
        let theta = sys.mlp.initialParameters(Double.self, using: &rng)
        let leaves = theta.requiringGrad()
        let loss = sys.forceLoss(leaves, createGraph: true)
        let g = gradient(of: loss, withRespectTo: leaves)
        #expect(g.count == theta.count)
        let eps = 1e-6
        var worst = 0.0
        for k in 0..<theta.count {
            for i in 0..<theta[k].count {
                func lossAt(_ delta: Double) -> Double {
                    var s = theta[k].scalars; s[i] += delta
                    var p = theta; p[theta.names[k]] = T(shape: theta[k].shape, scalars: s)
                    return sys.forceLoss(p, createGraph: false).item
                }
                worst = max(worst, relErr(g[k].scalars[i], (lossAt(eps) - lossAt(-eps)) / (2 * eps)))
            }
        }
        #expect(worst < 1e-6, "force-loss parameter gradient error \(worst)")
        #expect(g.norm > 0)
    }

    /// Forces themselves against finite differences of the energy.
    @Test func forcesMatchEnergyDifferences() {
        let sys = ToySystem()
        var rng = SeededGenerator(seed: 4)
        let theta = sys.mlp.initialParameters(Double.self, using: &rng)
        let err = checkGradient(of: { sys.energy($0[0], theta) }, at: [sys.positions])
        #expect(err < 1e-6)
        let f = sys.forces(sys.positions, theta, createGraph: false)
        #expect(abs(f.sum().item) < 1e-10, "translation invariance: forces sum to zero")
    }

    /// Hessian–vector product of the energy in positions.
    @Test func energyHessianVectorProduct() {
        let sys = ToySystem()
        var rng = SeededGenerator(seed: 5)
        let theta = sys.mlp.initialParameters(Double.self, using: &rng)
        let err = checkHessianVectorProduct(of: { sys.energy($0[0], theta) }, at: [sys.positions],
                                            direction: [randomTensor([5, 3], seed: 6)])
        #expect(err < 1e-5)
    }

    /// Second-order MAML: one inner gradient step (createGraph), outer loss differentiated
    /// through it, against finite differences of the outer loss.
    @Test func secondOrderMAML() {
        let mlp = MLP(widths: [3, 5, 1])
        var rng = SeededGenerator(seed: 9)
        let theta = mlp.initialParameters(Double.self, using: &rng)
        let xTrain = randomTensor([6, 3], seed: 10), yTrain = randomTensor([6, 1], seed: 11)
        let xVal = randomTensor([4, 3], seed: 12), yVal = randomTensor([4, 1], seed: 13)
        let lr = 0.3
        func outer(_ p: ParameterSet<Double>, createGraph: Bool) -> T {
            let inner = (mlp(xTrain, parameters: p) - yTrain).squared().mean()
            let g = gradient(of: inner, withRespectTo: p, createGraph: createGraph)
            let adapted = p - g.scaled(by: lr)
            return (mlp(xVal, parameters: adapted) - yVal).squared().mean()
        }
        let leaves = theta.requiringGrad()
        let g = gradient(of: outer(leaves, createGraph: true), withRespectTo: leaves)
        var worst = 0.0
        let eps = 1e-6
        for k in 0..<theta.count {
            for i in 0..<theta[k].count {
                func at(_ d: Double) -> Double {
                    var s = theta[k].scalars; s[i] += d
                    var p = theta; p[theta.names[k]] = T(shape: theta[k].shape, scalars: s)
                    return outer(p.requiringGrad(), createGraph: false).item
                }
                worst = max(worst, relErr(g[k].scalars[i], (at(eps) - at(-eps)) / (2 * eps)))
            }
        }
        #expect(worst < 1e-6, "MAML meta-gradient error \(worst)")
    }
}
