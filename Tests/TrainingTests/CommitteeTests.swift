import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
@testable import Training
import _TestSupport

@Suite struct CommitteeTests {
    /// Mean, per-atom sample std and largest force std agree with each member evaluated alone
    /// (total energies from `evaluate`, so the self-energies cancel as documented).
    @Test func spreadsMatchMembersEvaluatedAlone() throws {
        let confs = Array(ThreeBPA.conformations.prefix(4))
        try #require(confs.count == 4, "3BPA data not found")
        let potential = ThreeBPA.smallPotential()
        let members = (0..<3).map { potential.initialParameters(seed: UInt64($0)) }
        let set = try FittingSet(confs, selfEnergies: potential.selfEnergies, potential: potential,
                                 requireForces: true, label: "committee test")
        let predictions = Committee(potential: potential, members: members).predict(set, batchSize: 3)
        let alone = try members.map { try potential.evaluate(confs, parameters: $0.converted(to: Double.self)) }
        for (c, conf) in confs.enumerated() {
            let e = alone.map { $0.energies.scalars[c] - potential.selfEnergies.energy(of: conf.atomicNumbers) }
            let mean = e.reduce(0, +) / 3
            let std = (e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 2).squareRoot() / Double(conf.atomCount)
            let p = predictions[c]
            #expect(Swift.abs(p.energy - mean) < 2e-3 * Swift.max(1, Swift.abs(mean)))
            #expect(Swift.abs(p.energySpreadPerAtom - std) < 1e-3 * std + 1e-6, "σ_E \(p.energySpreadPerAtom) vs \(std)")
            let offset = 3 * confs.prefix(c).reduce(0) { $0 + $1.atomCount }
            var maxStd = 0.0
            for k in 0..<(3 * conf.atomCount) {
                let f = alone.map { $0.forces!.scalars[offset + k] }
                let m = f.reduce(0, +) / 3
                maxStd = Swift.max(maxStd, (f.reduce(0) { $0 + ($1 - m) * ($1 - m) } / 2).squareRoot())
            }
            #expect(Swift.abs(p.maxForceSpread! - maxStd) < 1e-3 * maxStd + 1e-5)
            #expect(p.forceComponentErrors.count == 3 * conf.atomCount)
            #expect(p.energyErrorPerAtom.isFinite)
        }
        // Each member's errors from the committee's passes equal the member evaluated alone.
        let (again, accumulators) = Committee(potential: potential, members: members).evaluate(set, batchSize: 3)
        #expect(again == predictions && accumulators.count == 3)
        for (m, parameters) in members.enumerated() {
            let alone = residualMetrics(potential: potential, parameters: parameters, set: set, batchSize: 3)
            let shared = accumulators[m].metrics
            #expect(shared.conformationCount == alone.conformationCount && shared.forceComponentCount == alone.forceComponentCount)
            #expect(Swift.abs(shared.energyPerAtomRMSE - alone.energyPerAtomRMSE) <= 1e-9 * alone.energyPerAtomRMSE)
            #expect(Swift.abs(shared.forceRMSE - alone.forceRMSE) <= 1e-9 * alone.forceRMSE)
        }
        // Identical members: no spread, and nothing flagged by spread.
        let twins = Committee(potential: potential, members: [members[0], members[0]]).predict(set)
        #expect(twins.allSatisfy { $0.energySpreadPerAtom == 0 && $0.maxForceSpread == 0 })
        let thresholds = UncertaintyThresholds(energyRMSEPerAtom: 1e-3, forceRMSE: 0.05)
        #expect(twins.allSatisfy { !thresholds.flags($0) })
    }

    @Test func thresholdsFlagEnergyOrForceSpread() {
        let t = UncertaintyThresholds(energyRMSEPerAtom: 0.002, forceRMSE: 0.05)   // flags above 6 meV/atom or 0.3 eV/Å
        func p(_ e: Double, _ f: Double) -> CommitteePrediction {
            CommitteePrediction(atomCount: 10, energy: 0, referenceEnergy: 0, energySpreadPerAtom: e, maxForceSpread: f,
                                maxForceError: 0, forceComponentErrors: [], forceComponentSpreads: [])
        }
        #expect(!t.flags(p(0.005, 0.2)))
        #expect(t.flags(p(0.007, 0.2)) && t.energyFlag(p(0.007, 0.2)) && !t.forceFlag(p(0.007, 0.2)))
        #expect(t.flags(p(0.001, 0.31)) && t.forceFlag(p(0.001, 0.31)))
        let fromMetrics = UncertaintyThresholds(testMetrics: EnergyForceMetrics(
            energyMAE: 0, energyRMSE: 0, energyPerAtomMAE: 0, energyPerAtomRMSE: 2, forceMAE: 0, forceRMSE: 50,
            conformationCount: 1, forceComponentCount: 3))
        #expect(fromMetrics == t)
    }

    @Test func calibrationOfKnownSpreadsAndErrors() {
        // Errors exactly equal to the spreads: perfectly ordered, all within 1σ, scale 1.
        let s = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
        let exact = UncertaintyCalibration(spreads: s, errors: s.map { -$0 }, binCount: 5)
        #expect(Swift.abs(exact.spearman - 1) < 1e-12)
        #expect(exact.withinOne == 1 && exact.scale == 1)
        #expect(exact.bins.count == 5 && exact.bins.allSatisfy { Swift.abs($0.rmsSpread - $0.rmsError) < 1e-12 })
        // Errors twice the spreads, reversed order: within 2σ but not 1σ, scale 2, ranks anti-correlated.
        let twice = UncertaintyCalibration(spreads: s, errors: s.reversed().map { 2 * $0 })
        #expect(Swift.abs(twice.spearman + 1) < 1e-12)
        let halfWithinTwo = Double(zip(s, s.reversed()).filter { 2 * $0.1 <= 2 * $0.0 }.count) / 10
        #expect(twice.withinTwo == halfWithinTwo)
        let constant = UncertaintyCalibration(spreads: [1, 1, 1, 1], errors: [2, 2, 2, 2])
        #expect(constant.scale == 2 && constant.withinOne == 0 && constant.withinTwo == 1)
        #expect(UncertaintyCalibration.ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
    }
}
