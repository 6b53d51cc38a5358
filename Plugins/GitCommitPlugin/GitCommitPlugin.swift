import Foundation
import PackagePlugin

/// Records the git commit a build is made from, for `metamlip --version`, model files and run
/// directories (`BuildInfo.GitRevision`).
///
/// One build command runs `scripts/git-commit.sh`, which writes `GitCommit.swift` (rewritten
/// only when its content changes, so an unchanged commit recompiles nothing). The command is
/// part of the build graph and reruns whenever one of its inputs changes:
///
/// - every file under `Sources/`, `Tests/` and `Plugins/`, `Package.swift` and the script: an
///   edit makes the sources dirty (`+dirty`) and reverting it makes them clean again;
/// - the git metadata a commit, checkout, reset or merge rewrites: `HEAD`, `logs/HEAD` (the
///   reflog, appended on every move of HEAD), `index`, `packed-refs`, and the directories
///   holding `HEAD` and the branch refs (git replaces these files by renaming a lock file, which
///   changes their directory).
///
/// (A prebuild command, the documented "run before every build", is not used: SwiftPM runs
/// prebuild commands only when it re-plans the build, not on incremental builds —
/// swiftlang/swift-package-manager#5476 — so a new commit would go unseen.) Adding or removing
/// a source file makes SwiftPM re-plan the build, which runs this plugin again. The commit is
/// read at build time from the package's own checkout, never at run time from whatever
/// checkout lies beside the executable, so a binary cannot report the commit of sources it was
/// not built from. Without git, or outside a checkout of its own, the commit is absent and the
/// generated file says why.
@main
struct GitCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "GitCommit/GitCommit.swift")
        let script = package.appending(path: "scripts/git-commit.sh")
        let git = Self.git()
        var inputs = [script, package.appending(path: "Package.swift")]
        for folder in Self.sourceFolders {
            guard let walker = FileManager.default.enumerator(at: package.appending(path: folder), includingPropertiesForKeys: [.isRegularFileKey])
            else { continue }
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                inputs.append(url)
            }
        }
        if let git { inputs += Self.gitMetadata(git: git, package: package) }
        return [.buildCommand(
            displayName: "Recording the git commit of \(package.lastPathComponent)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [script.path, package.path, git ?? "", output.path],
            environment: [:],
            inputFiles: inputs,
            outputFiles: [output])]
    }

    /// The folders whose files are the build's sources; `scripts/git-commit.sh` asks git
    /// whether they (with `Package.swift` and the script) differ from the commit.
    static let sourceFolders = ["Sources", "Tests", "Plugins"]

    /// The first executable `git` on the PATH the build runs with, or nil.
    static func git() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/local/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/git"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The existing git files and directories whose change means HEAD, the index or a branch
    /// moved (empty outside a git checkout).
    static func gitMetadata(git: String, package: URL) -> [URL] {
        guard let paths = run(git, ["-C", package.path, "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"]),
              paths.count == 2 else { return [] }
        let gitDir = URL(fileURLWithPath: paths[0]), common = URL(fileURLWithPath: paths[1])
        var candidates = [gitDir, gitDir.appending(path: "HEAD"), gitDir.appending(path: "index"),
                          gitDir.appending(path: "logs/HEAD"), gitDir.appending(path: "logs"),
                          common, common.appending(path: "packed-refs")]
        let heads = common.appending(path: "refs/heads")
        candidates.append(heads)
        if let walker = FileManager.default.enumerator(at: heads, includingPropertiesForKeys: nil) {
            for case let url as URL in walker { candidates.append(url) }   // nested branch folders and loose refs
        }
        return candidates.filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The output lines of `executable arguments`, or nil when it fails.
    static func run(_ executable: String, _ arguments: [String]) -> [String]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["GIT_OPTIONAL_LOCKS": "0"]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
