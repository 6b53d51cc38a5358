import Chemistry
import Foundation
import Testing
import Training
import _TestSupport

/// `metamlip predict` and `metamlip --version` (runs the built executable).
@Suite struct PredictCommandTests {
    /// Predictions of one model and of a committee, written as extended XYZ that keeps the
    /// reference labels; the values equal the Float64 calculator's, the errors are printed.
    @Test func writesPredictionsBesideTheLabels() throws {
        let dir = try SharedData.temporaryDirectory("predict")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Fixtures.writeModel(seed: 1, to: dir), b = try Fixtures.writeModel(seed: 2, to: dir)
        let data = try SharedData.write3BPA(frames: 0..<4, to: dir).path
        let output = dir.appendingPathComponent("out.xyz").path
        let result = try CLIRunner.run(["predict", a, data, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4 structures") && result.stdout.contains("errors against the reference labels (4 structures)")
                && result.stdout.contains("forces  MAE"), "\(result.stdout)")

        // The errors are those `evaluate` prints (a batched evaluation of the same Float64 model).
        let evaluate = try CLIRunner.run(["evaluate", a, data])
        let metricLines = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("energy  MAE") || $0.hasPrefix("forces  MAE") } }
        #expect(metricLines(result.stdout).count == 2 && metricLines(result.stdout) == metricLines(evaluate.stdout),
                "\(result.stdout)\n\(evaluate.stdout)")

        let references = try ExtendedXYZReader().read(path: data).conformations
        let kept = try ExtendedXYZReader().read(path: output).conformations  // energy and forces: the labels
        let predicted = try ExtendedXYZReader(energyKey: "MetaMLIP_energy", forcesKey: "MetaMLIP_forces").read(path: output).conformations
        try #require(kept.count == 4 && predicted.count == 4)
        let calculator = try Fixtures.calculator(a)
        for (k, reference) in references.enumerated() {
            #expect(kept[k].energy == reference.energy && kept[k].forces == reference.forces && kept[k].positions == reference.positions)
            #expect(kept[k].cell == reference.cell && kept[k].properties["dihedrals"] == reference.properties["dihedrals"])
            let swift = try calculator.calculate(atomicNumbers: reference.atomicNumbers, positions: reference.positions, cell: reference.cell)
            #expect(predicted[k].energy == swift.energy && predicted[k].forces == swift.forces, "frame \(k)")
        }
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(!text.contains("MetaMLIP_energy_std") && text.contains("Properties=species:S:1:pos:R:3:forces:R:3:MetaMLIP_forces:R:3 "))

        let committee = dir.appendingPathComponent("committee.xyz").path
        let pair = try CLIRunner.run(["predict", a, data, "--with", b, "-o", committee])
        #expect(pair.status == 0 && pair.stdout.contains("a committee of 2 models") && pair.stdout.contains("committee spread"),
                "\(pair.stdout)\(pair.stderr)")
        let spreads = try ExtendedXYZReader(energyKey: "MetaMLIP_energy_std", forcesKey: "MetaMLIP_forces_std")
            .read(path: committee).conformations
        #expect(spreads.count == 4 && spreads.allSatisfy { $0.energy > 0 && $0.forces != nil })
    }

    /// Structures without labels (`--no-labels`); a missing model, an element the model lacks
    /// and an unknown energy unit end with exit code 1, the item named and no output written.
    @Test func unlabelledStructuresAndErrors() throws {
        let dir = try SharedData.temporaryDirectory("predict-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Fixtures.writeModel(seed: 1, to: dir)
        let plain = dir.appendingPathComponent("water.xyz").path
        try "3\nwater, plain xyz\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("out.xyz").path
        let unlabelled = try CLIRunner.run(["predict", model, plain, "--no-labels", "-o", output])
        #expect(unlabelled.status == 0 && !unlabelled.stdout.contains("errors against"), "\(unlabelled.stdout)\(unlabelled.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.contains("Properties=species:S:1:pos:R:3:MetaMLIP_forces:R:3 MetaMLIP_energy=") && !text.contains(" energy="), "\(text)")

        let other = dir.appendingPathComponent("other.xyz").path
        let missing = try CLIRunner.run(["predict", dir.appendingPathComponent("nope.json").path, plain, "--no-labels", "-o", other])
        #expect(missing.status == 1 && missing.stderr.contains("nope.json: file does not exist"), "\(missing.stderr)")
        let chlorine = dir.appendingPathComponent("hcl.xyz").path
        try "2\nenergy=-1.0\nH 0 0 0\nCl 0 0 1.27\n".write(toFile: chlorine, atomically: true, encoding: .utf8)
        let element = try CLIRunner.run(["predict", model, chlorine, "-o", other])
        #expect(element.status == 1 && element.stderr.contains("hcl.xyz: frame 0: elements [\"Cl\"]"), "\(element.stderr)")
        let unit = try CLIRunner.run(["predict", model, chlorine, "--energy-unit", "MeV", "-o", other])
        #expect(unit.status == 1 && unit.stderr.contains("--energy-unit"), "\(unit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other))
        let contradictory = try CLIRunner.run(["predict", model, plain, "--no-labels", "--energy-key", "E", "-o", other])
        #expect(contradictory.status != 0 && contradictory.stderr.contains("--no-labels reads extended or plain XYZ without labels"),
                "\(contradictory.stderr)")
    }

    @Test func versionIsPrinted() throws {
        let result = try CLIRunner.run(["--version"])
        #expect(result.status == 0 && result.stdout == "metamlip \(MetaMLIPRelease.versionDescription)\n", "\(result.stdout)")
    }
}
