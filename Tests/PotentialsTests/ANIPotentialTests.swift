import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport
@testable import Potentials

/// The conformance checks every potential must pass, on a real 3BPA conformation (Float64).
@Suite struct ANIPotentialConformanceTests {
    let conformations: [Conformation]
    let potential: ANIPotential
    let parameters: ParameterSet<Double>

    init() throws {
        let all = try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations
        conformations = Array(all.prefix(2))
        let small = AEVParameters.ani1x.featureCount
        potential = ANIPotential(
            aev: AEVComputer(.ani1x),
            networks: ElementNetworks(elements: [1, 6, 7, 8], widths: [small, 8, 1], alpha: 0.1),
            selfEnergies: SelfEnergies(isolatedAtoms: [1: -13.6, 6: -1029.5, 7: -1485.0, 8: -2042.0]))
        var rng = SeededGenerator(seed: 3)
        parameters = potential.networks.initialParameters(using: &rng)
    }

    func evaluate(_ confs: [Conformation], forces: Bool = true) throws -> ANIPotential.Output<Double> {
        let topology = try AEVTopology(conformations: confs, parameters: .ani1x)
        return potential(positions: Tensor(positions: confs.flatMap(\.positions)), topology: topology,
                         batch: AtomBatch(confs), parameters: parameters, withForces: forces)
    }

    @Test func forcesAreMinusTheEnergyGradient() throws {
        let conf = conformations[0]
        let forces = try #require(try evaluate([conf]).forces).scalars
        let h = 1e-5
        for (atom, axis) in [(0, 0), (5, 1), (13, 2), (26, 0)] {
            func energy(_ d: Double) throws -> Double {
                var c = conf
                c.positions[atom][axis] += d
                return try evaluate([c], forces: false).energies.scalars[0]
            }
            let numeric = -(try energy(h) - energy(-h)) / (2 * h)
            #expect(abs(forces[atom * 3 + axis] - numeric) < 1e-6, "atom \(atom) axis \(axis)")
        }
    }

    @Test func energyIsInvariantAndForcesAreCovariant() throws {
        let conf = conformations[0]
        let reference = try evaluate([conf])
        let (c, s) = (cos(0.7), sin(0.7))
        func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> { SIMD3(c * v.x - s * v.y, s * v.x + c * v.y, v.z) }
        var moved = conf
        moved.positions = conf.positions.map { rotate($0) + SIMD3(1.5, -2.0, 0.25) }
        let rotated = try evaluate([moved])
        #expect(abs(rotated.energies.scalars[0] - reference.energies.scalars[0]) < 1e-9)
        let f0 = reference.forces!.scalars, f1 = rotated.forces!.scalars
        for a in 0..<conf.atomCount {
            let expected = rotate(SIMD3(f0[3 * a], f0[3 * a + 1], f0[3 * a + 2]))
            #expect(abs(expected.x - f1[3 * a]) < 1e-9 && abs(expected.y - f1[3 * a + 1]) < 1e-9)
        }
        let permutation = Array((0..<conf.atomCount).reversed())
        var permuted = conf
        permuted.atomicNumbers = permutation.map { conf.atomicNumbers[$0] }
        permuted.positions = permutation.map { conf.positions[$0] }
        #expect(abs(try evaluate([permuted]).energies.scalars[0] - reference.energies.scalars[0]) < 1e-9)
        // Forces on an isolated molecule sum to zero (translation invariance).
        let total = (0..<conf.atomCount).reduce(SIMD3<Double>.zero) { $0 + SIMD3(f0[3 * $1], f0[3 * $1 + 1], f0[3 * $1 + 2]) }
        #expect(abs(total.x) < 1e-9 && abs(total.y) < 1e-9 && abs(total.z) < 1e-9)
    }

    @Test func batchEqualsSingles() throws {
        let together = try evaluate(conformations)
        var offset = 0
        for (c, conf) in conformations.enumerated() {
            let single = try evaluate([conf])
            #expect(abs(single.energies.scalars[0] - together.energies.scalars[c]) < 1e-9)
            for k in 0..<(3 * conf.atomCount) {
                #expect(abs(single.forces!.scalars[k] - together.forces!.scalars[3 * offset + k]) < 1e-9)
            }
            offset += conf.atomCount
        }
    }

    @Test func energyGoesSmoothlyToSelfEnergiesAsAtomsSeparate() throws {
        // Two atoms: as the distance approaches the radial cutoff (5.2 Å), the network part
        // and the force go continuously to their isolated-atom values.
        func dimer(_ r: Double) throws -> (Double, Double) {
            let conf = Conformation(atomicNumbers: [6, 8], positions: [.zero, SIMD3(r, 0, 0)], energy: 0)
            let out = try evaluate([conf])
            return (out.energies.scalars[0], out.forces!.scalars[3])
        }
        let (far, farForce) = try dimer(5.3)
        let (near, nearForce) = try dimer(5.2 - 1e-4)
        #expect(farForce == 0)
        #expect(abs(near - far) < 1e-6)
        #expect(abs(nearForce) < 1e-3)
    }
}
