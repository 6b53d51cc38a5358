import Foundation
import Testing
import Autodiff
import Chemistry
import Descriptors
import Potentials
import Training
import _TestSupport

/// Multi-fidelity Δ heads (`TaskHeadPotential.deltaBases`): a high level (CCSD(T), energies
/// only) learned as a correction on a low level (MP2, energies and forces), on the real
/// H2CO data of Käser et al. (identical geometries at both levels; the CCSD(T) forces are
/// stripped, as a user with an energy-only high-level set would have them).
@Suite(.serialized) struct MultiFidelityTests {
    static let heads = ["mp2", "ccsd(t)"]

    /// `count` H2CO conformations at MP2 (with forces) and CCSD(T) (energies only).
    static func levels(_ count: Int = 24) throws -> (low: [Conformation], high: [Conformation]) {
        let reader = PaddedNPZReader(energiesRelativeToFreeAtoms: true)
        let low = Array(try reader.read(path: SharedData.path("meuwly/ch2o_mp2_avtz_3601.npz")).conformations.prefix(count))
        let high = try reader.read(path: SharedData.path("meuwly/ch2o_cc_avtz_3601.npz")).conformations.prefix(count).map { c in
            var c = c
            c.forces = nil
            return c
        }
        return (low, Array(high))
    }

    static func model() -> TaskHeadPotential {
        TaskHeadPotential(base: ThreeBPA.smallPotential(), tasks: heads, deltaBases: ["ccsd(t)": "mp2"])
    }

    static func set(_ model: any AtomisticPotential) throws -> FittingSet {
        let (low, high) = try levels()
        let none = SelfEnergies(energies: [:], origin: .leastSquares)
        return try FittingSet([FittingSet.Part(name: "mp2", conformations: low, selfEnergies: none),
                               FittingSet.Part(name: "ccsd(t)", conformations: high, selfEnergies: none)],
                              potential: model, requireForces: false, label: "h2co")
    }

    /// Random head deviations, so each head really differs.
    static func parameters(_ model: TaskHeadPotential) -> ParameterSet<Double> {
        var g = SeededGenerator(seed: 8)
        var p: ParameterSet<Double> = model.initialParameters(Double.self, using: &g)
        for name in p.names where name.hasPrefix(TaskHeadPotential.prefix) {
            p[name] = Tensor.randomUniform(shape: p[name].shape, in: -0.3...0.3, using: &g)
        }
        return p
    }

    @Test func theHighHeadIsTheLowHeadPlusItsDelta() throws {
        let model = Self.model()
        let p = Self.parameters(model)
        let s = try Self.set(model)
        let batch: FittingBatch<Double> = s.batch([30], forces: false, as: Double.self)  // a CCSD(T) conformation
        #expect(batch.atoms.tasks == ["ccsd(t)"])
        let e = model.networkEnergies(positions: batch.positions, topology: batch.topology, batch: batch.atoms, parameters: p)
        var written = ParameterSet(zip(p.names, p.tensors).filter { !$0.0.hasPrefix("head/") })
        for name in model.readoutNames { written[name] = written[name] + p["head/mp2/\(name)"] + p["head/ccsd(t)/\(name)"] }
        let expected = model.base.networkEnergies(positions: batch.positions, topology: batch.topology, batch: batch.atoms,
                                                  parameters: written)
        #expect(abs(e.scalars[0] - expected.scalars[0]) <= 1e-12 * max(1, abs(expected.scalars[0])))
    }

    @Test func highLevelEnergiesReachTheLowHeadButLowLevelDataNeverTheDelta() throws {
        let model = Self.model()
        let p = Self.parameters(model).requiringGrad()
        let s = try Self.set(model)
        let loss = EnergyForceLoss(energyWeight: 1, forceWeight: 10)
        let high: FittingBatch<Double> = s.batch([24, 25, 26], forces: true, as: Double.self)
        let low: FittingBatch<Double> = s.batch([0, 1, 2], forces: true, as: Double.self)
        #expect(high.forces == nil && low.forces != nil)
        let gh = gradient(of: loss.loss(potential: model, parameters: p, batch: high).total, withRespectTo: p)
        let gl = gradient(of: loss.loss(potential: model, parameters: p, batch: low).total, withRespectTo: p)
        for name in model.readoutNames {
            let i = p.names.firstIndex(of: "head/ccsd(t)/\(name)")!, j = p.names.firstIndex(of: "head/mp2/\(name)")!
            // One gradient for the Δ and its base on high-level data (they enter as a sum) …
            #expect(gh[i].scalars == gh[j].scalars, "\(name)")
            // … and no gradient for the Δ from low-level data.
            #expect(gl[i].scalars.allSatisfy { $0 == 0 }, "\(name)")
        }
        #expect(gh.tensors.contains { $0.scalars.contains { $0 != 0 } })
    }

    @Test func aMultiFidelityModelTrainsAndRoundTripsThroughItsFile() throws {
        let model = Self.model()
        let s = try Self.set(model)
        let order = Array(0..<s.count)
        let training = s.subset(order.filter { $0 % 6 != 0 }), validation = s.subset(order.filter { $0 % 6 == 0 })
        #expect(training.energyOnlyParts == ["ccsd(t)"])
        let config = TrainerConfiguration(epochs: 4, batchSize: 8, seed: 1, loss: EnergyForceLoss(energyWeight: 1, forceWeight: 10))
        let trainer = try Trainer(potential: model, training: training, validation: validation, configuration: config)
        let before = trainer.evaluate(training).loss
        _ = try trainer.train()
        #expect(trainer.evaluate(training).loss < before)
        for task in Self.heads {
            #expect(trainer.bestParameters["head/\(task)/H/W1"].scalars.contains { $0 != 0 }, "\(task)")
        }
        let dir = try SharedData.temporaryDirectory("multi-fidelity")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("mf.json").path
        try trainer.modelFile().save(to: path)
        let file = try ModelFile.read(path: path)
        #expect(file.deltaHeads == ["ccsd(t)": "mp2"])
        let (loaded, parameters) = try file.model(file: path)
        let heads = try #require(loaded as? TaskHeadPotential)
        #expect(heads.deltaBases == ["ccsd(t)": "mp2"])
        #expect(residualMetrics(potential: loaded, parameters: parameters, set: validation)
                == residualMetrics(potential: model, parameters: trainer.bestParameters, set: validation))
        // A Δ head whose base is missing or is a Δ head itself is named.
        #expect(TaskHeadPotential.checkDeltaBases(["ccsd(t)": "hf"], tasks: Self.heads)?.contains("'hf'") == true)
        #expect(TaskHeadPotential.checkDeltaBases(["ccsd(t)": "mp2", "mp2": "ccsd(t)"], tasks: Self.heads) != nil)
    }
}
