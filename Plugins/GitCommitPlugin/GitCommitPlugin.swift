import Foundation
import PackagePlugin

/// Records the git commit a build is made from, for `metamlip --version`, model files and run
/// directories (`BuildInfo.GitRevision`).
///
/// A prebuild command runs `scripts/git-commit.sh` before every build (prebuild commands run
/// unconditionally, so a new commit or a change to the work tree is always seen); the script
/// rewrites `GitCommit.swift` only when its content changes, so an unchanged commit rebuilds
/// nothing. The commit is read at build time from the package's own checkout, never at run
/// time from whatever checkout lies beside the executable, so a binary cannot report the commit
/// of sources it was not built from. Without git, or outside a checkout of its own, the commit
/// is absent and the generated file says why.
@main
struct GitCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "GitCommit")
        return [.prebuildCommand(
            displayName: "Recording the git commit of \(package.lastPathComponent)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [package.appending(path: "scripts/git-commit.sh").path, package.path, Self.git() ?? "",
                        output.appending(path: "GitCommit.swift").path],
            environment: [:],
            outputFilesDirectory: output)]
    }

    /// The first executable `git` on the PATH the build runs with, or nil.
    static func git() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/local/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/git"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
