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

    /// Predictions of a model split back per conformation give the same errors as before,
    /// batch size does not change them, and a committee mean is the plain average.
    @Test func predictionsAndTheirCommitteeMean() throws {
        let confs = Array(ThreeBPA.conformations.prefix(5))
        try #require(confs.count == 5, "3BPA data not found")
        let potential = ThreeBPA.smallPotential()
        let members = (0..<3).map { potential.initialParameters(seed: UInt64(10 + $0)) }
        let each = try members.map { try predictions(potential: potential, parameters: $0, conformations: confs, label: "3bpa", batchSize: 2) }
        for (k, p) in each.enumerated() {
            let alone = try potential.evaluate(confs, parameters: members[k].converted(to: Double.self))
            #expect(p.energies.count == 5 && p.forces.allSatisfy { $0?.count == 3 * 27 })
            for c in confs.indices { #expect(Swift.abs(p.energies[c] - alone.energies.scalars[c]) < 1e-9 * Swift.max(1, Swift.abs(p.energies[c]))) }
            #expect(zip(p.forces.flatMap { $0! }, alone.forces!.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-9 })
            let byHand = EnergyForceMetrics(predictedEnergies: alone.energies.scalars, referenceEnergies: confs.map(\.energy),
                                            atomCounts: confs.map(\.atomCount), predictedForces: alone.forces!.scalars,
                                            referenceForces: confs.flatMap { $0.forces!.flatMap { [$0.x, $0.y, $0.z] } })
            let m = p.metrics(against: confs)
            #expect(Swift.abs(m.forceRMSE - byHand.forceRMSE) < 1e-9 && Swift.abs(m.energyRMSE - byHand.energyRMSE) < 1e-6)
            #expect(m.forceComponentCount == 5 * 27 * 3)
        }
        let mean = Predictions.mean(each)
        #expect(Swift.abs(mean.energies[3] - (each[0].energies[3] + each[1].energies[3] + each[2].energies[3]) / 3) < 1e-9)
        #expect(Swift.abs(mean.forces[4]![7] - (each[0].forces[4]![7] + each[1].forces[4]![7] + each[2].forces[4]![7]) / 3) < 1e-12)
        // Squared error is convex: the mean's MSE is at most the members' mean MSE.
        let committee = mean.metrics(against: confs)
        let members2 = each.map { $0.metrics(against: confs) }
        #expect(pow(committee.forceRMSE, 2) <= members2.reduce(0) { $0 + pow($1.forceRMSE, 2) } / 3 + 1e-9)
        #expect(pow(committee.energyRMSE, 2) <= members2.reduce(0) { $0 + pow($1.energyRMSE, 2) } / 3 + 1e-9)
        // A member without forces for a conformation leaves the mean without them there.
        var partial = each[1]
        partial.forces[2] = nil
        let mixed = Predictions.mean([each[0], partial])
        #expect(mixed.forces[2] == nil && mixed.forces[1] != nil)
        #expect(mixed.metrics(against: confs).forceComponentCount == 4 * 27 * 3)
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
