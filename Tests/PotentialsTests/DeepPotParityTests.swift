import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
@testable import Potentials

/// deepmd-kit 3.2.0 `se_e2_a` models (`Fixtures/deepmd_se_e2_a.json`, written by
/// `scripts/deepmd_parity.py`: weights, statistics and deepmd-kit's Float64 energies and
/// forces on five 3BPA and five ethanol frames) read by ``DeepMDModelReader`` and evaluated
/// by ``DeepPotPotential``.
@Suite struct DeepPotParityTests {
    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/deepmd_se_e2_a.json")

    struct Fixture {
        let json: [String: Any]
        var models: [[String: Any]] { json["models"] as! [[String: Any]] }

        /// The frames of `molecule` as conformations (energies unused: 0).
        func frames(_ molecule: String) -> [Conformation] {
            let block = (json["frames"] as! [String: Any])[molecule] as! [String: Any]
            return (block["frames"] as! [[String: Any]]).map { frame in
                let symbols = frame["symbols"] as! [String]
                let positions = (frame["positions"] as! [[Double]]).map { SIMD3($0[0], $0[1], $0[2]) }
                return Conformation(atomicNumbers: symbols.map { Element(symbol: $0)!.atomicNumber }, positions: positions, energy: 0)
            }
        }
    }

    static func fixture() throws -> Fixture {
        let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: fixtureURL))
        return Fixture(json: try #require(object as? [String: Any]))
    }

    @Test(arguments: ["input_defaults", "one_side_timestep"])
    func energiesAndForcesMatchDeepMDKit(_ name: String) throws {
        let fixture = try Self.fixture()
        let entry = try #require(fixture.models.first { $0["name"] as? String == name })
        let (potential, parameters) = try DeepMDModelReader.read(try #require(entry["model"]), file: name)
        #expect(potential.hyperparameters.typeOneSide == (name == "one_side_timestep"))
        var worstEnergy = 0.0, worstForce = 0.0
        for prediction in try #require(entry["predictions"] as? [[String: Any]]) {
            let molecule = try #require(prediction["molecule"] as? String)
            let confs = fixture.frames(molecule)
            let energies = try #require(prediction["energies"] as? [Double])
            let forces = try #require(prediction["forces"] as? [[[Double]]])
            for (k, conf) in confs.enumerated() {
                let out = try potential.evaluate([conf], parameters: parameters)
                let e = out.energies.scalars[0]
                worstEnergy = max(worstEnergy, abs(e - energies[k]) / abs(energies[k]))
                #expect(abs(e - energies[k]) <= 1e-5 * abs(energies[k]), "\(name) \(molecule) frame \(k): \(e) vs \(energies[k])")
                // The network part alone (total minus the per-type constants) to 1e-9 eV per atom.
                #expect(abs(e - energies[k]) <= 1e-9 * Double(conf.atomCount), "\(name) \(molecule) frame \(k)")
                let f = try #require(out.forces).scalars
                let scale = forces[k].joined().map(abs).max()!
                for (a, row) in forces[k].enumerated() {
                    for axis in 0..<3 {
                        let diff = abs(f[3 * a + axis] - row[axis])
                        worstForce = max(worstForce, diff / scale)
                        #expect(diff <= 1e-5 * max(abs(row[axis]), 1e-3 * scale), "\(name) \(molecule) frame \(k) atom \(a) axis \(axis)")
                    }
                }
            }
        }
        print("deepmd-kit parity \(name): largest relative energy difference \(worstEnergy), force difference / largest force \(worstForce)")
    }

    @Test(arguments: ["input_defaults", "one_side_timestep"])
    func statisticsMatchDeepMDKit(_ name: String) throws {
        // deepmd-kit computed davg/dstd on all ten fixture frames; MetaMLIP recomputes them.
        let fixture = try Self.fixture()
        let entry = try #require(fixture.models.first { $0["name"] as? String == name })
        let (reference, _) = try DeepMDModelReader.read(try #require(entry["model"]), file: name)
        var blank = reference.hyperparameters
        blank.davg = blank.species.map { _ in [0, 0, 0, 0] }
        blank.dstd = blank.species.map { _ in [1, 1, 1, 1] }
        let fitted = try DeepPotPotential(blank, selfEnergies: reference.selfEnergies)
            .fittingStatistics(to: fixture.frames("3bpa") + fixture.frames("ethanol"), file: "fixture")
        for c in 0..<blank.species.count {
            for k in 0..<4 {
                let (mine, theirs) = (fitted.hyperparameters.davg[c][k], reference.hyperparameters.davg[c][k])
                #expect(abs(mine - theirs) <= 1e-12 * max(1, abs(theirs)), "davg[\(c)][\(k)]")
                let (mineStd, theirStd) = (fitted.hyperparameters.dstd[c][k], reference.hyperparameters.dstd[c][k])
                #expect(abs(mineStd - theirStd) <= 1e-12 * max(1, abs(theirStd)), "dstd[\(c)][\(k)]")
            }
        }
        #expect(fitted.hyperparameters.sel == reference.hyperparameters.sel)
    }

    @Test func selfEnergiesAreOutBiasPlusBiasAtomE() throws {
        let fixture = try Self.fixture()
        let model = try #require(fixture.models.first?["model"] as? [String: Any])
        let (potential, _) = try DeepMDModelReader.read(model, file: "fixture")
        func values(_ object: Any?) -> [Double] {
            func flat(_ x: Any) -> [Double] { (x as? [Any]).map { $0.flatMap(flat) } ?? [x as! Double] }
            return flat((object as! [String: Any])["value"]!)
        }
        let outBias = values((model["@variables"] as! [String: Any])["out_bias"])
        let biasAtomE = values(((model["fitting"] as! [String: Any])["@variables"] as! [String: Any])["bias_atom_e"])
        for (t, z) in [1, 6, 7, 8].enumerated() {
            #expect(potential.selfEnergies.energies[z] == outBias[t] + biasAtomE[t])
        }
    }

    @Test func unsupportedSettingsAreRefusedByKey() throws {
        let fixture = try Self.fixture()
        let model = try #require(fixture.models.first?["model"] as? [String: Any])
        func refusal(_ change: (inout [String: Any]) -> Void) -> String? {
            var m = model
            change(&m)
            do { _ = try DeepMDModelReader.read(m, file: "m.json"); return nil } catch let e as DataError {
                return e.item
            } catch { return "\(error)" }
        }
        #expect(refusal { m in
            var d = m["descriptor"] as! [String: Any]; d["activation_function"] = "relu"; m["descriptor"] = d
        } == "descriptor.activation_function")
        #expect(refusal { m in
            var d = m["descriptor"] as! [String: Any]; d["type"] = "se_e2_r"; m["descriptor"] = d
        } == "descriptor.type")
        #expect(refusal { m in
            var d = m["descriptor"] as! [String: Any]; d["exclude_types"] = [[0, 1]]; m["descriptor"] = d
        } == "descriptor.exclude_types")
        #expect(refusal { m in
            var d = m["descriptor"] as! [String: Any]; d["sel"] = [12, 12, 3]; m["descriptor"] = d
        } == "descriptor.sel")
        #expect(refusal { m in
            var f = m["fitting"] as! [String: Any]; f["numb_fparam"] = 2; m["fitting"] = f
        } == "fitting.numb_fparam")
        #expect(refusal { m in m["type_map"] = ["H", "C", "N", "Xx"] } == "type_map")
        // The wrapper `dp convert-backend` writes is read too.
        #expect(try DeepMDModelReader.read(["backend": "PyTorch", "model": model], file: "w.json").potential.elements == [1, 6, 7, 8])
    }
}
