import Foundation
import Testing
import Autodiff
import Training

@Suite struct LossTests {
    let counts = [2, 1]
    let eRef = T([0.8, -0.2])
    let fRef = T(shape: [3, 3], scalars: [0.1, -0.2, 0.3, 0, 0.5, -0.5, 1, 2, -1])
    let loss = EnergyForceLoss(energyWeight: 2, forceWeight: 0.5)

    func value(_ e: [Double], _ f: [Double]) -> Double {
        loss(predictedEnergies: T(e), referenceEnergies: eRef, atomCounts: counts,
             predictedForces: T(shape: [3, 3], scalars: f), referenceForces: fRef).total.item
    }

    @Test func valueByHand() {
        let f: [Double] = [0.2, -0.2, 0.3, 0, 0.4, -0.5, 1, 2, -0.7]
        let terms = loss(predictedEnergies: T([1.0, -0.5]), referenceEnergies: eRef, atomCounts: counts,
                         predictedForces: T(shape: [3, 3], scalars: f), referenceForces: fRef)
        // ΔE/N = [0.2/2, −0.3/1] → mean of squares (0.01 + 0.09)/2 = 0.05; × 2 = 0.1.
        // ΔF = [0.1, 0, 0, 0, −0.1, 0, 0, 0, 0.3] → mean of squares 0.11/9; × 0.5.
        #expect(abs(terms.energy.item - 0.1) < 1e-15)
        #expect(abs(terms.force.item - 0.5 * 0.11 / 9) < 1e-15)
        #expect(abs(terms.total.item - (0.1 + 0.5 * 0.11 / 9)) < 1e-15)
    }

    @Test func energyOnlyLossHasZeroForceTerm() {
        let terms = EnergyForceLoss()(predictedEnergies: T([1.0, -0.5]), referenceEnergies: eRef, atomCounts: counts)
        #expect(terms.force.item == 0)
        #expect(abs(terms.total.item - 0.05) < 1e-15)
    }

    @Test func gradientMatchesFiniteDifferences() {
        let e0: [Double] = [1.0, -0.5]
        let f0: [Double] = [0.2, -0.2, 0.3, 0, 0.4, -0.5, 1, 2, -0.7]
        let ep = T(e0, requiresGrad: true), fp = T(shape: [3, 3], scalars: f0, requiresGrad: true)
        let l = loss(predictedEnergies: ep, referenceEnergies: eRef, atomCounts: counts,
                     predictedForces: fp, referenceForces: fRef).total
        let g = gradient(of: l, withRespectTo: [ep, fp])
        let h = 1e-6
        for i in e0.indices {
            var a = e0, b = e0; a[i] += h; b[i] -= h
            let fd = (value(a, f0) - value(b, f0)) / (2 * h)
            #expect(abs(g[0].scalars[i] - fd) < 1e-8, "dL/dE[\(i)]")
        }
        for i in f0.indices {
            var a = f0, b = f0; a[i] += h; b[i] -= h
            let fd = (value(e0, a) - value(e0, b)) / (2 * h)
            #expect(abs(g[1].scalars[i] - fd) < 1e-8, "dL/dF[\(i)]")
        }
    }

    @Test func secondOrderThroughTheLoss() {
        // Predictions E = x³, F = y² of parameters x [2], y [3, 3]; s = Σ ∂L/∂x + Σ ∂L/∂y.
        // ∂s/∂(x, y) from double backward must match finite differences of s.
        func s(_ x: [Double], _ y: [Double], createGraph: Bool) -> (Double, [T]) {
            let xt = T(x, requiresGrad: true), yt = T(shape: [3, 3], scalars: y, requiresGrad: true)
            let l = loss(predictedEnergies: xt * xt * xt, referenceEnergies: eRef, atomCounts: counts,
                         predictedForces: yt * yt, referenceForces: fRef).total
            let g = gradient(of: l, withRespectTo: [xt, yt], createGraph: createGraph)
            let sum = g[0].sum() + g[1].sum()
            return (sum.item, createGraph ? gradient(of: sum, withRespectTo: [xt, yt]) : [])
        }
        let x0: [Double] = [0.9, -0.7], y0: [Double] = [0.3, -0.4, 0.5, 0.2, 0.6, -0.7, 1.1, 1.3, -0.8]
        let (_, hv) = s(x0, y0, createGraph: true)
        let h = 1e-6
        for i in x0.indices {
            var a = x0, b = x0; a[i] += h; b[i] -= h
            let fd = (s(a, y0, createGraph: false).0 - s(b, y0, createGraph: false).0) / (2 * h)
            #expect(abs(hv[0].scalars[i] - fd) < 1e-7, "x[\(i)]")
        }
        for i in y0.indices {
            var a = y0, b = y0; a[i] += h; b[i] -= h
            let fd = (s(x0, a, createGraph: false).0 - s(x0, b, createGraph: false).0) / (2 * h)
            #expect(abs(hv[1].scalars[i] - fd) < 1e-7, "y[\(i)]")
        }
    }
}

@Suite struct MetricsTests {
    @Test func oneBatchByHand() {
        // ΔE = [0.01, −0.03] eV over N = [2, 3]; ΔF = [0.1, −0.2, 0, 0, 0, 0.2] eV/Å.
        let m = EnergyForceMetrics(predictedEnergies: [1.01, -2.03], referenceEnergies: [1, -2], atomCounts: [2, 3],
                                   predictedForces: [0.1, -0.2, 0, 0, 0, 0.2], referenceForces: [0, 0, 0, 0, 0, 0])
        #expect(abs(m.energyMAE - 20) < 1e-9)                                  // (10 + 30)/2 meV
        #expect(abs(m.energyRMSE - (500.0).squareRoot()) < 1e-9)               // √((100 + 900)/2)
        #expect(abs(m.energyPerAtomMAE - 7.5) < 1e-9)                          // (5 + 10)/2 meV/atom
        #expect(abs(m.energyPerAtomRMSE - (62.5).squareRoot()) < 1e-9)         // √((25 + 100)/2)
        #expect(abs(m.forceMAE - 500.0 / 6) < 1e-9)                            // (100 + 200 + 200)/6
        #expect(abs(m.forceRMSE - (90000.0 / 6).squareRoot()) < 1e-9)          // √((1e4 + 4e4 + 4e4)/6)
        #expect(m.conformationCount == 2 && m.forceComponentCount == 6)
    }

    @Test func accumulatingBatchesEqualsOneBatch() {
        var acc = MetricsAccumulator()
        acc.add(predictedEnergies: [1.01], referenceEnergies: [1], atomCounts: [2],
                predictedForces: [0.1, -0.2, 0], referenceForces: [0, 0, 0])
        var other = MetricsAccumulator()
        other.add(predictedEnergies: [-2.03], referenceEnergies: [-2], atomCounts: [3],
                  predictedForces: [0, 0, 0.2], referenceForces: [0, 0, 0])
        acc.merge(other)
        let whole = EnergyForceMetrics(predictedEnergies: [1.01, -2.03], referenceEnergies: [1, -2], atomCounts: [2, 3],
                                       predictedForces: [0.1, -0.2, 0, 0, 0, 0.2], referenceForces: [0, 0, 0, 0, 0, 0])
        let m = acc.metrics
        #expect(abs(m.energyRMSE - whole.energyRMSE) < 1e-12 && abs(m.forceMAE - whole.forceMAE) < 1e-12)
        #expect(m.conformationCount == 2 && m.forceComponentCount == 6)
    }

    @Test func emptyIsNaN() {
        let m = MetricsAccumulator().metrics
        #expect(m.energyMAE.isNaN && m.forceRMSE.isNaN && m.conformationCount == 0)
    }
}

@Suite struct ScheduleTests {
    @Test func plateauReducesAfterPatienceAndRespectsMinimum() {
        var s = ReduceOnPlateau(factor: 0.5, patience: 2, threshold: 0.01, minLearningRate: 0.2)
        var lr = 1.0
        // 1.0 best; 0.995 is not a 1 % improvement (bad 1); 0.999 bad 2; 1.0 bad 3 > 2 → lr 0.5.
        let metrics: [Double] = [1.0, 0.995, 0.999, 1.0]
        let reduced = metrics.map { s.step(metric: $0, learningRate: &lr) }
        #expect(reduced == [false, false, false, true] && lr == 0.5)
        // Improvement resets; three more bad epochs → 0.25; three more → clamp 0.2; then no change.
        #expect(!s.step(metric: 0.5, learningRate: &lr))
        for _ in 0..<3 { s.step(metric: 0.6, learningRate: &lr) }
        #expect(lr == 0.25)
        for _ in 0..<3 { s.step(metric: 0.6, learningRate: &lr) }
        #expect(lr == 0.2)
        for _ in 0..<3 { s.step(metric: 0.6, learningRate: &lr) }
        #expect(lr == 0.2 && s.reductions == 3 && s.best == 0.5)
    }

    @Test func freshStatesEncodeAsJSON() throws {
        let p = try JSONDecoder().decode(ReduceOnPlateau.self, from: JSONEncoder().encode(ReduceOnPlateau()))
        #expect(p == ReduceOnPlateau() && p.best == .infinity)
        let e = try JSONDecoder().decode(EarlyStopping.self, from: JSONEncoder().encode(EarlyStopping(patience: 2)))
        #expect(e == EarlyStopping(patience: 2) && e.best == .infinity)
    }

    @Test func plateauDrivesAnOptimizer() {
        var opt = Adam<Double>(learningRate: 0.1)
        var s = ReduceOnPlateau(factor: 0.1, patience: 0)
        s.step(metric: 1, optimizer: &opt)
        s.step(metric: 1, optimizer: &opt)
        #expect(abs(opt.learningRate - 0.01) < 1e-17)
        #expect(opt.state.learningRate == opt.learningRate)
    }

    @Test func earlyStoppingCountsEpochsWithoutImprovement() throws {
        var e = EarlyStopping(patience: 3, minDelta: 0.01)
        let improved = [1.0, 0.8, 0.795, 0.9, 0.7, 0.71, 0.705, 0.70].map { e.update(metric: $0) }
        #expect(improved == [true, true, false, false, true, false, false, false])
        #expect(e.shouldStop && e.bestEpoch == 4 && e.best == 0.7 && e.epochs == 8)
        // Codable: a checkpointed state continues identically.
        var copy = try JSONDecoder().decode(EarlyStopping.self, from: JSONEncoder().encode(e))
        #expect(copy == e)
        copy.update(metric: 0.1); e.update(metric: 0.1)
        #expect(copy == e && !e.shouldStop)
    }
}
