import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
@testable import Potentials

/// HIP-NN specifics; the shared checks (invariances, cutoff, periodic cells, gradients) are
/// in ``ConformanceTests``.
@Suite struct HIPNNTests {
    /// Every parameter replaced by N(0, scale²) values (sensitivities kept), so no term of
    /// the model is hidden by hippynn's small readout initialisation.
    static func randomised(_ potential: HIPNNPotential, seed: UInt64, scale: Double = 0.7) -> ParameterSet<Double> {
        var rng = SeededGenerator(seed: seed)
        var p = potential.initialParameters(Double.self, using: &rng)
        for name in p.names where !name.hasSuffix("muInv") && !name.hasSuffix("sigma") {
            p[name] = Tensor.randomNormal(shape: p[name].shape, standardDeviation: scale, using: &rng)
        }
        return p
    }

    @Test func sensitivityMatchesAHandComputation() {
        // r = 1.5 Å, μ = 2 Å, σ = 3 Å, r_c = 5 Å: x = (1/1.5 − 1/2)·3 = 0.5,
        // exp(−x²/2) cos²(π·1.5/10) = 0.8824969 · 0.7938926.
        let s = HIPNNSensitivity.value(1.5, inverseCentre: 0.5, sigma: 3, cutoff: 5)
        #expect(abs(s - 0.700607783558804) < 1e-14)
        #expect(abs(HIPNNSensitivity.cutoff(0, 5) - 1) < 1e-15)
        #expect(HIPNNSensitivity.cutoff(5.0001, 5) == 0)
        #expect(HIPNNSensitivity.value(7, inverseCentre: 0.2, sigma: 3, cutoff: 5) == 0)
        // Initial values (hippynn): 1/μ evenly spaced from 1/softMax to 1/softMin; σ = 2 n softMin.
        #expect(HIPNNSensitivity.initialInverseCentres(count: 3, softMin: 1, softMax: 4) == [0.25, 0.625, 1])
        #expect(HIPNNSensitivity.initialInverseCentres(count: 1, softMin: 1, softMax: 4) == [0.25])
        #expect(HIPNNSensitivity.initialSigma(count: 20, softMin: 0.75) == 30)
    }

    @Test func sensitivityTensorAgreesAndIsSmoothAtTheCutoff() {
        let rc = 5.0, m = [0.25, 0.6, 1.1], sigma = [4.0, 2.5, 6.0]
        let r = [0.9, 1.5, 2.7, 4.2, 4.999, 5.0, 5.3]
        let s = HIPNNSensitivity.sensitivities(Tensor<Double>(shape: [r.count, 1], scalars: r),
                                               inverseCentres: Tensor(m), sigma: Tensor(sigma), cutoff: rc)
        #expect(s.shape == [r.count, 3])
        for (p, d) in r.enumerated() {
            for nu in 0..<3 {
                let expected = HIPNNSensitivity.value(d, inverseCentre: m[nu], sigma: sigma[nu], cutoff: rc)
                #expect(abs(s.scalars[p * 3 + nu] - expected) < 1e-14, "r \(d) ν \(nu)")
            }
        }
        // φ(r_c) = φ'(r_c) = 0: value and slope vanish continuously as r → r_c.
        for h in [1e-2, 1e-3, 1e-4] {
            let v = HIPNNSensitivity.value(rc - h, inverseCentre: 0.25, sigma: 4, cutoff: rc)
            let slope = (HIPNNSensitivity.value(rc - h / 2, inverseCentre: 0.25, sigma: 4, cutoff: rc) - v) / (h / 2)
            #expect(v < 0.3 * h * h && abs(slope) < h, "h \(h)")
        }
    }

    @Test func twoAtomEnergyMatchesAHandComputation() throws {
        // O–H at 1.1 Å, one interaction (width 2, ν = 3) and one on-site layer, in plain Double.
        let arch = HIPNNArchitecture(species: [1, 8], width: 2, interactions: 1, atomLayers: 1, sensitivities: 3,
                                     softMin: 0.8, softMax: 3, cutoff: 4)
        let potential = HIPNNPotential(arch, selfEnergies: SelfEnergies(isolatedAtoms: [1: 0, 8: 0]))
        let p = Self.randomised(potential, seed: 5)
        #expect(p.names == ["int0/muInv", "int0/sigma", "int0/Wsens", "int0/Wself", "int0/b", "int0/atom1/W", "int0/atom1/b",
                            "readout0/w", "readout1/w", "readout1/b"])
        #expect(p["int0/Wsens"].shape == [6, 2])
        let r = 1.1
        let direction = SIMD3(0.48, -0.6, 0.64)
        let conf = Conformation(atomicNumbers: [8, 1], positions: [SIMD3(0.3, 0.2, -0.1), SIMD3(0.3, 0.2, -0.1) + direction * r],
                                energy: 0)
        let model = try potential.evaluate([conf], parameters: p, withForces: false).energies.scalars[0]

        func v(_ name: String) -> [Double] { p[name].scalars }
        func softplus(_ x: Double) -> Double { log1p(exp(x)) }
        let (m, sigma, wSens, wSelf, b) = (v("int0/muInv"), v("int0/sigma"), v("int0/Wsens"), v("int0/Wself"), v("int0/b"))
        let (aW, aB, w0, w1, b1) = (v("int0/atom1/W"), v("int0/atom1/b"), v("readout0/w"), v("readout1/w"), v("readout1/b"))
        let z0: [[Double]] = [[0, 1], [1, 0]]   // atom 0 is O (species index 1), atom 1 is H
        var energy = 0.0
        for i in 0..<2 {
            let j = 1 - i
            var pre = b
            for o in 0..<2 {
                for f in 0..<2 { pre[o] += z0[i][f] * wSelf[f * 2 + o] }
                for nu in 0..<3 {
                    let s = HIPNNSensitivity.value(r, inverseCentre: m[nu], sigma: sigma[nu], cutoff: 4)
                    for f in 0..<2 { pre[o] += s * z0[j][f] * wSens[(nu * 2 + f) * 2 + o] }
                }
            }
            let z1 = pre.map(softplus)
            let z2 = (0..<2).map { o in softplus(aB[o] + z1[0] * aW[o] + z1[1] * aW[2 + o]) }
            energy += z0[i][0] * w0[0] + z0[i][1] * w0[1] + z2[0] * w1[0] + z2[1] * w1[1] + b1[0]
        }
        #expect(abs(model - energy) < 1e-12, "model \(model) hand \(energy)")

        // The per-layer energies sum to the network energy.
        let topology = try potential.topology(of: [conf])
        let layers = potential.layerEnergies(positions: Tensor(positions: conf.positions), topology: topology,
                                             batch: AtomBatch([conf]), parameters: p)
        #expect(layers.count == 2)
        #expect(abs(layers.map { $0.scalars[0] }.reduce(0, +) - model) < 1e-12)
        #expect(abs(layers[0].scalars[0] - (w0[0] + w0[1])) < 1e-14)
    }

    @Test func forcesMatchFiniteDifferencesWithLargeParameters() throws {
        // All weights O(1) (the conformance suite uses hippynn's tiny initial readouts).
        let potential = HIPNNPotential(HIPNNArchitecture(species: [1, 6, 7, 8], width: 5, interactions: 2, atomLayers: 2,
                                                         sensitivities: 4, softMin: 0.8, softMax: 3.5, cutoff: 4),
                                       selfEnergies: SelfEnergies(isolatedAtoms: [:]))
        let p = Self.randomised(potential, seed: 9, scale: 0.5)
        let conf = Conformation(atomicNumbers: [6, 8, 7, 1, 1],
                                positions: [SIMD3(0, 0, 0), SIMD3(1.2, 0.1, 0), SIMD3(-0.7, 1.1, 0.2),
                                            SIMD3(-0.5, -0.9, 0.3), SIMD3(2.9, 1.5, -0.8)], energy: 0)
        let forces = try #require(try potential.evaluate([conf], parameters: p).forces).scalars
        #expect(forces.contains { abs($0) > 1e-2 })
        let h = 1e-5
        for atom in 0..<conf.atomCount {
            for axis in 0..<3 {
                func energy(_ d: Double) throws -> Double {
                    var c = conf
                    c.positions[atom][axis] += d
                    return try potential.evaluate([c], parameters: p, withForces: false).energies.scalars[0]
                }
                let numeric = -(try energy(h) - energy(-h)) / (2 * h)
                #expect(abs(forces[atom * 3 + axis] - numeric) < 1e-7 * max(1, abs(numeric)), "atom \(atom) axis \(axis)")
            }
        }
    }

    @Test func layersAndNames() {
        let potential = HIPNNPotential(HIPNNArchitecture(species: [1, 6], width: 4, interactions: 2, atomLayers: 3),
                                       selfEnergies: SelfEnergies(isolatedAtoms: [:]))
        #expect(potential.layerCount == 3)
        #expect(potential.layer(ofParameter: "int0/Wsens") == 0)
        #expect(potential.layer(ofParameter: "int1/atom3/b") == 1)
        #expect(potential.layer(ofParameter: "readout0/w") == 2)
        #expect(potential.neighbourRequest == NeighbourRequest(radialCutoff: 6.5, angularCutoff: 0, species: [1, 6]))
        #expect(potential.hyperparameters.softMax == 5.5)
        var rng = SeededGenerator(seed: 1)
        let p = potential.initialParameters(Float.self, using: &rng)
        #expect(p["int1/Wsens"].shape == [20 * 4, 4])
        #expect(p["int0/Wsens"].shape == [20 * 2, 4])
        #expect(p["readout0/w"].scalars.allSatisfy { $0 == 0 })
    }
}

@Suite struct HIPNNSpecTests {
    let selfEnergies = SelfEnergies(isolatedAtoms: [1: -13.6, 6: -1029.5, 8: -2042.0])

    func error(_ spec: ModelSpec) -> DataError? {
        do { _ = try spec.makePotential(elements: [8, 1, 6, 1], selfEnergies: selfEnergies, file: "m.yaml"); return nil }
        catch let e as DataError { return e } catch { return nil }
    }

    @Test func specBuildsHIPNNWithDefaults() throws {
        let potential = try ModelSpec(kind: "hipnn", width: 16, cutoff: 5)
            .makePotential(elements: [8, 1, 6, 1], selfEnergies: selfEnergies, file: "m.yaml")
        let hipnn = try #require(potential as? HIPNNPotential)
        #expect(hipnn.hyperparameters == HIPNNArchitecture(species: [1, 6, 8], width: 16, interactions: 2, atomLayers: 3,
                                                           sensitivities: 20, softMin: 0.75, softMax: 4, cutoff: 5))
        #expect(potential.architecture.kind == "hipnn")
    }

    @Test func specErrorsNameTheKey() {
        #expect(error(ModelSpec(kind: "hipnn", preset: "ani1x"))?.item == "model.preset")
        #expect(error(ModelSpec(kind: "hipnn", widths: [8]))?.item == "model.widths")
        #expect(error(ModelSpec(kind: "hipnn", celuAlpha: 0.1))?.item == "model.celu_alpha")
        #expect(error(ModelSpec(kind: "ani", width: 8))?.item == "model.width")
        #expect(error(ModelSpec(atomLayers: 2))?.item == "model.atom_layers")
        #expect(error(ModelSpec(kind: "hipnn", width: 0))?.item == "model.width")
        #expect(error(ModelSpec(kind: "hipnn", interactions: 0))?.item == "model.interactions")
        #expect(error(ModelSpec(kind: "hipnn", atomLayers: -1))?.item == "model.atom_layers")
        #expect(error(ModelSpec(kind: "hipnn", sensitivities: 0))?.item == "model.sensitivities")
        #expect(error(ModelSpec(kind: "hipnn", cutoff: -1))?.item == "model.cutoff")
        #expect(error(ModelSpec(kind: "hipnn", cutoff: 1.5))?.item == "model.cutoff")
        #expect(error(ModelSpec(kind: "hipnn", softMax: 7))?.item == "model.soft_max")
        #expect(error(ModelSpec(kind: "hipnn", softMin: 0))?.item == "model.soft_min")
        #expect(error(ModelSpec(kind: "schnet"))?.item == "model.kind")
        #expect(error(ModelSpec(kind: "hipnn")) == nil)
    }

    @Test func architectureRoundTripsAndValidates() throws {
        let arch = ModelArchitecture.hipnn(HIPNNArchitecture(species: [1, 8], width: 8, interactions: 1))
        let json = try JSONEncoder().encode(arch)
        #expect(String(decoding: json, as: UTF8.self).contains("\"kind\":\"hipnn\""))
        #expect(try JSONDecoder().decode(ModelArchitecture.self, from: json) == arch)
        func error(_ h: HIPNNArchitecture) -> String? {
            do { _ = try ModelArchitecture.hipnn(h).makePotential(selfEnergies: selfEnergies, file: "f"); return nil }
            catch let e as DataError { return e.item } catch { return nil }
        }
        #expect(error(HIPNNArchitecture(species: [1, 1])) == "architecture.species")
        #expect(error(HIPNNArchitecture(species: [1, 300])) == "architecture.species")
        #expect(error(HIPNNArchitecture(species: [1], width: 0)) == "architecture.width")
        #expect(error(HIPNNArchitecture(species: [1], atomLayers: -1)) == "architecture.atomLayers")
        #expect(error(HIPNNArchitecture(species: [1], softMin: 6)) == "architecture.softMin")
        #expect(error(HIPNNArchitecture(species: [1], softMax: 7)) == "architecture.softMax")
        #expect(error(HIPNNArchitecture(species: [1], cutoff: .infinity)) == "architecture.cutoff")
        #expect(error(HIPNNArchitecture(species: [1])) == nil)
    }
}
