import Foundation
import Testing
import _TestSupport

/// The Python package (python/metamlip: an ASE calculator on libmetamlip-c through ctypes)
/// against `metamlip predict`, then ASE MD and BFGS through it: python/tests/test_calculator.py.
@Suite struct PythonPackageTests {
    /// The built `libmetamlip-c.so` next to the test binaries (`swift build --product metamlip-c`;
    /// `make test` builds it).
    static var library: URL {
        CLIRunner.executable.deletingLastPathComponent().appendingPathComponent("libmetamlip-c.so")
    }

    @Test func aseCalculatorMatchesPredictAndDrivesMDAndBFGS() throws {
        let python = try #require(PythonInterpreter.importing("ase, numpy"),
                                  "no python3 with ase and numpy (run scripts/setup.sh, or set METAMLIP_PYTHON)")
        try #require(FileManager.default.fileExists(atPath: Self.library.path),
                     "\(Self.library.path) is missing: build it with `swift build --product metamlip-c` (make test does)")
        let dir = try SharedData.temporaryDirectory("python-package")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Fixtures.writeModel(seed: 1, to: dir), b = try Fixtures.writeModel(seed: 2, to: dir)
        let data = try SharedData.write3BPA(frames: 0..<6, to: dir).path
        let single = dir.appendingPathComponent("predicted-a.xyz").path
        let pair = dir.appendingPathComponent("predicted-ab.xyz").path
        let relaxation = dir.appendingPathComponent("bfgs.xyz").path
        for arguments in [["predict", a, data, "-o", single], ["predict", a, data, "--with", b, "-o", pair],
                          ["optimize", a, data, "--optimizer", "bfgs", "--steps", "8", "--fmax", "0.001",
                           "-o", dir.appendingPathComponent("relaxed.xyz").path, "--trajectory", relaxation]] {
            let result = try CLIRunner.run(arguments)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let script = SharedData.packageRoot.appendingPathComponent("python/tests/test_calculator.py").path
        let t0 = Date()
        let result = try PythonInterpreter.run(python, [script, Self.library.path, data, a, b, single, pair, relaxation],
                                               environment: ["METAMLIP_LIBRARY": ""])
        print("python/tests/test_calculator.py (\(String(format: "%.1f", Date().timeIntervalSince(t0))) s):\n\(result.output)")
        #expect(result.status == 0 && result.output.contains("all checks passed"), "\(result.output)")
    }
}
