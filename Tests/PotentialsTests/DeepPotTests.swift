import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport
@testable import Potentials

/// DeepPot's switch, manifest keys, automatic `sel`, statistics refusals and model-file form;
/// the numbers themselves are checked against deepmd-kit in ``DeepPotParityTests`` and the
/// physics in ``ConformanceTests``.
@Suite struct DeepPotTests {
    static let none = SelfEnergies(isolatedAtoms: [1: 0, 6: 0, 7: 0, 8: 0])

    @Test func switchIsOneBelowTheSmoothStartAndZeroAtTheCutoffWithTwoContinuousDerivatives() {
        let (rs, rc) = (1.0, 4.0)
        func w(_ r: Double) -> Double { DeepPotPotential.switchValue(r, smooth: rs, cutoff: rc) }
        #expect(w(0.5) == 1 && w(rs) == 1 && w(rc) == 0 && w(5) == 0)
        #expect(abs(w(2.5) - 0.5) < 1e-15)
        // First and second derivatives vanish at both ends (central differences).
        let h = 1e-4
        for r in [rs, rc] {
            #expect(abs((w(r + h) - w(r - h)) / (2 * h)) < 1e-6)
            #expect(abs((w(r + h) - 2 * w(r) + w(r - h)) / (h * h)) < 1e-3)
        }
        // The tensor form agrees with the scalar one.
        let r = Tensor<Double>([0.3, 1.0, 1.7, 2.5, 3.99, 4.0, 6.0])
        let tensor = DeepPotPotential.switchFunction(r, smooth: rs, cutoff: rc).scalars
        for (k, x) in r.scalars.enumerated() { #expect(abs(tensor[k] - w(x)) < 1e-15) }
    }

    @Test func manifestDefaultsAreDeepMDKitInputDefaults() throws {
        let model = try #require(try ModelSpec(kind: "deeppot").makePotential(elements: [8, 1, 6, 7], selfEnergies: Self.none, file: "m.yaml")
            as? DeepPotPotential)
        let h = model.hyperparameters
        #expect(h.species == [1, 6, 7, 8] && h.rcut == 6 && h.rcutSmooth == 0.5 && h.neuron == [10, 20, 40] && h.axisNeuron == 4)
        #expect(h.fittingNeuron == [120, 120, 120] && !h.typeOneSide && !h.resnetDt && h.fittingResnetDt)
        #expect(model.automaticSel == 1.1)
        #expect(model.architecture.kind == "deeppot" && model.layerCount == 3 + 4)
        var g = SeededGenerator(seed: 1)
        let names = model.initialParameters(Double.self, using: &g).names
        #expect(names.filter { $0.hasPrefix("embed/") && $0.hasSuffix("/W0") }.count == 16)   // (centre, neighbour) pairs
        #expect(names.contains("embed/O-H/b2") && names.contains("fit/N/idt1") && !names.contains("fit/N/idt0"))
        #expect(model.layer(ofParameter: "embed/O-H/b2") == 2 && model.layer(ofParameter: "fit/N/W3") == 6)
    }

    @Test func manifestKeysAreCheckedByName() throws {
        func item(_ spec: ModelSpec) -> String? {
            do { _ = try spec.makePotential(elements: [1, 6, 7, 8], selfEnergies: Self.none, file: "m.yaml"); return nil } catch let e as DataError {
                return e.item
            } catch { return "\(error)" }
        }
        #expect(item(ModelSpec(kind: "deeppot", width: 8)) == "model.width")
        #expect(item(ModelSpec(kind: "hipnn", rcut: 5)) == "model.rcut")
        #expect(item(ModelSpec(kind: "ani", sel: .automatic(factor: 1.1))) == "model.sel")
        #expect(item(ModelSpec(kind: "deeppot", rcut: -1)) == "model.rcut")
        #expect(item(ModelSpec(kind: "deeppot", rcut: 5, rcutSmth: 5)) == "model.rcut_smth")
        #expect(item(ModelSpec(kind: "deeppot", rcut: 0.4)) == "model.rcut")            // below the default rcut_smth
        #expect(item(ModelSpec(kind: "deeppot", neuron: [])) == "model.neuron")
        #expect(item(ModelSpec(kind: "deeppot", neuron: [4, 0])) == "model.neuron")
        #expect(item(ModelSpec(kind: "deeppot", neuron: [4, 8], axisNeuron: 9)) == "model.axis_neuron")
        #expect(item(ModelSpec(kind: "deeppot", axisNeuron: 0)) == "model.axis_neuron")
        #expect(item(ModelSpec(kind: "deeppot", fittingNeuron: [8, 0])) == "model.fitting_neuron")
        #expect(item(ModelSpec(kind: "deeppot", sel: .counts(["H": 4, "C": 4, "N": 4]))) == "model.sel")
        #expect(item(ModelSpec(kind: "deeppot", sel: .counts(["H": 4, "C": 4, "N": 4, "O": 4, "Qq": 1]))) == "model.sel.Qq")
        #expect(item(ModelSpec(kind: "deeppot", sel: .counts(["H": -1, "C": 4, "N": 4, "O": 4]))) == "model.sel.H")
        #expect(item(ModelSpec(kind: "deeppot", sel: .counts(["H": 0, "C": 0, "N": 0, "O": 0]))) == "model.sel")
        // Elements the data lacks may be listed; an empty fitting network is a linear readout.
        #expect(item(ModelSpec(kind: "deeppot", sel: .counts(["H": 4, "C": 4, "N": 4, "O": 4, "S": 2]), fittingNeuron: [])) == nil)
    }

    @Test func selSpellings() throws {
        func decode(_ json: String) -> DeepPotSelection? { try? JSONDecoder().decode(DeepPotSelection.self, from: Data(json.utf8)) }
        #expect(decode("\"auto\"") == .automatic(factor: 1.1))
        #expect(decode("\"auto:1.5\"") == .automatic(factor: 1.5))
        #expect(decode("\"auto:0.5\"") == nil && decode("\"auto:x\"") == nil && decode("\"all\"") == nil && decode("\"auto:1:2\"") == nil)
        #expect(decode("{\"H\": 3, \"O\": 1}") == .counts(["H": 3, "O": 1]))
        for sel in [DeepPotSelection.automatic(factor: 1.1), .automatic(factor: 2), .counts(["C": 8])] {
            #expect(decode(String(decoding: try JSONEncoder().encode(sel), as: UTF8.self)) == sel)
        }
    }

    @Test func automaticSelIsDeepMDKitsRoundedMaximumAndAGivenSelIsChecked() throws {
        let confs = Array(try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz")).conformations.prefix(20))
        try #require(confs.count == 20)
        // The largest neighbour count per species within 5 Å, by brute force.
        var most = [1: 0, 6: 0, 7: 0, 8: 0]
        for c in confs {
            for i in 0..<c.atomCount {
                var counts = [1: 0, 6: 0, 7: 0, 8: 0]
                for j in 0..<c.atomCount where j != i {
                    let d = c.positions[j] - c.positions[i]
                    if (d * d).sum() <= 25 { counts[c.atomicNumbers[j]]! += 1 }
                }
                for (z, n) in counts { most[z] = max(most[z]!, n) }
            }
        }
        let spec = ModelSpec(kind: "deeppot", rcut: 5, sel: .automatic(factor: 1.3), neuron: [4, 8], fittingNeuron: [8])
        let auto = try #require(try spec.makePotential(elements: [1, 6, 7, 8], selfEnergies: Self.none, file: "m.yaml") as? DeepPotPotential)
        let fitted = try auto.fittingStatistics(to: confs, file: "m.yaml")
        #expect(fitted.automaticSel == nil)
        #expect(fitted.hyperparameters.sel == [1, 6, 7, 8].map { 4 * ((Int(Double(most[$0]!) * 1.3) + 3) / 4) })
        #expect(fitted.hyperparameters.davg.allSatisfy { $0[0] > 0 && $0[1...].allSatisfy { $0 == 0 } })
        // A fixed sel below the data's counts is refused, naming the key and the element.
        let tight = ModelSpec(kind: "deeppot", rcut: 5, sel: .counts(["H": most[1]! - 1, "C": 20, "N": 4, "O": 4]), neuron: [4, 8])
        let model = try tight.makePotential(elements: [1, 6, 7, 8], selfEnergies: Self.none, file: "m.yaml")
        #expect {
            _ = try model.withDataStatistics(from: confs, file: "m.yaml")
        } throws: { error in
            let e = error as? DataError
            return e?.item == "model.sel" && e?.reason.contains("raise sel.H to at least \(most[1]!)") == true
        }
        #expect(throws: DataError.self) { _ = try auto.fittingStatistics(to: [], file: "m.yaml") }
        // A species the data lacks keeps deepmd-kit's defaults.
        let withSulfur = try ModelSpec(kind: "deeppot", rcut: 5, neuron: [4, 8])
            .makePotential(elements: [1, 6, 7, 8, 16], selfEnergies: Self.none, file: "m.yaml")
            .withDataStatistics(from: confs, file: "m.yaml") as? DeepPotPotential
        #expect(withSulfur?.hyperparameters.sel.last == 0 && withSulfur?.hyperparameters.dstd.last == [0.1, 0.1, 0.1, 0.1])
    }

    @Test func architectureRoundTripsAndIsCheckedWhenRead() throws {
        let arch = DeepPotArchitecture(species: [1, 8], rcut: 4, rcutSmooth: 1, sel: [4, 2], neuron: [2, 4], axisNeuron: 2,
                                       fittingNeuron: [4], typeOneSide: true, resnetDt: true, fittingResnetDt: false,
                                       davg: [[0.2, 0, 0, 0], [0.3, 0, 0, 0]], dstd: [[0.1, 0.2, 0.2, 0.2], [0.15, 0.1, 0.1, 0.1]])
        let json = try JSONEncoder().encode(ModelArchitecture.deeppot(arch))
        #expect(String(decoding: json, as: UTF8.self).contains("\"kind\":\"deeppot\""))
        let decoded = try JSONDecoder().decode(ModelArchitecture.self, from: json)
        #expect(decoded == .deeppot(arch))
        #expect(try decoded.makePotential(selfEnergies: Self.none, file: "f.json").architecture == .deeppot(arch))
        for (change, key) in [({ (a: inout DeepPotArchitecture) in a.dstd[1][2] = 0 }, "architecture.dstd"),
                              ({ $0.sel = [4] }, "architecture.sel"),
                              ({ $0.axisNeuron = 5 }, "architecture.axisNeuron"),
                              ({ $0.davg = [[0, 0, 0, 0]] }, "architecture.davg"),
                              ({ $0.rcutSmooth = 4 }, "architecture.rcutSmooth")] {
            var bad = arch
            change(&bad)
            #expect { _ = try ModelArchitecture.deeppot(bad).makePotential(selfEnergies: Self.none, file: "f.json") } throws: {
                ($0 as? DataError)?.item == key
            }
        }
    }
}
