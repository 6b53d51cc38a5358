import Chemistry
import Foundation
import Testing
import _TestSupport

/// `include/metamlip.h` as a C program sees it: Fixtures/evaluate.c, compiled with warnings
/// as errors against the header and linked to the built libmetamlip-c.so, agrees with the
/// Float64 calculator and reports errors by code and message.
@Suite struct CHeaderTests {
    /// The first C compiler on PATH (the Swift toolchain brings clang).
    static var compiler: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for name in ["cc", "clang", "gcc"] {
            for directory in path.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    @Test func cProgramEvaluatesThroughTheHeader() throws {
        let compiler = try #require(Self.compiler, "no C compiler (cc, clang, gcc) on PATH")
        let library = PythonPackageTests.library
        try #require(FileManager.default.fileExists(atPath: library.path),
                     "\(library.path) is missing: build it with `swift build --product metamlip-c` (make test does)")
        let dir = try SharedData.temporaryDirectory("c-header")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = SharedData.packageRoot
        let program = dir.appendingPathComponent("evaluate").path
        let libraryDirectory = library.deletingLastPathComponent().path
        let compile = try run(compiler, ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
                                         "-I", root.appendingPathComponent("Sources/MetaMLIPC/include").path,
                                         root.appendingPathComponent("Tests/MetaMLIPCTests/Fixtures/evaluate.c").path,
                                         "-L", libraryDirectory, "-lmetamlip-c", "-Wl,-rpath,\(libraryDirectory)", "-o", program])
        try #require(compile.status == 0, "\(compile.output)")

        let a = try Fixtures.writeModel(seed: 1, to: dir), b = try Fixtures.writeModel(seed: 2, to: dir)
        let frame = try Fixtures.threeBPA(1)[0]
        var input = "\(frame.atomCount)\n"
        for (z, r) in zip(frame.atomicNumbers, frame.positions) { input += "\(z) \(r.x) \(r.y) \(r.z)\n" }
        let result = try run(program, [a, b], input: input)
        try #require(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n")
        #expect(lines[0] == "members 2 elements 4")
        let energy = try #require(Double(lines[1].split(separator: " ")[1]))
        let swift = try CModel([a, b]).evaluate(frame)
        #expect(energy == swift.energy, "C \(energy) vs Swift \(swift.energy) eV")
        #expect(Double(lines[2].split(separator: " ")[1]) == swift.energyStd)
        let row = lines[3].split(separator: " ").compactMap { Double($0) }
        #expect(row == [swift.forces[0].x, swift.forces[0].y, swift.forces[0].z])
        let n = frame.atomCount
        #expect(lines[3 + n].hasPrefix("stress status 8: ") && lines[3 + n].contains("molecule"), "\(lines[3 + n])")
        let virial = lines[4 + n].split(separator: " ").compactMap { Double($0) }
        let w = try #require(try CModel([a, b]).evaluateStress(atomicNumbers: frame.atomicNumbers, positions: frame.positions,
                                                                 stress: false).virial)
        #expect(virial == [w[0, 0], w[1, 1], w[2, 2]], "C virial \(virial) vs Swift \(w)")

        let missing = try run(program, [dir.appendingPathComponent("nope.json").path], input: input)
        #expect(missing.status == 3 && missing.output.contains("status 3: ") && missing.output.contains("nope.json: file does not exist"),
                "\(missing.output)")
        let sulfur = try run(program, [a], input: "2\n16 0 0 0\n1 0 0 1.3\n")
        #expect(sulfur.status == 5 && sulfur.output.contains("atom 0: element S (Z=16)"), "\(sulfur.output)")
    }

    /// Runs `executable` with `arguments` and `input` on stdin; stdout and stderr together.
    private func run(_ executable: String, _ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
