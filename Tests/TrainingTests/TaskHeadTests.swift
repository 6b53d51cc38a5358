import Foundation
import Testing
import Autodiff
import Chemistry
import Descriptors
import Potentials
import Training
import _TestSupport

/// Per-task output heads (`TaskHeadPotential`): each task's readout is the shared readout
/// plus its own deviation, on 3BPA conformations labelled as three tasks.
@Suite(.serialized) struct TaskHeadTests {
    static let tasks = ["mp2", "dft", "xtb"]

    /// The small ANI model with heads for `tasks`, and Double parameters whose head
    /// deviations are random (so each task's readout really differs).
    static func headed(seed: UInt64 = 5) -> (TaskHeadPotential, ParameterSet<Double>) {
        let model = TaskHeadPotential(base: ThreeBPA.smallPotential(), tasks: tasks)
        var g = SeededGenerator(seed: seed)
        var p: ParameterSet<Double> = model.initialParameters(Double.self, using: &g)
        for name in p.names where name.hasPrefix(TaskHeadPotential.prefix) {
            p[name] = Tensor.randomUniform(shape: p[name].shape, in: -0.3...0.3, using: &g)
        }
        return (model, p)
    }

    /// Three conformations, one per task, as a fitting set.
    static func labelledSet(_ model: any AtomisticPotential) throws -> FittingSet {
        let confs = Array(ThreeBPA.conformations.prefix(3))
        return try FittingSet(zip(tasks, confs).map { FittingSet.Part(name: $0, conformations: [$1], selfEnergies: ThreeBPA.selfEnergies) },
                              potential: model, requireForces: true, label: "3bpa")
    }

    @Test func headsStartAtZeroAndOnlyTheReadoutIsDuplicated() {
        let model = TaskHeadPotential(base: ThreeBPA.smallPotential(), tasks: Self.tasks)
        let p = model.initialParameters(seed: 1)
        let base = ThreeBPA.smallPotential().initialParameters(seed: 1)
        #expect(model.readoutNames == ["H/W1", "H/b1", "C/W1", "C/b1", "N/W1", "N/b1", "O/W1", "O/b1"])
        #expect(Array(p.names.prefix(base.count)) == base.names)
        #expect(p.count == base.count + Self.tasks.count * model.readoutNames.count)
        for name in p.names.dropFirst(base.count) {
            #expect(p[name].scalars.allSatisfy { $0 == 0 }, "\(name)")
            #expect(model.layer(ofParameter: name) == model.layerCount - 1)
        }
        #expect(p.names.contains("head/dft/H/W1"))
    }

    @Test func eachConformationUsesItsTasksReadout() throws {
        let (model, p) = Self.headed()
        let set = try Self.labelledSet(model)
        // A batch mixing all three tasks (evaluated with masks) against each conformation
        // alone through the base model with readout + δ_task written out by hand.
        let mixed: FittingBatch<Double> = set.batch([0, 1, 2], forces: true, as: Double.self)
        let (energies, forces) = model.networkEnergiesAndForces(positions: mixed.positions, topology: mixed.topology,
                                                                batch: mixed.atoms, parameters: p)
        var expectedE: [Double] = [], expectedF: [Double] = []
        for (c, task) in Self.tasks.enumerated() {
            var own = ParameterSet(zip(p.names, p.tensors).filter { !$0.0.hasPrefix("head/") })
            for name in model.readoutNames { own[name] = own[name] + p["head/\(task)/\(name)"] }
            let single: FittingBatch<Double> = set.batch([c], forces: true, as: Double.self)
            let out = model.base.networkEnergiesAndForces(positions: single.positions, topology: single.topology,
                                                          batch: single.atoms, parameters: own)
            expectedE += out.energies.scalars
            expectedF += out.forces!.scalars
        }
        for (a, b) in zip(energies.scalars, expectedE) { #expect(abs(a - b) < 1e-10 * max(1, abs(b))) }
        for (a, b) in zip(forces!.scalars, expectedF) { #expect(abs(a - b) < 1e-9) }
        // The tasks' energies differ, so the heads matter; an unlabelled batch uses the shared readout.
        #expect(abs(energies.scalars[0] - energies.scalars[1]) > 1e-3 || abs(expectedE[0] - expectedE[2]) > 1e-3)
        var unlabelled = mixed.atoms
        unlabelled.tasks = nil
        let shared = model.networkEnergies(positions: mixed.positions, topology: mixed.topology, batch: unlabelled, parameters: p)
        let plain = model.base.networkEnergies(positions: mixed.positions, topology: mixed.topology, batch: unlabelled,
                                               parameters: model.baseParameters(for: nil, in: p))
        #expect(shared.scalars == plain.scalars)
    }

    @Test func lossGradientInTheHeadsMatchesFiniteDifferences() throws {
        let (model, p) = Self.headed()
        let set = try Self.labelledSet(model)
        let batch: FittingBatch<Double> = set.batch([2, 0], forces: true, as: Double.self)
        let loss = EnergyForceLoss(energyWeight: 1, forceWeight: 10)
        func value(_ q: ParameterSet<Double>) -> Double {
            loss.loss(potential: model, parameters: q, batch: batch, createGraph: false).total.item
        }
        let leaves = p.requiringGrad()
        let g = gradient(of: loss.loss(potential: model, parameters: leaves, batch: batch).total, withRespectTo: leaves)
        // Heads of the tasks in the batch, the shared readout, a hidden weight, and a head
        // with no conformation in the batch (its gradient is exactly zero).
        for (name, i) in [("head/xtb/C/W1", 3), ("head/mp2/H/b1", 0), ("H/b1", 0), ("O/W1", 5), ("N/W0", 7), ("head/dft/C/W1", 2)] {
            var a = p, b = p
            let h = 1e-6
            var sa = p[name].scalars, sb = sa
            sa[i] += h; sb[i] -= h
            a[name] = Tensor(shape: p[name].shape, scalars: sa)
            b[name] = Tensor(shape: p[name].shape, scalars: sb)
            let fd = (value(a) - value(b)) / (2 * h)
            let analytic = g[name].scalars[i]
            #expect(abs(analytic - fd) <= 1e-6 * max(1, abs(fd)), "\(name)[\(i)]: \(analytic) vs \(fd)")
            if name == "head/dft/C/W1" { #expect(analytic == 0) }
        }
    }

    @Test func batchesHoldOneTaskEachAndCoverTheSet() throws {
        let model = TaskHeadPotential(base: ThreeBPA.smallPotential(), tasks: Self.tasks)
        let confs = Array(ThreeBPA.conformations.prefix(11))
        let parts = [FittingSet.Part(name: "mp2", conformations: Array(confs[0..<5]), selfEnergies: ThreeBPA.selfEnergies),
                     FittingSet.Part(name: "dft", conformations: Array(confs[5..<11]), selfEnergies: ThreeBPA.selfEnergies)]
        let set = try FittingSet(parts, potential: model, requireForces: false, label: "3bpa")
        var g = SeededGenerator(seed: 9)
        var order = Array(0..<set.count)
        g.shuffle(&order)
        let batches = set.batches(of: order, size: 4, byTask: true, using: &g)
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<11))
        #expect(batches.allSatisfy { b in Set(b.map { set.partIndices[$0] }).count == 1 && b.count <= 4 })
        #expect(batches.count == 4)  // 5 → 4 + 1, 6 → 4 + 2
        let plain = set.batches(of: order, size: 4, byTask: false, using: &g)
        #expect(plain == [Array(order[0..<4]), Array(order[4..<8]), Array(order[8..<11])])
    }

    @Test func trainingMovesOnlyTheHeadsOfTasksWithData() throws {
        let model = TaskHeadPotential(base: ThreeBPA.smallPotential(), tasks: Self.tasks)
        let confs = Array(ThreeBPA.conformations.prefix(12))
        // Task "dft" is the same data with energies and forces scaled by 1.2 (a level of
        // theory that binds more strongly); "xtb" has no data.
        func scaled(_ c: Conformation) -> Conformation {
            var s = c
            s.energy = ThreeBPA.selfEnergies.energy(of: c.atomicNumbers) + 1.2 * (c.energy - ThreeBPA.selfEnergies.energy(of: c.atomicNumbers))
            s.forces = c.forces!.map { $0 * 1.2 }
            return s
        }
        let parts = [FittingSet.Part(name: "mp2", conformations: Array(confs[0..<6]), selfEnergies: ThreeBPA.selfEnergies),
                     FittingSet.Part(name: "dft", conformations: confs[6..<12].map(scaled), selfEnergies: ThreeBPA.selfEnergies)]
        let set = try FittingSet(parts, potential: model, requireForces: true, label: "3bpa")
        let trainer = try Trainer(potential: model, training: set, validation: set.subset([0, 6]),
                                  configuration: TrainerConfiguration(epochs: 2, batchSize: 4, seed: 2,
                                                                      loss: EnergyForceLoss(energyWeight: 1, forceWeight: 1)))
        try trainer.train()
        #expect(trainer.step == 2 * 4)  // per epoch: mp2 4 + 2, dft 4 + 2
        let p = trainer.parameters
        for name in model.readoutNames {
            #expect(p["head/xtb/\(name)"].scalars.allSatisfy { $0 == 0 }, "xtb has no data: \(name)")
            #expect(p["head/mp2/\(name)"].scalars.contains { $0 != 0 }, "mp2 \(name)")
            #expect(p["head/dft/\(name)"].scalars != p["head/mp2/\(name)"].scalars, "dft \(name)")
        }
        // Validation metrics use the heads too: evaluating the trainer's set equals
        // evaluating each task's conformations through its own folded readout.
        let joint = trainer.evaluate(set).metrics
        var acc: [Double] = []
        for (t, task) in ["mp2", "dft"].enumerated() {
            let sub = set.subset(Array((6 * t)..<(6 * t + 6)))
            let m = residualMetrics(potential: model.base, parameters: model.baseParameters(for: task, in: p), set: sub)
            acc.append(m.energyPerAtomRMSE * m.energyPerAtomRMSE * 6)
        }
        #expect(abs(joint.energyPerAtomRMSE - ((acc[0] + acc[1]) / 12).squareRoot()) < 1e-3 * joint.energyPerAtomRMSE)
    }

    @Test func modelFilesKeepTheHeads() throws {
        let (model, p) = Self.headed()
        let dir = try SharedData.temporaryDirectory("task-heads")
        let path = dir.appendingPathComponent("m.model.json").path
        try ModelFile(potential: model, parameters: p.converted(to: Float.self)).save(to: path)
        let (loaded, q) = try ModelFile.load(path: path)
        let heads = try #require(loaded as? TaskHeadPotential)
        #expect(heads.tasks == Self.tasks)
        #expect(q.names == p.names)
        // Mean head: the shared readout plus the average deviation.
        let mean = heads.baseParametersWithMeanHead(in: q)
        let h = q["head/mp2/H/b1"].scalars[0], d = q["head/dft/H/b1"].scalars[0], x = q["head/xtb/H/b1"].scalars[0]
        #expect(abs(mean["H/b1"].scalars[0] - (q["H/b1"].scalars[0] + (h + d + x) / 3)) < 1e-6)
        #expect(!mean.names.contains { $0.hasPrefix("head/") })
    }
}
