import Chemistry
import ChemistryHDF5
import Foundation
import Testing
import _TestSupport

@Suite(.enabled(if: RealFiles.available)) struct SuiteFormatTests {
    /// A synthetic task exercising everything the real files lack: cells + pbc, mixed
    /// forces, properties, isolated-atom and self energies, metadata, a "/" and "%" in its name.
    static func syntheticTask() throws -> QMTask {
        let water = Conformation(
            atomicNumbers: [8, 1, 1], positions: [SIMD3(0, 0, 0.1173), SIMD3(0, 0.7572, -0.4692), SIMD3(0, -0.7572, -0.4692)],
            energy: -2079.1234567890123, forces: [SIMD3(0.1, -0.2, 1e-17), SIMD3(-0.05, 0.1, 0), SIMD3(-0.05, 0.1, -1e-17)],
            properties: ["config_type": "molecule"])
        let silicon = Conformation(
            atomicNumbers: [14, 14], positions: [SIMD3(0, 0, 0), SIMD3(1.3575, 1.3575, 1.3575)],
            cell: Cell(vectors: [SIMD3(0, 2.715, 2.715), SIMD3(2.715, 0, 2.715), SIMD3(2.715, 2.715, 0)], periodic: [true, true, false]),
            energy: -10.8 - 1e-13)
        var task = QMTask(name: "synthetic/mixed@PBE 100%", levelOfTheory: "PBE", source: TaskSource(path: "none.xyz", format: "extxyz", units: "eV, Å"),
                          conformations: [water, silicon, water], isolatedAtomEnergies: [8: -432.1, 1: -13.6, 14: -0.1 / 3],
                          metadata: ["licence": "MIT", "note": "ünïcode \"quoted\""])
        try task.fitSelfEnergies(preferIsolatedAtoms: false)
        return task
    }

    @Test func roundTripIsExactAndLazy() throws {
        var tasks = try ANI1xReader.read(RealFiles.ani1x)
        tasks += try SPICEReader.read(RealFiles.spice)
        tasks.append(try Self.syntheticTask())
        let suite = try TaskSuite(name: "round-trip", tasks: tasks)
        let directory = try SharedData.temporaryDirectory("metamlip-suite")
        let path = directory.appendingPathComponent("suite.h5").path
        try SuiteWriter.write(suite, to: path, provenance: ["recipe": "tests", "sources": "ani1_n5, SPICE"])
        // Written atomically: only the final file remains in the directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["suite.h5"])

        #expect(try HDF5Layout.detect(file: path) == .metamlipSuite)
        let file = try SuiteFile(path: path)
        #expect(file.name == "round-trip")
        #expect(file.version == 1)
        #expect(file.units == "eV, Å, eV/Å")
        #expect(file.provenance == ["recipe": "tests", "sources": "ani1_n5, SPICE"])
        #expect(!file.created.isEmpty)
        #expect(file.taskNames == suite.tasks.map(\.name))  // order kept, "/" in names escaped
        for (info, task) in zip(file.taskInfos, suite.tasks) {
            #expect(info.levelOfTheory == task.levelOfTheory)
            #expect(info.source == task.source)
            #expect(info.conformationCount == task.conformations.count)
            #expect(info.forceCount == task.forceCount)
            #expect(info.elements == task.elements)
            #expect(info.atomCount == task.conformations.map(\.atomCount).reduce(0, +))
            #expect(info.energyRange == task.conformations.map(\.energy).min()!...task.conformations.map(\.energy).max()!)
        }
        let synthetic = try file.loadTask(named: "synthetic/mixed@PBE 100%")
        #expect(synthetic == suite.tasks.last!)
        #expect(synthetic.conformations[1].cell?.periodic == [true, true, false])
        #expect(synthetic.conformations[1].forces == nil)
        #expect(try file.loadSuite() == suite)
        #expect(try HDF5TaskReader.read(path, levels: ["PBE"]) == [suite.tasks.last!])
        expectDataError(file: path, item: "/tasks", reason: "no task named 'absent'") { _ = try file.loadTask(named: "absent") }
    }

    @Test func emptyTaskRoundTrips() throws {
        let path = try temporaryPath("empty-task.h5")
        let empty = QMTask(name: "empty", levelOfTheory: "none", source: TaskSource(path: "-", format: "none", units: "eV"),
                           conformations: [])
        let suite = try TaskSuite(name: "e", tasks: [empty])
        try SuiteWriter.write(suite, to: path, storage: .contiguous)
        let file = try SuiteFile(path: path)
        #expect(file.taskInfos[0].conformationCount == 0 && file.taskInfos[0].energyRange == nil)
        #expect(try file.loadSuite() == suite)
    }

    @Test func overwritingReplacesAtomically() throws {
        let path = try temporaryPath("replace.h5")
        let one = try TaskSuite(name: "one", tasks: [Self.syntheticTask()])
        try SuiteWriter.write(one, to: path)
        let reader = try SuiteFile(path: path)  // an open reader keeps its (old) file
        try SuiteWriter.write(try TaskSuite(name: "two"), to: path)
        #expect(try SuiteFile(path: path).name == "two")
        #expect(try SuiteFile(path: path).taskInfos.isEmpty)
        #expect(try reader.loadSuite() == one)
        let nowhere = "/nonexistent-dir-\(UUID().uuidString)/s.h5"
        expectDataError(file: nowhere, item: "", reason: "does not exist") { try SuiteWriter.write(one, to: nowhere) }
    }
}
