import Foundation
import Testing
import Autodiff
import Chemistry
import Descriptors
import MetaLearning
import Potentials
import Training
import _TestSupport

/// Real data for the meta-learning tests: two levels of theory of ethanol and acac.
enum MetaData {
    static func read(_ path: String, iso: String? = nil, unit: EnergyUnit = .eV, count: Int) -> (confs: [Conformation], selfEnergies: SelfEnergies) {
        let reader = ExtendedXYZReader(energyUnit: unit)
        let confs = Array(((try? reader.read(path: SharedData.path(path)).conformations) ?? []).prefix(count))
        let selfEnergies: SelfEnergies
        if let iso, let e = try? ExtendedXYZReader().read(path: SharedData.path(iso)).isolatedAtomEnergies {
            selfEnergies = SelfEnergies(isolatedAtoms: e)
        } else {
            selfEnergies = (try? SelfEnergies.fit(confs)) ?? SelfEnergies(isolatedAtoms: [:])
        }
        return (confs, selfEnergies)
    }
    static let ethanolPBE = read("ethanol/botnet_pbe_def2svp_train.xyz", iso: "ethanol/botnet_isolated_atoms.xyz", count: 24)
    static let ethanolTS = read("ethanol/md17_pbe_vdwts_sample.xyz", unit: .kcalPerMol, count: 24)
    static let acac = read("acac/train_300K.xyz", iso: "acac/isolated_atoms.xyz", count: 24)

    static func potential() -> ANIPotential {
        let aev = AEVParameters.ani1x.with(species: [1, 6, 8])
        return ANIPotential(aev: AEVComputer(aev), networks: ElementNetworks(elements: [1, 6, 8], widths: [aev.featureCount, 6, 1], alpha: 0.1),
                            selfEnergies: ethanolPBE.selfEnergies)
    }

    static func task<S>(_ name: String, _ data: (confs: [Conformation], selfEnergies: SelfEnergies), loss: EnergyForceLoss,
                        as _: S.Type = Float.self) throws -> PotentialTask<S> {
        let p = potential()
        return PotentialTask(name: name, potential: p,
                             data: try FittingSet(data.confs, selfEnergies: data.selfEnergies, potential: p,
                                                  requireForces: loss.forceWeight > 0, label: name),
                             loss: loss)
    }
}

@Suite(.serialized) struct PotentialMetaTests {
    @Test func secondOrderMAMLGradientMatchesFiniteDifferences() throws {
        // F(θ) = L_Q(θ − α ∇L_S(θ)), energy-only loss on real ethanol, Float64.
        let task: PotentialTask<Double> = try MetaData.task("ethanol", MetaData.ethanolPBE, loss: EnergyForceLoss(forceWeight: 0), as: Double.self)
        var rng = SeededGenerator(seed: 4)
        let theta = MetaData.potential().initialParameters(Double.self, using: &rng)
        let alpha = 0.05
        let inner = InnerLoop(steps: 1, optimizer: .sgd, learningRate: alpha, batchSize: 4)
        var samplers = [BatchSampler(count: task.count)]
        var g = SeededGenerator(seed: 8)
        var samplerCopy = samplers[0], gCopy = g
        let meta = MAML.metaGradient(theta, tasks: [task], inner: inner, secondOrder: true, querySize: 4,
                                     samplers: &samplers, using: &g, taskIndices: [0])
        let support = samplerCopy.next(4, using: &gCopy), query = samplerCopy.next(4, using: &gCopy)
        func objective(_ p: ParameterSet<Double>) -> Double {
            let q = p.requiringGrad()
            let gs = gradient(of: task.loss(parameters: q, indices: support, createGraph: false), withRespectTo: q)
            return task.loss(parameters: p - gs.scaled(by: alpha), indices: query, createGraph: false).scalars[0]
        }
        let h = 1e-5
        for t in [0, 3, theta.count - 2] {
            for index in [0, theta[t].count / 2] {
                func shifted(_ d: Double) -> Double {
                    var p = theta
                    var v = p[t].scalars
                    v[index] += d
                    p[p.names[t]] = Tensor(shape: p[t].shape, scalars: v)
                    return objective(p)
                }
                let numeric = (shifted(h) - shifted(-h)) / (2 * h)
                #expect(abs(meta[t].scalars[index] - numeric) < 1e-6 * max(1, abs(numeric)), "\(theta.names[t])[\(index)]")
            }
        }
        // First-order MAML differs from it (the inner-step Jacobian matters here).
        var s2 = [BatchSampler(count: task.count)]
        var g2 = SeededGenerator(seed: 8)
        let first = MAML.metaGradient(theta, tasks: [task], inner: inner, secondOrder: false, querySize: 4,
                                      samplers: &s2, using: &g2, taskIndices: [0])
        #expect((first - meta).norm > 1e-8)
    }

    func trainer(iterations: Int, checkpoint: String?, algorithm: MetaConfiguration.Algorithm = .reptile) throws -> MetaTrainer {
        let loss = EnergyForceLoss(energyWeight: 1, forceWeight: algorithm == .maml ? 0 : 5)
        let tasks = [try MetaData.task("ethanol@PBE", MetaData.ethanolPBE, loss: loss),
                     try MetaData.task("ethanol@PBE+TS", MetaData.ethanolTS, loss: loss)]
        let acac: PotentialTask<Float> = try MetaData.task("acac", MetaData.acac, loss: loss)
        let validation = ValidationTask(adapt: PotentialTask(name: "acac", potential: acac.potential, data: acac.data.subset(Array(0..<12)), loss: loss),
                                        evaluate: acac.data.subset(Array(12..<24)))
        let config = MetaConfiguration(algorithm: algorithm, iterations: iterations, metaBatchSize: 2, epsilon: 0.5, epsilonFinal: 0.1,
                                       inner: InnerLoop(steps: 2, optimizer: algorithm == .maml ? .sgd : .adam, learningRate: 1e-3, batchSize: 4),
                                       querySize: 4, loss: loss, seed: 7, validateEvery: 2, checkpointPath: checkpoint)
        return try MetaTrainer(potential: MetaData.potential(), tasks: tasks, validationTasks: [validation], configuration: config)
    }

    /// Validation tasks adapt on `StepParallelism.threads` threads (and ranks): metrics and loss
    /// are bit for bit those of adapting and measuring each task in turn.
    @Test func validationDoesNotDependOnTheThreadCount() throws {
        let loss = EnergyForceLoss(energyWeight: 1, forceWeight: 5)
        let base = try trainer(iterations: 1, checkpoint: nil)
        let pbe: PotentialTask<Float> = try MetaData.task("pbe", MetaData.ethanolPBE, loss: loss)
        let acac: PotentialTask<Float> = try MetaData.task("acac", MetaData.acac, loss: loss)
        let validation = [
            ValidationTask(adapt: PotentialTask(name: "acac", potential: acac.potential, data: acac.data.subset(Array(0..<12)), loss: loss),
                           evaluate: acac.data.subset(Array(12..<24))),
            ValidationTask(adapt: PotentialTask(name: "pbe", potential: pbe.potential, data: pbe.data.subset(Array(0..<8)), loss: loss),
                           evaluate: pbe.data.subset(Array(8..<16))),
            ValidationTask(adapt: PotentialTask(name: "pbe-late", potential: pbe.potential, data: pbe.data.subset(Array(16..<20)), loss: loss),
                           evaluate: pbe.data.subset(Array(20..<24)))]
        let t = try MetaTrainer(potential: base.potential, tasks: base.tasks, validationTasks: validation, configuration: base.configuration)
        func run(threads: Int) -> (metrics: [String: EnergyForceMetrics], loss: Double) {
            let saved = StepParallelism.threads
            StepParallelism.threads = threads
            defer { StepParallelism.threads = saved }
            return t.validate()
        }
        let one = run(threads: 1), two = run(threads: 2)
        #expect(one.metrics == two.metrics && one.loss.bitPattern == two.loss.bitPattern)
        var total = 0.0
        for (k, v) in validation.enumerated() {
            var g = SeededGenerator(seed: base.configuration.seed &+ 0xFA11 &+ UInt64(k))
            let m = residualMetrics(potential: t.potential, parameters: t.innerLoop.adapt(t.parameters, on: v.adapt, using: &g), set: v.evaluate)
            #expect(one.metrics[v.adapt.name] == m)
            total += loss.validationLoss(m)
        }
        #expect(one.loss.bitPattern == (total / 3).bitPattern)
        #expect(one.metrics.count == 3 && one.metrics.values.allSatisfy { $0.forceComponentCount > 0 })
    }

    @Test func interruptedMetaTrainingResumesBitIdentically() throws {
        let dir = try SharedData.temporaryDirectory("meta-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try trainer(iterations: 6, checkpoint: nil)
        try whole.train()
        let path = dir.appendingPathComponent("meta.json").path
        let first = try trainer(iterations: 6, checkpoint: path)
        try first.train(maxIterations: 3)
        let tasks = first.tasks, validation = first.validationTasks
        let resumed = try MetaTrainer.resume(from: path, tasks: tasks, validationTasks: validation)
        #expect(resumed.iteration == 3)
        try resumed.train()
        #expect(resumed.iteration == 6)
        for (a, b) in zip(whole.parameters.tensors, resumed.parameters.tensors) {
            #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
        }
        #expect(whole.history.map(\.validationLoss) == resumed.history.map(\.validationLoss))
        #expect(whole.history.count == 3)
    }

    @Test func allAlgorithmsRunAndSecondOrderRejectsForces() throws {
        for algorithm in MetaConfiguration.Algorithm.allCases {
            let t = try trainer(iterations: 2, checkpoint: nil, algorithm: algorithm)
            let before = t.parameters
            try t.train()
            #expect((t.parameters - before).norm > 0, "\(algorithm) moved the parameters")
            #expect(t.history.last!.validationLoss.isFinite)
        }
        let loss = EnergyForceLoss(forceWeight: 1)
        let task: PotentialTask<Float> = try MetaData.task("ethanol", MetaData.ethanolPBE, loss: loss)
        #expect(throws: DataError.self) {
            try MetaTrainer(potential: MetaData.potential(), tasks: [task], validationTasks: [],
                            configuration: MetaConfiguration(algorithm: .maml, iterations: 1, inner: InnerLoop(steps: 1, optimizer: .sgd), loss: loss))
        }
    }

    /// Reptile and MAML adapt the tasks of a meta-batch on `StepParallelism.threads`
    /// threads: the result is bit for bit the same on one thread and on two, and equals the
    /// sequential sweep written out (each task adapting in turn from the same samplers).
    @Test func metaBatchesDoNotDependOnTheThreadCount() throws {
        let loss = EnergyForceLoss(energyWeight: 1, forceWeight: 1)
        let tasks: [PotentialTask<Float>] = [try MetaData.task("pbe", MetaData.ethanolPBE, loss: loss),
                                             try MetaData.task("ts", MetaData.ethanolTS, loss: loss),
                                             try MetaData.task("acac", MetaData.acac, loss: loss)]
        let meta = MetaData.potential().initialParameters(seed: 5)
        let inner = InnerLoop(steps: 3, optimizer: .adam, learningRate: 1e-3, batchSize: 4)
        func bits(_ p: ParameterSet<Float>) -> [UInt32] { p.tensors.flatMap { $0.scalars.map(\.bitPattern) } }
        func reptile(threads: Int) -> [UInt32] {
            let saved = StepParallelism.threads
            StepParallelism.threads = threads
            defer { StepParallelism.threads = saved }
            var samplers = tasks.map { BatchSampler(count: $0.count) }
            var generator = SeededGenerator(seed: 9)
            return bits(Reptile.step(meta, tasks: tasks, inner: inner, epsilon: 0.5, samplers: &samplers, using: &generator,
                                     taskIndices: [2, 0, 1, 0]))
        }
        func fomaml(threads: Int) -> [UInt32] {
            let saved = StepParallelism.threads
            StepParallelism.threads = threads
            defer { StepParallelism.threads = saved }
            var samplers = tasks.map { BatchSampler(count: $0.count) }
            var generator = SeededGenerator(seed: 9)
            return bits(MAML.metaGradient(meta, tasks: tasks, inner: inner, secondOrder: false, querySize: 4, samplers: &samplers,
                                          using: &generator, taskIndices: [1, 2]))
        }
        // The sequential sweep: each task adapts in turn, drawing from the shared generator.
        var samplers = tasks.map { BatchSampler(count: $0.count) }
        var generator = SeededGenerator(seed: 9)
        var direction = ParameterSet.zero(like: meta)
        for t in [2, 0, 1, 0] {
            direction += inner.adapt(meta, on: tasks[t], sampler: &samplers[t], using: &generator) - meta
        }
        let sequential = bits(meta + direction.scaled(by: Float(0.5 / 4)))
        #expect(reptile(threads: 1) == sequential)
        #expect(reptile(threads: 2) == sequential)
        #expect(fomaml(threads: 1) == fomaml(threads: 2))
    }
}
