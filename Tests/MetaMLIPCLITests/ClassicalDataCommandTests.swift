import Chemistry
import ClassicalPotentials
import Foundation
import Testing
import _TestSupport

@Suite struct ClassicalDataCommandTests {
    /// `data classical` relabels every mlearn Ge cell with SW-Ge; the extended XYZ reads back
    /// (cell, pbc, energy, forces) and matches the potential applied directly.
    @Test func relabelsMLearnCellsWithStillingerWeber() throws {
        let dir = try SharedData.temporaryDirectory()
        let output = dir.appendingPathComponent("ge-sw.xyz").path
        let input = SharedData.path("mlearn/Ge/training.json")
        let result = try CLIRunner.run(["data", "classical", "--potential", "sw-ge", input, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("228 structures relabelled with sw-ge"), "\(result.stdout)")
        let frames = try ExtendedXYZReader().read(path: output).conformations
        let originals = try MLearnJSONReader().read(path: input)
        try #require(frames.count == originals.count)
        let potential = StillingerWeber(.germanium)
        for k in [0, 100, 227] {
            let (e, f) = try potential.energyAndForces(atomicNumbers: originals[k].atomicNumbers,
                                                       positions: originals[k].positions, cell: originals[k].cell)
            #expect(frames[k].cell == originals[k].cell && frames[k].positions == originals[k].positions)
            #expect(abs(frames[k].energy - e) < 1e-9 * abs(e), "frame \(k): \(frames[k].energy) vs \(e)")
            #expect(frames[k].forces == f)
        }
        // No DFT geometry lies below the SW-Ge ground state, diamond at −2ε = −3.86 eV/atom
        // (measured: −3.852 … −1.80 eV/atom, the top from surfaces and distorted cells).
        let perAtom = frames.map { $0.energy / Double($0.atomCount) }
        #expect(perAtom.allSatisfy { $0 > -3.86 && $0 < 0 }, "\(perAtom.min()!) … \(perAtom.max()!)")
    }

    @Test func wrongElementOrPotentialExitsWithTheItemNamed() throws {
        let dir = try SharedData.temporaryDirectory()
        let output = dir.appendingPathComponent("out.xyz").path
        let si = try CLIRunner.run(["data", "classical", "--potential", "sw-ge", SharedData.path("mlearn/Si/training.json"), "-o", output])
        #expect(si.status == 1)
        #expect(si.stderr.contains("training.json: mlearn conformation 0") || si.stderr.contains("conformation 0"), "\(si.stderr)")
        #expect(si.stderr.contains("element Si is not covered"), "\(si.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let unknown = try CLIRunner.run(["data", "classical", "--potential", "tersoff", SharedData.path("mlearn/Si/training.json"), "-o", output])
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown classical potential 'tersoff'"), "\(unknown.stderr)")
    }
}
