import Autodiff
import Chemistry
import Foundation
import Potentials
import Testing
import Training
import _TestSupport

/// hippynn's hierarchicality regulariser: the formula by hand, its parameter gradient against
/// finite differences (it enters training), off unless asked for, refused without per-layer
/// energies, and lowered by training with it.
@Suite struct HierarchicalityTests {
    /// A small HIP-NN whose self-energies are O(1 eV), so the layer-1 ratio is not negligible.
    static func smallHIPNN(resnet: Bool) -> HIPNNPotential {
        HIPNNPotential(HIPNNArchitecture(species: [1, 6, 7, 8], width: 5, interactions: 2, atomLayers: 1, sensitivities: 4,
                                         softMin: 0.8, softMax: 4, cutoff: 5, resnet: resnet),
                       selfEnergies: SelfEnergies(isolatedAtoms: [1: -0.3, 6: 0.4, 7: -0.2, 8: 0.5]))
    }

    /// Every weight N(0, 0.5²) (sensitivities kept), so all layers carry O(1) energies.
    static func randomised<S: TensorScalar>(_ potential: HIPNNPotential, seed: UInt64, as _: S.Type = Double.self) -> ParameterSet<S> {
        var rng = SeededGenerator(seed: seed)
        var p = potential.initialParameters(S.self, using: &rng)
        for name in p.names where !name.hasSuffix("muInv") && !name.hasSuffix("sigma") {
            p[name] = Tensor<S>.randomNormal(shape: p[name].shape, standardDeviation: S(0.5), using: &rng)
        }
        return p
    }

    @Test func regulariserMatchesAHandComputation() {
        // Two conformations of 2 and 1 atoms, three layers.
        let e: [[Double]] = [[1.0, -2.0, 0.5], [0.3, 0.1, -0.4], [0.05, 0.2, 0.01]]   // e[l][atom]
        let batch = AtomBatch(atomicNumbers: [[1, 8], [6]])
        let value = HierarchicalityRegulariser(weight: 0.5)(layers: e.map { Tensor<Double>($0) }, batch: batch).scalars[0]
        func ratio(_ a: Double, _ b: Double) -> Double { a * a / (a * a + b * b + 1e-12) }
        let r = (0..<3).map { i in ratio(e[1][i], e[0][i]) + ratio(e[2][i], e[1][i]) }
        let hand = 0.5 * ((r[0] + r[1]) / 2 + r[2]) / 2
        #expect(abs(value - hand) < 1e-14, "value \(value) hand \(hand)")
        // One layer: nothing to compare.
        #expect(HierarchicalityRegulariser(weight: 1)(layers: [Tensor<Double>(e[0])], batch: batch).scalars[0] == 0)
    }

    @Test(arguments: [false, true])
    func parameterGradientMatchesFiniteDifferences(resnet: Bool) throws {
        let potential = Self.smallHIPNN(resnet: resnet)
        let confs = Array(ThreeBPA.conformations.prefix(2))
        try #require(confs.count == 2)
        let topology = try potential.topology(of: confs)
        let positions = Tensor<Double>(positions: confs.flatMap(\.positions))
        let batch = AtomBatch(confs)
        let term = HierarchicalityRegulariser(weight: 2)
        func value(_ p: ParameterSet<Double>) -> Tensor<Double> {
            term(potential: potential, parameters: p, positions: positions, topology: topology, batch: batch)
        }
        let p = Self.randomised(potential, seed: 11)
        let v = value(p).scalars[0]
        #expect(v > 0.05 && v < 2 * 2, "R̄ \(v / 2) should be a non-trivial ratio sum")
        let tracked = p.requiringGrad()
        let g = gradient(of: value(tracked), withRespectTo: tracked)
        let h = 1e-6
        var checked = 0
        for name in p.names {
            for k in Set([0, p[name].count / 2, p[name].count - 1]) {
                func shifted(_ d: Double) -> Double {
                    var q = p
                    var s = q[name].scalars
                    s[k] += d
                    q[name] = Tensor(shape: q[name].shape, scalars: s)
                    return value(q).scalars[0]
                }
                let numeric = (shifted(h) - shifted(-h)) / (2 * h)
                let analytic = g[name].scalars[k]
                #expect(abs(analytic - numeric) < 1e-6 * max(1, abs(numeric)), "\(name)[\(k)]: \(analytic) vs \(numeric)")
                checked += 1
            }
        }
        #expect(checked > 20)
        #expect(g.tensors.contains { $0.scalars.contains { abs($0) > 1e-3 } })
    }

    @Test func offUnlessNamedAndRefusedByStudyKinds() throws {
        #expect(try LossSettings.hierarchicality(nil, file: "m.yaml") == nil)
        #expect(try LossSettings.hierarchicality(LossSettings(energyWeight: 30), file: "m.yaml") == nil)
        #expect(try LossSettings.hierarchicality(LossSettings(hierarchicality: 0), file: "m.yaml") == nil)
        #expect(try LossSettings.hierarchicality(LossSettings(hierarchicality: 0.5), file: "m.yaml")?.weight == 0.5)
        for bad in [-1, Double.nan] {
            #expect(throws: DataError.self) { try LossSettings.hierarchicality(LossSettings(hierarchicality: bad), file: "m.yaml") }
        }
        #expect(TrainerConfiguration(epochs: 1).hierarchicality == nil)
        // Study kinds that do not wire the term refuse the key instead of ignoring it.
        do {
            _ = try LossSettings.resolve(LossSettings(hierarchicality: 1), file: "study.yaml")
            Issue.record("a study manifest with loss.hierarchicality was accepted")
        } catch let error as DataError {
            #expect(error.item == "loss.hierarchicality")
        }
        _ = try LossSettings.resolve(LossSettings(hierarchicality: 1), file: "train.yaml", allowingHierarchicality: true)
        // A checkpoint's configuration written before the key existed decodes without the term.
        let json = try JSONEncoder().encode(TrainerConfiguration(epochs: 3))
        #expect(!String(decoding: json, as: UTF8.self).contains("hierarchicality"))
        #expect(try JSONDecoder().decode(TrainerConfiguration.self, from: json).hierarchicality == nil)
    }

    @Test func refusedForModelsWithoutLayerEnergies() throws {
        let ani = ThreeBPA.smallPotential()
        do {
            _ = try HierarchicalityRegulariser.layered(ani, file: "m.yaml")
            Issue.record("an ANI model was accepted")
        } catch let error as DataError {
            #expect(error.file == "m.yaml" && error.item == "loss.hierarchicality")
            #expect("\(error)".contains("hipnn"))
        }
        var config = TrainerConfiguration(epochs: 1)
        config.hierarchicality = HierarchicalityRegulariser(weight: 1)
        let confs = Array(ThreeBPA.conformations.prefix(4))
        #expect(throws: DataError.self) {
            try Trainer(potential: ani, training: confs, validation: confs, configuration: config)
        }
        #expect(try HierarchicalityRegulariser.layered(Self.smallHIPNN(resnet: false), file: "m.yaml") is HIPNNPotential)
    }

    @Test func trainingWithTheTermLowersIt() throws {
        let potential = Self.smallHIPNN(resnet: false)
        let confs = Array(ThreeBPA.conformations.prefix(8))
        try #require(confs.count == 8)
        let measure = HierarchicalityRegulariser(weight: 1)
        let topology = try potential.topology(of: confs)
        let positions = Tensor<Float>(positions: confs.flatMap(\.positions))
        func rbar(_ p: ParameterSet<Float>) -> Float {
            measure(potential: potential, parameters: p, positions: positions, topology: topology, batch: AtomBatch(confs)).scalars[0]
        }
        // From O(1) readouts, where every layer carries energy (R̄ of order 1).
        let start = Self.randomised(potential, seed: 5, as: Float.self)
        var results: [Float] = []
        for weight in [nil, 1.0] {
            var config = TrainerConfiguration(epochs: 10, batchSize: 4, seed: 2, loss: EnergyForceLoss(energyWeight: 1e-3, forceWeight: 1e-3),
                                              optimizer: .adam(learningRate: 1e-2, weightDecay: 0), plateau: nil)
            config.hierarchicality = weight.map { HierarchicalityRegulariser(weight: $0) }
            let trainer = try Trainer(potential: potential, parameters: start, training: confs, validation: confs,
                                      configuration: config)
            _ = try trainer.train()
            results.append(rbar(trainer.parameters))
        }
        #expect(results[0] > 0.1 && results[1] < 0.8 * results[0], "R̄ without the term \(results[0]), with it \(results[1])")
    }
}
