import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport
import Potentials
import Training

@Suite struct ACSFModelFileTests {
    @Test(arguments: ["acsf", "eeacsf"])
    func roundTripGivesIdenticalEnergies(_ kind: String) throws {
        let dir = try SharedData.temporaryDirectory("acsf-model-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let confs = Array(ThreeBPA.conformations.prefix(3))
        try #require(!confs.isEmpty)
        let base = try ModelSpec(kind: kind, widths: [8]).makePotential(elements: [1, 6, 7, 8], selfEnergies: ThreeBPA.selfEnergies, file: "m")
        let potential = try #require(base as? any FeatureScaledPotential).fittingScales(to: confs)
        var g = SeededGenerator(seed: 11)
        let parameters = potential.initialParameters(using: &g)
        let path = dir.appendingPathComponent("m.model.json").path
        let file = ModelFile(potential: potential, parameters: parameters)
        try file.save(to: path)
        #expect(try ModelFile.read(path: path) == file)
        let (p2, q2) = try ModelFile.load(path: path)
        #expect(p2.architecture == potential.architecture)
        #expect(p2.architecture.kind == kind)
        #expect(p2.elements == potential.elements)
        let a = try potential.evaluate(confs, parameters: parameters), b = try p2.evaluate(confs, parameters: q2)
        #expect(a.energies.scalars.map(\.bitPattern) == b.energies.scalars.map(\.bitPattern))
        #expect(a.forces!.scalars.map(\.bitPattern) == b.forces!.scalars.map(\.bitPattern))
    }
}
