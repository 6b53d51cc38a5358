import Foundation
import Testing
import Autodiff
import Chemistry
import Descriptors
import Potentials
import Training
import _TestSupport

/// Energy-only conformations in force-trained data (multi-fidelity: a CCSD(T) task with
/// energies only beside DFT tasks with forces): the force term is masked to the
/// conformations with forces, everything else is unchanged. On real 3BPA conformations,
/// half of them stripped of their forces.
@Suite(.serialized) struct ForceMaskTests {
    static let loss = EnergyForceLoss(energyWeight: 1, forceWeight: 10)

    /// Six 3BPA conformations; those at odd positions lose their forces.
    static func mixed(_ count: Int = 6) -> [Conformation] {
        ThreeBPA.conformations.prefix(count).enumerated().map { i, c in
            var c = c
            if i % 2 == 1 { c.forces = nil }
            return c
        }
    }

    static func set(_ confs: [Conformation], _ model: any AtomisticPotential) throws -> FittingSet {
        try FittingSet(confs, selfEnergies: ThreeBPA.selfEnergies, potential: model, requireForces: false, label: "mask test")
    }

    static func parameters(_ model: any AtomisticPotential) -> ParameterSet<Double> {
        model.initialParameters(seed: 4).converted(to: Double.self)
    }

    @Test func setsAndBatchesRecordWhichConformationsHaveForces() throws {
        let model = ThreeBPA.smallPotential()
        let s = try Self.set(Self.mixed(), model)
        #expect(s.forceLabelled == [true, false, true, false, true, false])
        #expect(!s.hasForces && !s.isEnergyOnly && s.forceLabelledCount == 3)
        let b: FittingBatch<Double> = s.batch([0, 1, 2], forces: true, as: Double.self)
        let mask = try #require(b.forceMask)
        #expect(mask.shape == [81, 3])
        #expect(mask.scalars.prefix(81).allSatisfy { $0 == 1 } && mask.scalars[81..<162].allSatisfy { $0 == 0 })
        #expect(b.forces!.scalars[81..<162].allSatisfy { $0 == 0 })
        // A batch of labelled conformations only has no mask; one of energy-only ones no forces.
        let full: FittingBatch<Double> = s.batch([0, 2], forces: true, as: Double.self)
        #expect(full.forceMask == nil && full.forces != nil)
        let none: FittingBatch<Double> = s.batch([1, 3], forces: true, as: Double.self)
        #expect(none.forces == nil && none.forceMask == nil)
        // With `requireForces` the missing forces are still an error naming the conformation.
        #expect(throws: DataError.self) {
            _ = try FittingSet(Self.mixed(), selfEnergies: ThreeBPA.selfEnergies, potential: model,
                               requireForces: true, label: "mask test")
        }
    }

    @Test func anEnergyOnlyBatchGivesTheEnergyOnlyGradient() throws {
        let model = ThreeBPA.smallPotential()
        let s = try Self.set(Self.mixed(), model)
        let p = Self.parameters(model).requiringGrad()
        let batch: FittingBatch<Double> = s.batch([1, 3, 5], forces: true, as: Double.self)
        let masked = Self.loss.loss(potential: model, parameters: p, batch: batch)
        let energyOnly = EnergyForceLoss(energyWeight: 1, forceWeight: 0).loss(potential: model, parameters: p, batch: batch)
        #expect(masked.force.scalars[0] == 0)
        #expect(masked.total.scalars[0] == energyOnly.total.scalars[0])
        let g = gradient(of: masked.total, withRespectTo: p), h = gradient(of: energyOnly.total, withRespectTo: p)
        for t in 0..<p.count { #expect(g[t].scalars == h[t].scalars, "\(p.names[t])") }
    }

    @Test func aMixedBatchIsTheEnergyTermOfAllPlusTheForceTermOfTheLabelled() throws {
        let model = ThreeBPA.smallPotential()
        let s = try Self.set(Self.mixed(), model)
        let p = Self.parameters(model).requiringGrad()
        let all: FittingBatch<Double> = s.batch([0, 1, 2, 3], forces: true, as: Double.self)
        let labelled: FittingBatch<Double> = s.batch([0, 2], forces: true, as: Double.self)
        let mixed = Self.loss.loss(potential: model, parameters: p, batch: all)
        let energy = EnergyForceLoss(energyWeight: 1, forceWeight: 0).loss(potential: model, parameters: p, batch: all)
        let force = EnergyForceLoss(energyWeight: 0, forceWeight: 10).loss(potential: model, parameters: p, batch: labelled)
        #expect(abs(mixed.energy.scalars[0] - energy.energy.scalars[0]) <= 1e-14 * energy.energy.scalars[0])
        #expect(abs(mixed.force.scalars[0] - force.force.scalars[0]) <= 1e-12 * force.force.scalars[0])
        #expect(force.force.scalars[0] > 0)
        let g = gradient(of: mixed.total, withRespectTo: p)
        let ge = gradient(of: energy.total, withRespectTo: p), gf = gradient(of: force.total, withRespectTo: p)
        for t in 0..<p.count {
            for (k, value) in g[t].scalars.enumerated() {
                let expected = ge[t].scalars[k] + gf[t].scalars[k]
                #expect(abs(value - expected) <= 1e-9 * max(1e-6, abs(expected)), "\(p.names[t])[\(k)]")
            }
        }
    }

    @Test func theMaskedLossGradientMatchesFiniteDifferences() throws {
        let model = ThreeBPA.smallPotential()
        let s = try Self.set(Self.mixed(4), model)
        let batch: FittingBatch<Double> = s.batch([0, 1, 2, 3], forces: true, as: Double.self)
        let base = Self.parameters(model)
        let p = base.requiringGrad()
        let g = gradient(of: Self.loss.loss(potential: model, parameters: p, batch: batch).total, withRespectTo: p)
        let h = 1e-6
        for t in [0, base.count / 2, base.count - 2] {
            for index in [0, base[t].count - 1] {
                func at(_ d: Double) -> Double {
                    var q = base
                    var values = q[t].scalars
                    values[index] += d
                    q[q.names[t]] = Tensor(shape: q[t].shape, scalars: values)
                    return Self.loss.loss(potential: model, parameters: q, batch: batch, createGraph: false).total.scalars[0]
                }
                let numeric = (at(h) - at(-h)) / (2 * h)
                #expect(abs(g[t].scalars[index] - numeric) < 1e-6 * max(1, abs(numeric)), "\(base.names[t])[\(index)]")
            }
        }
    }

    @Test func metricsCountForcesOfLabelledConformationsOnly() throws {
        let model = ThreeBPA.smallPotential()
        let params = model.initialParameters(seed: 4)
        let s = try Self.set(Self.mixed(), model)
        let m = residualMetrics(potential: model, parameters: params, set: s, batchSize: 4)
        #expect(m.conformationCount == 6)
        #expect(m.forceComponentCount == 3 * 27 * 3)
        // The same force errors as the labelled conformations alone.
        let labelled = try Self.set([0, 2, 4].map { Self.mixed()[$0] }, model)
        let ref = residualMetrics(potential: model, parameters: params, set: labelled, batchSize: 4)
        #expect(abs(m.forceRMSE - ref.forceRMSE) <= 1e-3 * ref.forceRMSE)
        let committee = Committee(potential: model, members: [params, model.initialParameters(seed: 5)])
        let predictions = committee.predict(s, batchSize: 4)
        #expect(predictions.map { !$0.forceComponentErrors.isEmpty } == s.forceLabelled)
        #expect(Committee.metrics(of: predictions).forceComponentCount == 3 * 27 * 3)
    }

    @Test func aTrainerFitsMixedDataAndRefusesDataWithoutAnyForces() throws {
        let model = ThreeBPA.smallPotential()
        let config = TrainerConfiguration(epochs: 3, batchSize: 4, seed: 2, loss: Self.loss)
        let data = Self.mixed(12)
        let trainer = try Trainer(potential: model, training: try Self.set(Array(data.prefix(8)), model),
                                  validation: try Self.set(Array(data.suffix(4)), model), configuration: config)
        let before = trainer.evaluate(try Self.set(Array(data.prefix(8)), model)).loss
        let history = try trainer.train()
        #expect(history.count == 3)
        #expect(trainer.evaluate(try Self.set(Array(data.prefix(8)), model)).loss < before)
        #expect(history.last!.validation.forceComponentCount == 2 * 27 * 3)
        let energyOnly = data.map { c -> Conformation in var c = c; c.forces = nil; return c }
        #expect(throws: DataError.self) {
            _ = try Trainer(potential: model, training: try Self.set(energyOnly, model),
                            validation: try Self.set(energyOnly, model), configuration: config)
        }
        // With the force weight 0 the same energy-only data trains.
        var energyConfig = config
        energyConfig.loss = EnergyForceLoss(energyWeight: 1, forceWeight: 0)
        _ = try Trainer(potential: model, training: try Self.set(energyOnly, model),
                        validation: try Self.set(energyOnly, model), configuration: energyConfig)
    }
}

/// Large pools keep no topologies (`cacheTopologies: false`): batches are rebuilt from the
/// same inputs, so they, and every loss on them, are identical to the cached ones.
@Suite struct UncachedTopologyTests {
    @Test func uncachedSetsBuildTheSameBatches() throws {
        let model = ThreeBPA.smallPotential()
        let confs = ForceMaskTests.mixed()
        let cached = try FittingSet(confs, selfEnergies: ThreeBPA.selfEnergies, potential: model, requireForces: false, label: "t")
        let parts = [FittingSet.Part(name: "t", conformations: confs, selfEnergies: ThreeBPA.selfEnergies)]
        let rebuilt = try FittingSet(parts, potential: model, requireForces: false, label: "t", cacheTopologies: false)
        #expect(cached.cachesTopologies && !rebuilt.cachesTopologies)
        let joined = FittingSet.concatenating([cached.subset([0, 1]), rebuilt.subset([2, 3, 4])])
        for set in [rebuilt, joined] {
            let a: FittingBatch<Float> = set.batch([0, 1, 2], forces: true), b: FittingBatch<Float> = cached.batch([0, 1, 2], forces: true)
            #expect(a.topology == b.topology && a.positions.scalars == b.positions.scalars)
        }
        let p = model.initialParameters(seed: 3)
        #expect(residualMetrics(potential: model, parameters: p, set: rebuilt) == residualMetrics(potential: model, parameters: p, set: cached))
        // Checked at construction all the same: an element without a network is named.
        var bad = confs[0]
        bad.atomicNumbers[0] = 9
        #expect(throws: DataError.self) {
            _ = try FittingSet([FittingSet.Part(name: "t", conformations: [bad], selfEnergies: ThreeBPA.selfEnergies)],
                               potential: model, requireForces: false, label: "t", cacheTopologies: false)
        }
    }
}
