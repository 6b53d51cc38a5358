import Chemistry
import Foundation
import Potentials
import Simulation
import Testing
import Training
import _TestSupport

/// `metamlip md` and `metamlip optimize` on a random small ANI model file and an ethanol
/// frame (runs the built executable).
@Suite struct SimulationCommandTests {
    static func setUp() throws -> (dir: URL, model: String, structure: String) {
        let dir = try SharedData.temporaryDirectory("sim-cli")
        let calculator = Fixtures.aniCalculator()
        let model = dir.appendingPathComponent("model.json").path
        try ModelFile(potential: calculator.potential, parameters: calculator.potential.initialParameters(seed: 1)).save(to: model)
        let structure = dir.appendingPathComponent("ethanol.xyz").path
        // A plain XYZ file (no energy, free-text comment) with two frames.
        var text = ""
        for scale in [1.0, 1.02] {
            text += "9\nethanol, plain xyz\n"
            for (z, r) in zip(Fixtures.ethanol.atomicNumbers, Fixtures.ethanol.positions) {
                text += "\(Element.symbol(for: z)) \(r.x * scale) \(r.y * scale) \(r.z * scale)\n"
            }
        }
        try text.write(toFile: structure, atomically: true, encoding: .utf8)
        return (dir, model, structure)
    }

    @Test func mdPrintsDriftAndStabilityAndWritesATrajectory() throws {
        let (dir, model, structure) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trajectory = dir.appendingPathComponent("md.xyz").path
        let result = try CLIRunner.run(["md", model, structure, "--frame", "1", "--steps", "20", "--dt", "0.5",
                                        "--trajectory", trajectory, "--every", "5", "--seed", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("energy drift") && result.stdout.contains("stability: stable for 10.00 fs"), "\(result.stdout)")
        #expect(result.stdout.contains("bond C-H"), "\(result.stdout)")
        let frames = try ExtendedXYZReader().read(path: trajectory).conformations
        #expect(frames.count == 5 && frames.last?.properties["time_fs"] == "10.0")

        let langevin = try CLIRunner.run(["md", model, structure, "--steps", "4", "--thermostat", "langevin", "--friction", "0.02"])
        #expect(langevin.status == 0 && langevin.stdout.contains("Langevin NVT"), "\(langevin.stderr)")

        let outOfRange = try CLIRunner.run(["md", model, structure, "--frame", "2"])
        #expect(outOfRange.status == 1 && outOfRange.stderr.contains("ethanol.xyz: frame 2: out of range"), "\(outOfRange.stderr)")

        let chlorine = dir.appendingPathComponent("hcl.xyz").path
        try "2\nenergy=-1.0\nH 0 0 0\nCl 0 0 1.27\n".write(toFile: chlorine, atomically: true, encoding: .utf8)
        let unknown = try CLIRunner.run(["md", model, chlorine])
        #expect(unknown.status == 1 && unknown.stderr.contains("hcl.xyz: frame 0: elements [\"Cl\"]"), "\(unknown.stderr)")
    }

    @Test func optimizeWritesTheRelaxedStructure() throws {
        let (dir, model, structure) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("relaxed.xyz").path
        let result = try CLIRunner.run(["optimize", model, structure, "--optimizer", "fire", "--fmax", "0.05",
                                        "--steps", "30", "--fix", "0,1,2,5", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("fire ") && result.stdout.contains("4 atoms fixed"), "\(result.stdout)")
        let relaxed = try #require(try ExtendedXYZReader().read(path: output).conformations.first)
        for i in [0, 1, 2, 5] { #expect(relaxed.positions[i] == Fixtures.ethanol.positions[i]) }
        #expect(relaxed.positions[4] != Fixtures.ethanol.positions[4])
        #expect(relaxed.properties["steps"] != nil && relaxed.forces?[0] == .zero)

        let badFix = try CLIRunner.run(["optimize", model, structure, "--fix", "0,9", "-o", output])
        #expect(badFix.status == 1 && badFix.stderr.contains("--fix: '9' is not an atom index"), "\(badFix.stderr)")
    }
}
