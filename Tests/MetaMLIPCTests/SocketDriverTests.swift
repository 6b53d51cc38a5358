import Foundation
import Simulation
import Testing
import _TestSupport

/// `metamlip serve` (the i-PI socket protocol) driven by ASE's SocketIOCalculator:
/// python/tests/test_socket.py (a molecule in MD, and a periodic Si cell whose stress reaches
/// ASE through the virial); and its input errors.
@Suite struct SocketDriverTests {
    @Test func aseSocketServerDrivesServeLikeTheInProcessCalculator() throws {
        let python = try #require(PythonInterpreter.importing("ase, numpy"),
                                  "no python3 with ase and numpy (run scripts/setup.sh, or set METAMLIP_PYTHON)")
        try #require(FileManager.default.fileExists(atPath: PythonPackageTests.library.path),
                     "\(PythonPackageTests.library.path) is missing: build it with `swift build --product metamlip-c` (make test does)")
        let dir = try SharedData.temporaryDirectory("socket-driver")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Fixtures.writeModel(seed: 1, to: dir)
        let structure = try SharedData.write3BPA(frames: 0..<1, to: dir).path
        // A periodic cell too: the smallest hexagonal mlearn Si cell and a Si model.
        let silicon = dir.appendingPathComponent("si.xyz").path
        try TrajectoryWriter.frame(try CAPIStressTests.hexagonalSilicon()).write(toFile: silicon, atomically: true, encoding: .utf8)
        let siliconModel = try CAPIStressTests.writeSiliconModel(seed: 4, to: dir)
        let script = SharedData.packageRoot.appendingPathComponent("python/tests/test_socket.py").path
        let name = "metamlip-test-\(ProcessInfo.processInfo.processIdentifier)"
        let result = try PythonInterpreter.run(python, [script, CLIRunner.executable.path, PythonPackageTests.library.path,
                                                        model, structure, name, siliconModel, silicon],
                                               environment: ["METAMLIP_LIBRARY": ""])
        print("python/tests/test_socket.py:\n\(result.output)")
        #expect(result.status == 0 && result.output.contains("all checks passed"), "\(result.output)")
    }

    @Test func badInvocationsAreClearErrors() throws {
        let dir = try SharedData.temporaryDirectory("socket-driver-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Fixtures.writeModel(seed: 1, to: dir)
        let structure = try SharedData.write3BPA(frames: 0..<1, to: dir).path
        let neither = try CLIRunner.run(["serve", model, structure])
        #expect(neither.status != 0 && neither.stderr.contains("exactly one of --unix NAME and --inet HOST:PORT"), "\(neither.stderr)")
        let path = try CLIRunner.run(["serve", model, structure, "--unix", "/tmp/x"])
        #expect(path.status != 0 && path.stderr.contains("--unix takes a name"), "\(path.stderr)")
        let nobody = try CLIRunner.run(["serve", model, structure, "--unix", "metamlip-nobody-listens", "--wait", "0"])
        #expect(nobody.status == 1 && nobody.stderr.contains("no i-PI server accepted the connection within 0 s"), "\(nobody.stderr)")
        let cell = dir.appendingPathComponent("cell.xyz")
        try "1\nLattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"T T T\"\nC 0 0 0\n".write(to: cell, atomically: true, encoding: .utf8)
        // A periodic structure is served (with its virial): here nobody listens.
        let periodic = try CLIRunner.run(["serve", model, cell.path, "--unix", "metamlip-nobody-listens", "--wait", "0"])
        #expect(periodic.status == 1 && periodic.stderr.contains("no i-PI server accepted the connection"), "\(periodic.stderr)")
    }
}
