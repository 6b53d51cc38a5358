import Autodiff
import Chemistry
import Foundation
import Potentials
import Testing
import Training
import _TestSupport

@Suite struct HIPNNModelFileTests {
    @Test func roundTripGivesIdenticalEnergies() throws {
        let dir = try SharedData.temporaryDirectory("hipnn-model-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let potential = HIPNNPotential(HIPNNArchitecture(species: [1, 6, 7, 8], width: 8, interactions: 2, atomLayers: 2,
                                                         sensitivities: 10, softMin: 0.8, softMax: 4.5, cutoff: 5.5),
                                       selfEnergies: ThreeBPA.selfEnergies)
        var g = SeededGenerator(seed: 4)
        let parameters = potential.initialParameters(using: &g)
        let path = dir.appendingPathComponent("h.model.json").path
        let file = ModelFile(potential: potential, parameters: parameters)
        try file.save(to: path)
        #expect(try ModelFile.read(path: path) == file)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"kind\" : \"hipnn\"") || text.contains("\"kind\":\"hipnn\""))
        let (p2, q2) = try ModelFile.load(path: path)
        #expect(p2 is HIPNNPotential)
        #expect(p2.architecture == potential.architecture)
        #expect(p2.selfEnergies == potential.selfEnergies)
        #expect(q2.names == parameters.names)
        let confs = Array(ThreeBPA.conformations.prefix(2))
        let a = try potential.evaluate(confs, parameters: parameters), b = try p2.evaluate(confs, parameters: q2)
        #expect(a.energies.scalars.map(\.bitPattern) == b.energies.scalars.map(\.bitPattern))
        #expect(a.forces!.scalars.map(\.bitPattern) == b.forces!.scalars.map(\.bitPattern))
    }
}
