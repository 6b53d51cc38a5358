import Chemistry
import Foundation
import Simulation
import Testing
import _TestSupport

@Suite struct TrajectoryTests {
    /// Frames written one by one (a molecule, then a periodic cell) read back exactly.
    @Test func roundTripsThroughTheExtendedXYZReader() throws {
        let dir = try SharedData.temporaryDirectory("sim-traj")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("md.xyz").path
        var molecule = Fixtures.ethanol
        molecule.cell = nil
        molecule.forces = molecule.forces?.map { $0 * (1 / 3.0) }
        let periodic = Conformation(
            atomicNumbers: [14, 14], positions: [SIMD3(0, 0, 0), SIMD3(1.3575, 1.3575, 1.3575)],
            cell: Cell(vectors: [SIMD3(0, 2.715, 2.715), SIMD3(2.715, 0, 2.715), SIMD3(2.715, 2.715, 0)],
                       periodic: [true, true, false]),
            energy: -10.8 / 7, forces: nil)
        do {
            let writer = try TrajectoryWriter(path: path)
            try writer.write(molecule, info: ["time_fs": "0.0", "step": "0"])
            #expect(writer.frameCount == 1)
        }
        let writer = try TrajectoryWriter(path: path, append: true)
        try writer.write(molecule, info: ["time_fs": "0.5", "step": "1"])
        try writer.write(periodic, info: ["config_type": "bulk si"])
        #expect(writer.frameCount == 2)

        let read = try ExtendedXYZReader().read(path: path).conformations
        try #require(read.count == 3)
        #expect(read[0].positions == molecule.positions && read[0].forces == molecule.forces)
        #expect(read[0].energy == molecule.energy && read[0].cell == nil)
        #expect(read[1].properties["time_fs"] == "0.5" && read[1].properties["step"] == "1")
        #expect(read[2].cell == periodic.cell && read[2].positions == periodic.positions && read[2].energy == periodic.energy)
        #expect(read[2].forces == nil && read[2].properties["config_type"] == "bulk si")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("9\nProperties=species:S:1:pos:R:3:forces:R:3 energy="))
        #expect(text.contains("pbc=\"F F F\"") && text.contains("pbc=\"T T F\""))
    }

    /// An MD run with an observer that writes every 5th step.
    @Test func mdRunWritesEveryKthFrame() throws {
        let dir = try SharedData.temporaryDirectory("sim-md")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("md.xyz").path
        let writer = try TrajectoryWriter(path: path)
        var md = try MolecularDynamics(Fixtures.ethanol, calculator: Fixtures.aniCalculator(), timeStep: 0.5, seed: 2)
        md.setMaxwellBoltzmannVelocities(temperature: 300)
        let samples = try md.run(steps: 12, every: 5) { state in
            try writer.write(state.conformation, info: ["time_fs": String(state.time)])
            return true
        }
        #expect(samples.map(\.step) == [0, 5, 10, 12])
        let frames = try ExtendedXYZReader().read(path: path).conformations
        #expect(frames.count == 4)
        #expect(frames.last!.positions == md.positions && frames.last!.energy == md.potentialEnergy)
        #expect(frames.map { $0.properties["time_fs"]! } == ["0.0", "2.5", "5.0", "6.0"])
        // Stopping early: the observer returns false at the second sample.
        var md2 = try MolecularDynamics(Fixtures.ethanol, calculator: Fixtures.aniCalculator(), timeStep: 0.5)
        let early = try md2.run(steps: 12, every: 5) { $0.step < 5 }
        #expect(early.count == 2 && md2.step == 5)
    }

    /// MD frames carry momenta in ASE's units: ASE reads velocities whose kinetic energy is
    /// the run's (restartable in ASE), and our reader still reads the frames.
    @Test func mdFramesRestartInASE() throws {
        let dir = try SharedData.temporaryDirectory("sim-md-ase")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("md.xyz").path
        let writer = try TrajectoryWriter(path: path)
        var md = try MolecularDynamics(Fixtures.ethanol, calculator: Fixtures.aniCalculator(), timeStep: 0.5, seed: 2)
        md.setMaxwellBoltzmannVelocities(temperature: 300)
        var kinetic: [Double] = []
        _ = try md.run(steps: 6, every: 3) { state in
            try writer.write(state, info: ["time_fs": String(state.time)])
            kinetic.append(state.sample.kineticEnergy)
            return true
        }
        let frames = try ExtendedXYZReader().read(path: path).conformations
        #expect(frames.count == 3 && frames.last!.positions == md.positions)
        #expect(frames.map { Double($0.properties["kinetic_energy"]!)! } == kinetic)
        let python = try #require(PythonInterpreter.importing("ase, numpy"), "no python3 with ase (run scripts/setup.sh)")
        let script = """
            import sys
            from ase.io import read
            from ase import units
            for atoms in read(sys.argv[1], index=":"):
                ours = atoms.info["kinetic_energy"]
                theirs = atoms.get_kinetic_energy()
                assert abs(theirs - ours) <= 1e-7 * ours, (theirs, ours)
                assert atoms.get_velocities().any()
            # The last frame's velocities in Å/fs.
            v = read(sys.argv[1], index=-1).get_velocities() * units.fs
            print(" ".join(repr(float(x)) for x in v.ravel()))
            """
        let result = try PythonInterpreter.run(python, ["-c", script, path])
        #expect(result.status == 0, "\(result.output)")
        let velocities = result.output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        let expected = md.velocities.flatMap { [$0.x, $0.y, $0.z] }
        #expect(velocities.count == expected.count)
        #expect(zip(velocities, expected).allSatisfy { abs($0 - $1) <= 1e-7 * max(abs($1), 1e-3) }, "\(velocities.prefix(3)) vs \(expected.prefix(3))")
    }
}
