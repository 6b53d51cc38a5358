import Autodiff
import Chemistry
import Foundation
import Testing
@testable import Potentials

/// MACE with mace-torch's weights gives mace-torch's energies and forces
/// (`scripts/mace_parity.py`: `ScaleShiftMACE` in float64 with random weights, on three 3BPA
/// and two ethanol frames from `/work/shared/datasets`, and one of them in a periodic
/// triclinic cell), to 1e-5 relative in Float64.
@Suite struct MACEParityTests {
    static let fixture: MACEFixture? = try? MACEFixture.load()

    /// The fixture's model `name` as a MACEPotential with its parameters.
    static func model(_ name: String) throws -> (MACEPotential, ParameterSet<Double>, MACEFixture.Model) {
        let fixture = try #require(Self.fixture)
        let m = try #require(fixture.models.first { $0.name == name })
        let selfEnergies = SelfEnergies(isolatedAtoms: Dictionary(uniqueKeysWithValues: fixture.selfEnergies.map { (Int($0.key)!, $0.value) }))
        let potential = try #require(try m.architecture.makePotential(selfEnergies: selfEnergies) as? MACEPotential)
        let given = Dictionary(uniqueKeysWithValues: m.parameters.map { ($0.name, $0) })
        let entries = try potential.parameterShapes.map { name, shape -> (String, Tensor<Double>) in
            let p = try #require(given[name], "mace-torch has no weight for \(name)")
            #expect(p.shape == shape, "\(name): \(p.shape) vs \(shape)")
            return (name, Tensor(shape: shape, scalars: p.values))
        }
        #expect(entries.count == m.parameters.count, "every exported weight is used")
        return (potential, ParameterSet(entries), m)
    }

    static var conformations: [Conformation] {
        (fixture?.frames ?? []).map { f in
            Conformation(atomicNumbers: f.atomicNumbers, positions: f.positions.map { SIMD3($0[0], $0[1], $0[2]) },
                         cell: f.cell.map { Cell(vectors: $0.map { SIMD3($0[0], $0[1], $0[2]) }) }, energy: 0)
        }
    }

    @Test(arguments: ["medium", "small"])
    func energiesAndForcesMatchMACETorch(_ name: String) throws {
        let (potential, parameters, reference) = try Self.model(name)
        let out = try potential.evaluate(Self.conformations, parameters: parameters)
        let energies = out.energies.scalars, forces = try #require(out.forces).scalars
        var offset = 0, worstForce = 0.0
        for (c, conf) in Self.conformations.enumerated() {
            // Relative to the interaction energy (the total is dominated by the self-energies).
            let interaction = reference.energies[c] - potential.selfEnergies.energy(of: conf.atomicNumbers)
            #expect(abs(energies[c] - reference.energies[c]) < 1e-5 * max(abs(interaction), 1e-2),
                    "\(name) frame \(c): \(energies[c]) vs \(reference.energies[c])")
            let scale = reference.forces[c].flatMap { $0 }.map(abs).max()!
            for (a, f) in reference.forces[c].enumerated() {
                for k in 0..<3 {
                    let d = abs(forces[3 * (offset + a) + k] - f[k])
                    worstForce = max(worstForce, d / scale)
                    #expect(d < 1e-5 * scale, "\(name) frame \(c) atom \(a): \(forces[3 * (offset + a) + k]) vs \(f[k])")
                }
            }
            offset += conf.atomCount
        }
        #expect(worstForce < 1e-9, "largest force difference \(worstForce) of the largest force")
    }

    @Test(arguments: ["medium", "small"])
    func tensorProductPathsAreInMACEOrder(_ name: String) throws {
        let (potential, _, reference) = try Self.model(name)
        for layer in potential.layers {
            let paths = layer.paths.map { "\($0.input)x\(Irrep.sphericalHarmonic($0.harmonic))->\($0.output)" }
            #expect(paths == reference.tensorProductPaths[layer.index])
        }
    }

    @Test func siluNormalisationIsE3NNs() throws {
        #expect(MACEPotential.siluNormalisation == (try #require(Self.fixture)).siluNormalisation)
    }
}
