import Foundation
import Testing
import _TestSupport

/// `metamlip model import-ani1x`: errors name the file and exit 1; with the torchani wheel
/// (`METAMLIP_TORCHANI_DIR`, see ANI1xImportTests) it writes the eight model files and says so.
@Suite struct ModelCommandTests {
    @Test func refusesAnEnsembleThatIsNotANI1x() throws {
        let dir = try SharedData.temporaryDirectory("import-ani1x")
        defer { try? FileManager.default.removeItem(at: dir) }
        try NeuroChemFixture.write(to: dir, members: 1)
        let out = dir.appendingPathComponent("out").path
        let result = try CLIRunner.run(["model", "import-ani1x", dir.path, "-o", out])
        #expect(result.status == 1)
        #expect(result.stderr.contains("rHO-3.0R_2-2.5A_a1-1.params: the AEV constants are not ANI-1x's"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        let missing = try CLIRunner.run(["model", "import-ani1x", dir.appendingPathComponent("nothing").path, "-o", out])
        #expect(missing.status == 1 && missing.stderr.contains("nothing: not a directory"), "\(missing.stderr)")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["METAMLIP_TORCHANI_DIR"].map {
        FileManager.default.fileExists(atPath: $0 + "/torchani/resources/ani-1x_8x/sae_linfit.dat") } ?? false,
                   "METAMLIP_TORCHANI_DIR does not name an unpacked torchani 2.2.4 wheel"))
    func writesEightModelFiles() throws {
        let source = ProcessInfo.processInfo.environment["METAMLIP_TORCHANI_DIR"]! + "/torchani/resources/ani-1x_8x"
        let out = try SharedData.temporaryDirectory("import-ani1x")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try CLIRunner.run(["model", "import-ani1x", source, "-o", out.path, "--prefix", "m"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("read 8 members") && result.stdout.contains("H 384-160-128-96-1"), "\(result.stdout)")
        for k in 0..<8 {
            let path = out.appendingPathComponent("m-\(k).json").path
            #expect(result.stdout.contains("wrote \(path)") && FileManager.default.fileExists(atPath: path))
        }
    }
}
