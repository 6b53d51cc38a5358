import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport
@testable import Potentials

/// MACE beyond parity and the conformance suite: manifest keys and model files, the data
/// constants, the force-training gradient of every parameter, Float32.
@Suite struct MACETests {
    let selfEnergies = ConformanceData.bpaSelfEnergies

    func error(_ spec: ModelSpec) -> String? {
        do { _ = try spec.makePotential(elements: [1, 6, 8], selfEnergies: selfEnergies, file: "m.yaml"); return nil }
        catch let e as DataError { return e.item } catch { return "\(error)" }
    }

    func spec(_ edit: (inout ModelSpec) -> Void) -> ModelSpec {
        var s = ModelSpec(kind: "mace")
        edit(&s)
        return s
    }

    @Test func manifestKeysAreCheckedAndNamed() throws {
        #expect(error(ModelSpec(kind: "mace")) == nil)
        #expect(error(spec { $0.preset = "large" }) == "model.preset")
        #expect(error(spec { $0.channels = 0 }) == "model.channels")
        #expect(error(spec { $0.correlation = 4 }) == "model.correlation")
        #expect(error(spec { $0.shDegree = 1; $0.hiddenDegree = 2 }) == "model.hidden_degree")
        #expect(error(spec { $0.preset = "medium"; $0.shDegree = 0 }) == "model.sh_degree")
        #expect(error(spec { $0.interactions = 0 }) == "model.interactions")
        #expect(error(spec { $0.cutoff = -5 }) == "model.cutoff")
        #expect(error(spec { $0.radialMLP = [64, 0] }) == "model.radial_mlp")
        #expect(error(spec { $0.averageNeighbours = 0 }) == "model.average_neighbours")
        #expect(error(spec { $0.scale = .nan }) == "model.scale")
        #expect(error(spec { $0.shift = .infinity }) == "model.shift")
        #expect(error(spec { $0.envelopeExponent = 1 }) == "model.envelope_exponent")
        #expect(error(spec { $0.widths = [8] }) == "model.widths")              // an ANI key
        #expect(error(ModelSpec(kind: "hipnn", resnet: nil).with { $0.channels = 8 }) == "model.channels")
        let medium = try #require(try spec { $0.preset = "medium"; $0.channels = 16 }
            .makePotential(elements: [1, 6], selfEnergies: selfEnergies, file: "m.yaml") as? MACEPotential)
        #expect(medium.hyperparameters.hiddenDegree == 1 && medium.hyperparameters.channels == 16)
        #expect(medium.hyperparameters.averageNeighbours == nil && medium.hyperparameters.scale == nil)
        #expect(medium.layers[0].outputs == [Irrep(0, 1), Irrep(1, -1)] && medium.layers[1].outputs == [Irrep(0, 1)])
    }

    @Test func manifestKeysReadFromYAMLSpelling() throws {
        let json = #"{"kind": "mace", "channels": 8, "hidden_degree": 1, "sh_degree": 2, "radial_mlp": [16], "average_neighbours": 12.5, "readout_width": 8}"#
        let s = try JSONDecoder().decode(ModelSpec.self, from: Data(json.utf8))
        let m = try #require(try s.makePotential(elements: [1, 8], selfEnergies: selfEnergies, file: "m") as? MACEPotential)
        #expect(m.hyperparameters == MACEArchitecture(species: [1, 8], shDegree: 2, channels: 8, hiddenDegree: 1,
                                                      radialMLP: [16], readoutWidth: 8, averageNeighbours: 12.5))
    }

    @Test func architectureRoundTripsAndValidates() throws {
        let a = MACEArchitecture(species: [1, 6], channels: 4, averageNeighbours: 9.5)
        let json = try JSONEncoder().encode(ModelArchitecture.mace(a))
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"kind\":\"mace\"") && !text.contains("\"scale\""))
        #expect(try JSONDecoder().decode(ModelArchitecture.self, from: json) == .mace(a))
        func error(_ edit: (inout MACEArchitecture) -> Void) -> String? {
            var b = a
            edit(&b)
            do { _ = try ModelArchitecture.mace(b).makePotential(selfEnergies: selfEnergies, file: "f"); return nil }
            catch let e as DataError { return e.item } catch { return "\(error)" }
        }
        #expect(error { _ in } == nil)
        #expect(error { $0.species = [1, 1] } == "architecture.species")
        #expect(error { $0.correlation = 0 } == "architecture.correlation")
        #expect(error { $0.hiddenDegree = 4 } == "architecture.hiddenDegree")
        #expect(error { $0.averageNeighbours = -1 } == "architecture.averageNeighbours")
        #expect(error { $0.radialMLP = [] } == "architecture.radialMLP")
    }

    @Test func dataConstantsAreFittedToTrainingData() throws {
        let confs = Array(try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations.prefix(20))
        let unfitted = MACEPotential(MACEArchitecture(species: [1, 6, 7, 8], channels: 4), selfEnergies: selfEnergies)
        let fitted = try #require(try unfitted.withDataStatistics(from: confs, file: "test") as? MACEPotential)
        let topology = try unfitted.topology(of: confs)
        let neighbours = try #require(fitted.hyperparameters.averageNeighbours)
        #expect(abs(neighbours - Double(topology.pairCount) / Double(topology.atomCount)) < 1e-12)
        #expect(neighbours > 10 && neighbours < 27)
        let forces = confs.flatMap { $0.forces! }
        let rms = (forces.reduce(0) { $0 + ($1 * $1).sum() } / Double(3 * forces.count)).squareRoot()
        #expect(abs(try #require(fitted.hyperparameters.scale) - rms) < 1e-12)
        // Given values are kept.
        let fixed = MACEPotential(MACEArchitecture(species: [1, 6, 7, 8], channels: 4, averageNeighbours: 3, scale: 2),
                                  selfEnergies: selfEnergies)
        #expect((try fixed.fitted(to: confs, limit: 500)).hyperparameters == fixed.hyperparameters)
    }

    /// ∂/∂θ of L = Σ E² + Σ F² (through the force graph) against central differences, one
    /// entry of every parameter tensor (the conformance suite checks three tensors).
    @Test func forceLossGradientCoversEveryParameter() throws {
        let potential = MACEPotential(MACEArchitecture(species: [1, 6, 7, 8], cutoff: 4, shDegree: 2, channels: 3, hiddenDegree: 1,
                                                       radialMLP: [4], readoutWidth: 3, averageNeighbours: 8, scale: 1.1, shift: 0.02),
                                      selfEnergies: selfEnergies)
        var rng = SeededGenerator(seed: 5)
        let parameters = potential.initialParameters(Double.self, using: &rng)
        let conf = try #require(ConformanceData.bpa.first)
        let topology = try potential.topology(of: [conf])
        let positions = Tensor<Double>(positions: conf.positions)
        func loss(_ p: ParameterSet<Double>, createGraph: Bool) -> Tensor<Double> {
            let (e, f) = potential.networkEnergiesAndForces(positions: positions, topology: topology, batch: AtomBatch([conf]),
                                                            parameters: p, createGraph: createGraph)
            return (e * e).sum() + (f! * f!).sum()
        }
        let p = parameters.requiringGrad()
        let g = gradient(of: loss(p, createGraph: true), withRespectTo: p)
        let h = 1e-6
        for t in 0..<parameters.count {
            let index = (t * 7) % parameters[t].count
            func at(_ d: Double) -> Double {
                var q = parameters
                var values = q[t].scalars
                values[index] += d
                q[q.names[t]] = Tensor(shape: q[t].shape, scalars: values)
                return loss(q, createGraph: false).scalars[0]
            }
            let numeric = (at(h) - at(-h)) / (2 * h)
            #expect(abs(g[t].scalars[index] - numeric) < 1e-5 * max(1, abs(numeric)), "\(parameters.names[t])[\(index)]")
        }
    }

    @Test func float32AgreesWithFloat64() throws {
        let (potential, parameters, _) = try MACEParityTests.model("medium")
        let confs = MACEParityTests.conformations
        let e64 = try potential.evaluate(confs, parameters: parameters)
        let e32 = try potential.evaluate(confs, parameters: parameters.converted(to: Float.self))
        for c in confs.indices {
            let interaction = e64.energies.scalars[c] - potential.selfEnergies.energy(of: confs[c].atomicNumbers)
            #expect(abs(Double(e32.energies.scalars[c]) - e64.energies.scalars[c]) < 5e-3 * max(1, abs(interaction)) + 2e-3)
        }
        let f64 = e64.forces!.scalars, f32 = e32.forces!.scalars
        let worst = zip(f64, f32).map { abs($0 - Double($1)) }.max()!
        #expect(worst < 1e-4 * max(1, f64.map(abs).max()!))
    }
}

private extension ModelSpec {
    func with(_ edit: (inout ModelSpec) -> Void) -> ModelSpec {
        var s = self
        edit(&s)
        return s
    }
}
