import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport
import Potentials

@Suite struct ACSFModelSpecTests {
    let selfEnergies = ConformanceData.bpaSelfEnergies

    func error(_ spec: ModelSpec, elements: [Int] = [1, 6, 7, 8]) -> DataError? {
        do { _ = try spec.makePotential(elements: elements, selfEnergies: selfEnergies, file: "m.yaml"); return nil }
        catch let e as DataError { return e } catch { return nil }
    }

    @Test func buildsBothKinds() throws {
        let acsf = try ModelSpec(kind: "acsf", widths: [16]).makePotential(elements: [8, 1, 6], selfEnergies: selfEnergies, file: "m.yaml")
        #expect(acsf.architecture.kind == "acsf" && acsf.elements == [1, 6, 8])
        #expect(acsf.neighbourRequest.radialCutoff == 5.2 && acsf.neighbourRequest.angularCutoff == 5.2)
        guard case .acsf(let a) = acsf.architecture else { Issue.record("not acsf"); return }
        #expect(a.widths["H"] == [3 * 8 + 6 * 12, 16, 1])
        let ee = try ModelSpec(kind: "eeacsf", cutoff: 4.5).makePotential(elements: [1, 6, 8], selfEnergies: selfEnergies, file: "m.yaml")
        #expect(ee.neighbourRequest.radialCutoff == 4.5)
        guard case .eeacsf(let e) = ee.architecture else { Issue.record("not eeacsf"); return }
        #expect(e.widths == [182, 64, 64, 1])
    }

    @Test func rejectsKeysThatDoNotApply() {
        #expect(error(ModelSpec(kind: "acsf", preset: "ani1x"))?.item == "model.preset")
        #expect(error(ModelSpec(kind: "eeacsf", preset: "big"))?.item == "model.preset")
        #expect(error(ModelSpec(kind: "ani", cutoff: 6))?.item == "model.cutoff")
        #expect(error(ModelSpec(kind: "acsf", cutoff: -1))?.item == "model.cutoff")
        #expect(error(ModelSpec(kind: "eeacsf", widths: [0]))?.item == "model.widths")
        #expect(error(ModelSpec(kind: "eeacsf"), elements: [1, 92])?.item == "model.kind")
        #expect(error(ModelSpec(kind: "acsff"))?.item == "model.kind")
    }
}

@Suite struct ACSFArchitectureTests {
    let selfEnergies = ConformanceData.bpaSelfEnergies

    @Test(arguments: ["acsf", "eeacsf"])
    func architectureRoundTripsThroughJSON(_ kind: String) throws {
        let spec = ModelSpec(kind: kind, widths: [8])
        var potential = try spec.makePotential(elements: [1, 6, 7, 8], selfEnergies: selfEnergies, file: "m")
        let confs = try #require(ConformanceData.bpa.isEmpty ? nil : ConformanceData.bpa)
        if let scaled = potential as? any FeatureScaledPotential { potential = try scaled.fittingScales(to: confs) }
        let data = try JSONEncoder().encode(potential.architecture)
        let decoded = try JSONDecoder().decode(ModelArchitecture.self, from: data)
        #expect(decoded == potential.architecture)
        let rebuilt = try decoded.makePotential(selfEnergies: selfEnergies, file: "m")
        var g = SeededGenerator(seed: 4)
        let parameters = potential.initialParameters(Double.self, using: &g)
        let e1 = try potential.evaluate(confs, parameters: parameters).energies.scalars
        let e2 = try rebuilt.evaluate(confs, parameters: parameters).energies.scalars
        #expect(e1 == e2)
        // Inconsistent files are DataErrors naming the key.
        var json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["widths"] = kind == "acsf" ? ["H": [3, 1]] : [3, 1]
        let bad = try JSONDecoder().decode(ModelArchitecture.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(throws: DataError.self) { try bad.makePotential(selfEnergies: selfEnergies, file: "m") }
        do { _ = try bad.makePotential(selfEnergies: selfEnergies, file: "m") } catch let e as DataError {
            #expect(e.item?.hasPrefix("architecture.widths") == true)
        }
    }

    @Test func fittedScalesStandardiseTheTrainingFeatures() throws {
        let confs = ConformanceData.bpa
        try #require(!confs.isEmpty)
        let potential = try ACSFPotential.molecules(elements: [1, 6, 7, 8], hidden: [8], selfEnergies: selfEnergies)
            .fittingScales(to: confs)
        let topology = try potential.topology(of: confs)
        let x = potential.scaling(potential.rawFeatures(positions: Tensor<Double>(positions: confs.flatMap(\.positions)), topology: topology))
        let (rows, f) = (x.shape[0], x.shape[1])
        let means = (0..<f).map { c in (0..<rows).reduce(0.0) { $0 + x.scalars[$1 * f + c] } / Double(rows) }
        #expect(means.allSatisfy { abs($0) < 1e-9 })
        #expect(potential.scaling.scale.allSatisfy { $0 > 0 })
    }

    @Test func elementEmbracingModelTakesNewElementsWithoutNewParameters() throws {
        let conf = try #require(ConformanceData.bpa.first)
        let small = ElementEmbracingPotential.molecules(elements: [1, 6, 7, 8], hidden: [8], selfEnergies: selfEnergies)
        var g = SeededGenerator(seed: 9)
        let parameters = small.initialParameters(Double.self, using: &g)
        #expect(parameters.names == ["shared/W0", "shared/b0", "shared/W1", "shared/b1"])
        let big = small.adding(elements: [14, 26, 1])
        #expect(big.elements == [1, 6, 7, 8, 14, 26])
        #expect(big.initialParameters(Double.self, using: &g).names == parameters.names)
        let e1 = try small.evaluate([conf], parameters: parameters).energies.scalars
        let e2 = try big.evaluate([conf], parameters: parameters).energies.scalars
        #expect(e1 == e2)
        // The new elements are evaluated with the same network.
        let feo = Conformation(atomicNumbers: [26, 8], positions: [.zero, SIMD3(1.6, 0, 0)], energy: 0)
        #expect(small.unsupported([26]) == [26] && big.unsupported([26]).isEmpty)
        let out = try big.evaluate([feo], parameters: parameters)
        #expect(out.energies.scalars[0].isFinite)
    }
}
