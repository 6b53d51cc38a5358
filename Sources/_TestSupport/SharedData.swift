import Foundation

/// Locates the shared QM datasets for tests: `$METAMLIP_DATA` when set, else
/// `../shared/datasets` relative to the package root.
public enum SharedData {
    /// The package root (two levels above this file's `Sources/_TestSupport`).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Root of the shared datasets directory.
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["METAMLIP_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.appendingPathComponent("../shared/datasets").standardizedFileURL
    }

    /// Path of a file under the shared datasets, e.g. `path("3bpa/train_300K.xyz")`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// Writes the 3BPA conformations `frames` (27 atoms, 29 extxyz lines each) of
    /// `3bpa/train_300K.xyz` to `name` in `directory`, for commands that train on a few.
    @discardableResult
    public static func write3BPA(frames: Range<Int>, to directory: URL, name: String = "small.xyz") throws -> URL {
        let text = try String(contentsOfFile: path("3bpa/train_300K.xyz"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let url = directory.appendingPathComponent(name)
        try (lines[(frames.lowerBound * 29)..<(frames.upperBound * 29)].joined(separator: "\n") + "\n")
            .write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// True when the shared datasets are present.
    public static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("README.md").path)
    }

    /// A fresh temporary directory for one test.
    public static func temporaryDirectory(_ name: String = "metamlip-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Runs the built `metamlip` executable (it sits next to the test bundle).
public enum CLIRunner {
    public struct Result {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The path of the built `metamlip` binary.
    public static var executable: URL {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("metamlip"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("metamlip"),
            SharedData.packageRoot.appendingPathComponent(".build/debug/metamlip"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs `metamlip` (or `program`) with `arguments` in `directory` and collects its output.
    public static func run(_ arguments: [String], in directory: URL? = nil,
                           environment: [String: String]? = nil, program: URL = executable) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
