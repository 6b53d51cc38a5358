import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport
import Potentials

/// A model kind under test: a name and a builder for given elements (small sizes, so the
/// Float64 finite-difference checks stay fast).
struct ConformanceModel: CustomTestStringConvertible, Sendable {
    let name: String
    let make: @Sendable (_ elements: [Int], _ selfEnergies: SelfEnergies) -> any AtomisticPotential
    var testDescription: String { name }

    /// Every architecture MetaMLIP ships. A new model kind is added here and must pass
    /// every check below.
    static let all: [ConformanceModel] = [
        ConformanceModel(name: "ani") { elements, selfEnergies in
            let aev = AEVParameters.ani1x.with(species: elements)
            return ANIPotential(aev: AEVComputer(aev),
                                networks: ElementNetworks(elements: elements, widths: [aev.featureCount, 8, 1], alpha: 0.1),
                                selfEnergies: selfEnergies)
        },
        ConformanceModel(name: "acsf") { elements, selfEnergies in
            let p = ACSFParameters.molecules.with(species: elements)
            return ACSFPotential(acsf: ACSFComputer(p),
                                 networks: ElementNetworks(elements: elements, widths: [p.featureCount, 8, 1], alpha: 0.1),
                                 selfEnergies: selfEnergies)
        },
        ConformanceModel(name: "eeacsf") { elements, selfEnergies in
            let p = EEACSFParameters.molecules.with(elements: elements)
            return ElementEmbracingPotential(eeacsf: EEACSFComputer(p), network: MLP(widths: [p.featureCount, 8, 1], alpha: 0.1),
                                             selfEnergies: selfEnergies)
        },
        ConformanceModel(name: "hipnn") { elements, selfEnergies in
            HIPNNPotential(HIPNNArchitecture(species: elements, width: 8, interactions: 2, atomLayers: 1, sensitivities: 6,
                                             softMin: 0.85, softMax: 4.5, cutoff: 5.5),
                           selfEnergies: selfEnergies)
        },
        ConformanceModel(name: "hipnn-resnet") { elements, selfEnergies in
            HIPNNPotential(HIPNNArchitecture(species: elements, width: 8, interactions: 2, atomLayers: 1, sensitivities: 6,
                                             softMin: 0.85, softMax: 4.5, cutoff: 5.5, resnet: true),
                           selfEnergies: selfEnergies)
        },
        ConformanceModel(name: "deeppot") { elements, selfEnergies in
            deepPot(elements, selfEnergies, DeepPotArchitecture(species: elements, rcut: 5.0, rcutSmooth: 1.0,
                                                                 sel: elements.map { _ in 48 }, neuron: [4, 8, 16],
                                                                 axisNeuron: 4, fittingNeuron: [8, 8]))
        },
        ConformanceModel(name: "deeppot-one-side") { elements, selfEnergies in
            deepPot(elements, selfEnergies, DeepPotArchitecture(species: elements, rcut: 5.5, rcutSmooth: 0.5,
                                                                 sel: elements.map { _ in 48 }, neuron: [3, 6, 6], axisNeuron: 2,
                                                                 fittingNeuron: [6, 12], typeOneSide: true, resnetDt: true,
                                                                 fittingResnetDt: false))
        },
        ConformanceModel(name: "mace") { elements, selfEnergies in
            MACEPotential(MACEArchitecture(species: elements, cutoff: 5, shDegree: 3, channels: 4, hiddenDegree: 1,
                                           radialMLP: [8, 8], readoutWidth: 4, averageNeighbours: 10, scale: 1.2, shift: 0.05),
                          selfEnergies: selfEnergies)
        },
    ]

    /// A DeepPot with its environment statistics from the structures the checks use (3BPA,
    /// or the mlearn Si or Ge cells for silicon or germanium).
    static func deepPot(_ elements: [Int], _ selfEnergies: SelfEnergies, _ architecture: DeepPotArchitecture) -> any AtomisticPotential {
        let model = DeepPotPotential(architecture, selfEnergies: selfEnergies)
        let data = elements == [14] ? ConformanceData.silicon.filter { $0.cell != nil }
            : elements == [32] ? ConformanceData.germanium.filter { $0.cell != nil } : ConformanceData.bpa
        do { return try model.fittingStatistics(to: data, file: "conformance") } catch {
            preconditionFailure("DeepPot statistics for the conformance data: \(error)")
        }
    }
}

/// Real structures for the checks, read once.
enum ConformanceData {
    static let bpa: [Conformation] = {
        Array(((try? ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations) ?? []).prefix(2))
    }()
    static let silicon: [Conformation] = {
        (try? MLearnJSONReader().read(path: SharedData.path("mlearn/Si/training.json"))) ?? []
    }()
    static let germanium: [Conformation] = {
        (try? MLearnJSONReader().read(path: SharedData.path("mlearn/Ge/training.json"))) ?? []
    }()
    static let bpaSelfEnergies = SelfEnergies(isolatedAtoms: [1: -13.6, 6: -1029.5, 7: -1485.0, 8: -2042.0])
}

/// The checks every potential must pass (nequip's `model_tests_basic` in spirit), in
/// Float64 on real 3BPA and mlearn Si structures with random parameters:
/// forces = −∂E/∂R by central differences; invariance to rotation, translation and
/// permutation (and covariance of forces); a batch equals its members; energy and force
/// continuous as a neighbour crosses the cutoff; periodic images handled; and the
/// parameter gradient of the force-training loss matches finite differences.
@Suite struct ConformanceTests {
    struct Setup {
        let potential: any AtomisticPotential
        let parameters: ParameterSet<Double>
        init(_ model: ConformanceModel, elements: [Int] = [1, 6, 7, 8], seed: UInt64 = 3) {
            potential = model.make(elements, ConformanceData.bpaSelfEnergies)
            var rng = SeededGenerator(seed: seed)
            parameters = potential.initialParameters(Double.self, using: &rng)
        }
        func evaluate(_ confs: [Conformation], forces: Bool = true) throws -> PotentialOutput<Double> {
            try potential.evaluate(confs, parameters: parameters, withForces: forces)
        }
    }

    @Test(arguments: ConformanceModel.all)
    func forcesAreMinusTheEnergyGradient(_ model: ConformanceModel) throws {
        let setup = Setup(model)
        let conf = try #require(ConformanceData.bpa.first)
        let forces = try #require(try setup.evaluate([conf]).forces).scalars
        let h = 1e-5
        for (atom, axis) in [(0, 0), (5, 1), (13, 2), (26, 0)] {
            func energy(_ d: Double) throws -> Double {
                var c = conf
                c.positions[atom][axis] += d
                return try setup.evaluate([c], forces: false).energies.scalars[0]
            }
            let numeric = -(try energy(h) - energy(-h)) / (2 * h)
            #expect(abs(forces[atom * 3 + axis] - numeric) < 1e-6 * max(1, abs(numeric)), "atom \(atom) axis \(axis)")
        }
    }

    @Test(arguments: ConformanceModel.all)
    func energyIsInvariantAndForcesAreCovariant(_ model: ConformanceModel) throws {
        let setup = Setup(model)
        let conf = try #require(ConformanceData.bpa.first)
        let reference = try setup.evaluate([conf])
        let e0 = reference.energies.scalars[0]
        let tolerance = 1e-9 * max(1, abs(e0))
        // A rotation about a skew axis (Rodrigues) and a translation.
        let axis = SIMD3(0.3, -0.5, 0.8) / (0.09 + 0.25 + 0.64).squareRoot()
        let angle = 0.7
        func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> {
            let c = cos(angle), s = sin(angle)
            let cross = SIMD3(axis.y * v.z - axis.z * v.y, axis.z * v.x - axis.x * v.z, axis.x * v.y - axis.y * v.x)
            return v * c + cross * s + axis * ((axis * v).sum() * (1 - c))
        }
        var moved = conf
        moved.positions = conf.positions.map { rotate($0) + SIMD3(1.5, -2.0, 0.25) }
        let rotated = try setup.evaluate([moved])
        #expect(abs(rotated.energies.scalars[0] - e0) < tolerance)
        let f0 = reference.forces!.scalars, f1 = rotated.forces!.scalars
        for a in 0..<conf.atomCount {
            let expected = rotate(SIMD3(f0[3 * a], f0[3 * a + 1], f0[3 * a + 2]))
            for k in 0..<3 { #expect(abs(expected[k] - f1[3 * a + k]) < 1e-8, "atom \(a)") }
        }
        // Permutation: energy unchanged, forces permuted with the atoms.
        let permutation = Array((0..<conf.atomCount).reversed())
        var permuted = conf
        permuted.atomicNumbers = permutation.map { conf.atomicNumbers[$0] }
        permuted.positions = permutation.map { conf.positions[$0] }
        let p = try setup.evaluate([permuted])
        #expect(abs(p.energies.scalars[0] - e0) < tolerance)
        for (new, old) in permutation.enumerated() {
            for k in 0..<3 { #expect(abs(p.forces!.scalars[3 * new + k] - f0[3 * old + k]) < 1e-9) }
        }
        // Forces on an isolated molecule sum to zero (translation invariance).
        let total = (0..<conf.atomCount).reduce(SIMD3<Double>.zero) { $0 + SIMD3(f0[3 * $1], f0[3 * $1 + 1], f0[3 * $1 + 2]) }
        #expect(abs(total.x) < 1e-9 && abs(total.y) < 1e-9 && abs(total.z) < 1e-9)
    }

    @Test(arguments: ConformanceModel.all)
    func batchEqualsItsMembers(_ model: ConformanceModel) throws {
        let setup = Setup(model)
        let confs = ConformanceData.bpa
        try #require(confs.count == 2)
        let together = try setup.evaluate(confs)
        var offset = 0
        for (c, conf) in confs.enumerated() {
            let single = try setup.evaluate([conf])
            #expect(abs(single.energies.scalars[0] - together.energies.scalars[c]) < 1e-9 * max(1, abs(single.energies.scalars[0])))
            for k in 0..<(3 * conf.atomCount) {
                #expect(abs(single.forces!.scalars[k] - together.forces!.scalars[3 * offset + k]) < 1e-9)
            }
            offset += conf.atomCount
        }
    }

    @Test(arguments: ConformanceModel.all)
    func energyAndForceAreContinuousAtTheCutoff(_ model: ConformanceModel) throws {
        // A C–O dimer pulled apart: just inside the cutoff, energy and force must already
        // equal (to first order) their values beyond it, where the atoms do not interact.
        let setup = Setup(model)
        let cutoff = setup.potential.neighbourRequest.radialCutoff
        func dimer(_ r: Double) throws -> (energy: Double, force: Double) {
            let conf = Conformation(atomicNumbers: [6, 8], positions: [.zero, SIMD3(r, 0, 0)], energy: 0)
            let out = try setup.evaluate([conf])
            return (out.energies.scalars[0], out.forces!.scalars[3])
        }
        let far = try dimer(cutoff + 0.1)
        let near = try dimer(cutoff - 1e-4)
        let nearer = try dimer(cutoff - 2e-4)
        #expect(far.force == 0)
        #expect(abs(near.energy - far.energy) < 1e-6)
        #expect(abs(near.force) < 1e-3)
        // The force keeps shrinking toward the cutoff (no jump hidden at the last step).
        #expect(abs(near.force) <= abs(nearer.force) + 1e-12)
    }

    @Test(arguments: ConformanceModel.all)
    func periodicCellsSeeTheirImages(_ model: ConformanceModel) throws {
        // mlearn Si cells: translating every atom by a lattice vector, or wrapping one atom
        // back into the cell, changes nothing; forces match finite differences.
        let setup = Setup(model, elements: [14])
        let cell = try #require(ConformanceData.silicon.filter { $0.cell != nil }.min { $0.atomCount < $1.atomCount })
        let lattice = try #require(cell.cell).vectors
        let reference = try setup.evaluate([cell])
        var shifted = cell
        shifted.positions[0] += lattice[0] - lattice[2]
        let e = try setup.evaluate([shifted])
        #expect(abs(e.energies.scalars[0] - reference.energies.scalars[0]) < 1e-9 * max(1, abs(reference.energies.scalars[0])))
        let h = 1e-5
        for (atom, axis) in [(0, 0), (cell.atomCount - 1, 2)] {
            func energy(_ d: Double) throws -> Double {
                var c = cell
                c.positions[atom][axis] += d
                return try setup.evaluate([c], forces: false).energies.scalars[0]
            }
            let numeric = -(try energy(h) - energy(-h)) / (2 * h)
            #expect(abs(reference.forces!.scalars[3 * atom + axis] - numeric) < 1e-6 * max(1, abs(numeric)))
        }
    }

    @Test(arguments: ConformanceModel.all)
    func forceLossGradientMatchesFiniteDifferences(_ model: ConformanceModel) throws {
        // The gradient training uses: ∂/∂θ of L = Σ_c E_c² + Σ F², through the force graph.
        let setup = Setup(model)
        let conf = try #require(ConformanceData.bpa.first)
        let topology = try setup.potential.topology(of: [conf])
        let positions = Tensor<Double>(positions: conf.positions)
        func loss(_ p: ParameterSet<Double>, createGraph: Bool) -> Tensor<Double> {
            let (e, f) = setup.potential.networkEnergiesAndForces(
                positions: positions, topology: topology, batch: AtomBatch([conf]), parameters: p, createGraph: createGraph)
            return (e * e).sum() + (f! * f!).sum()
        }
        let p = setup.parameters.requiringGrad()
        let g = gradient(of: loss(p, createGraph: true), withRespectTo: p)
        let h = 1e-6
        for t in [0, setup.parameters.count / 2, setup.parameters.count - 1] {
            for index in [0, setup.parameters[t].count - 1] {
                func at(_ d: Double) -> Double {
                    var q = setup.parameters
                    var values = q[t].scalars
                    values[index] += d
                    q[q.names[t]] = Tensor(shape: q[t].shape, scalars: values)
                    return loss(q, createGraph: false).scalars[0]
                }
                let numeric = (at(h) - at(-h)) / (2 * h)
                let analytic = g[t].scalars[index]
                #expect(abs(analytic - numeric) < 1e-5 * max(1, abs(numeric)), "\(setup.parameters.names[t])[\(index)]")
            }
        }
    }

    @Test(arguments: ConformanceModel.all)
    func layersCoverEveryParameter(_ model: ConformanceModel) throws {
        let setup = Setup(model)
        let layers = setup.parameters.names.map { setup.potential.layer(ofParameter: $0) }
        #expect(Set(layers) == Set(0..<setup.potential.layerCount))
        #expect(setup.potential.unsupported([1, 6, 7, 8]).isEmpty)
        #expect(setup.potential.unsupported([1, 92]) == [92])
    }
}
