import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
import Training
import _TestSupport

/// Refitted self-energies stay physical when the target is one molecule: anchored to prior
/// per-element energies, never the minimum-norm values that are right only for the target's
/// own composition.
@Suite(.serialized) struct RefitSelfEnergyTests {
    @Test func oneMoleculeIsAnchoredToItsPriorNeverMinimumNorm() throws {
        let all = ThreeBPA.conformations
        try #require(all.count > 20, "3BPA data missing")
        let training = Array(all.prefix(10))
        #expect(SelfEnergies.compositionRank(training) == (rank: 1, elements: 4))
        var bare = ThreeBPA.smallPotential()
        bare.selfEnergies = SelfEnergies(energies: [:], origin: .leastSquares)
        let start = bare.initialParameters(seed: 1)

        // Without a prior the fit is refused and the message says what to give.
        do {
            _ = try RefitPlan.residualSelfEnergies(potential: bare, parameters: start, conformations: training, label: "3bpa")
            Issue.record("a rank-deficient fit without a prior was accepted")
        } catch let e as DataError {
            #expect(e.file == "3bpa" && e.item == "self-energies" && e.reason.contains("isolated"), "\(e)")
        }

        // With the isolated atoms as prior: one shift along 3BPA's composition vector.
        let prior = ThreeBPA.selfEnergies
        let anchored = try RefitPlan.residualSelfEnergies(potential: bare, parameters: start, conformations: training,
                                                          label: "3bpa", prior: prior)
        #expect(anchored.origin == .anchoredLeastSquares)
        let composition = training[0].atomicNumbers
        let counts = Dictionary(composition.map { ($0, 1.0) }, uniquingKeysWith: +)
        let norm2 = counts.values.map { $0 * $0 }.reduce(0, +)
        let shift = (anchored.energy(of: composition) - prior.energy(of: composition))
        for (z, n) in counts {
            // δ_Z = n_Z · s / |n|², s the shift of the whole molecule.
            #expect(abs(anchored.energies[z]! - prior.energies[z]! - n * shift / norm2) < 1e-6, "element \(z)")
        }
        // The target's own energies are those of the plain least-squares fit …
        let minimumNorm = try SelfEnergies.fit(zip(training, try bare.evaluate(training, parameters: start.converted(to: Double.self),
                                                                             withForces: false).energies.scalars).map { c, e in
            var r = c; r.energy = c.energy - e; return r
        })
        #expect(abs(anchored.energy(of: composition) - minimumNorm.energy(of: composition)) < 1e-6)
        // … but another molecule (water) stays near its isolated atoms (a few eV: the
        // molecule's binding spread over its atoms), where minimum-norm is hundreds of eV off.
        let water = [8, 1, 1]
        #expect(abs(anchored.energy(of: water) - prior.energy(of: water)) < 20)
        #expect(abs(minimumNorm.energy(of: water) - prior.energy(of: water)) > 200)
    }

    @Test func compositionsThatDetermineEveryElementGivePlainLeastSquares() throws {
        func conf(_ z: [Int], _ e: Double) -> Conformation {
            Conformation(atomicNumbers: z, positions: z.indices.map { SIMD3(Double($0) * 1.5, 0, 0) }, energy: e)
        }
        // Energies exactly linear in the counts (H −13, O −2000): recovered whatever the prior.
        let set = [conf([1, 1], -26), conf([8], -2000), conf([8, 1], -2013), conf([8, 1, 1], -2026)]
        #expect(SelfEnergies.compositionRank(set) == (rank: 2, elements: 2))
        let fitted = try SelfEnergies.fit(set, anchoredTo: SelfEnergies(isolatedAtoms: [1: -5, 8: -1000]))
        #expect(abs(fitted.energies[1]! + 13) < 1e-9 && abs(fitted.energies[8]! + 2000) < 1e-9)
    }

    @Test func freezingEveryLayerIsRefused() throws {
        let all = ThreeBPA.conformations
        try #require(all.count > 20, "3BPA data missing")
        let potential = ThreeBPA.smallPotential()
        let plan = RefitPlan(mode: .freeze(layers: potential.layerCount), trainer: TrainerConfiguration(epochs: 1, batchSize: 4))
        do {
            _ = try plan.run(potential: potential, parameters: potential.initialParameters(seed: 0),
                             training: Array(all.prefix(4)), validation: Array(all[4..<6]), label: "3bpa")
            Issue.record("freeze:\(potential.layerCount) refitted a model with every layer frozen")
        } catch let e as DataError {
            #expect(e.reason.contains("nothing to refit"), "\(e)")
        }
    }
}
