import BuildInfo
import Foundation
import Testing
import _TestSupport

/// The git commit of the build: `metamlip --version`, and `scripts/git-commit.sh` (run by the
/// GitCommitPlugin build command) on checkouts made for the test.
@Suite struct GitCommitTests {
    static let git = ["/usr/bin/git", "/usr/local/bin/git"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `executable arguments` in `directory`; stdout (trimmed) and status.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "GIT_CONFIG_NOSYSTEM": "1",
                               "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// What the script writes for `package`: (commit, reason).
    static func generated(package: URL, git: String?) throws -> (commit: String?, reason: String?, text: String) {
        let out = package.deletingLastPathComponent().appendingPathComponent("out-\(UUID().uuidString)/GitCommit.swift")
        let script = SharedData.packageRoot.appendingPathComponent("scripts/git-commit.sh").path
        let result = try run("/bin/sh", [script, package.path, git ?? "", out.path])
        try #require(result.status == 0)
        let text = try String(contentsOf: out, encoding: .utf8)
        func value(_ name: String) -> String? {
            guard let line = text.split(separator: "\n").first(where: { $0.contains("let \(name)") }),
                  let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""), open < close else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        return (value("generatedGitCommit"), value("generatedGitCommitUnknownReason"), text)
    }

    @Test func versionNamesTheBuildsCommitOrWhyNot() throws {
        let result = try CLIRunner.run(["--version"])
        #expect(result.status == 0)
        let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line == "metamlip 0.10.0 (\(GitRevision.summary))", "\(line)")
        if let commit = GitRevision.commit {
            let hash = commit.replacingOccurrences(of: "+dirty", with: "")
            #expect(hash.count == 40 && hash.allSatisfy(\.isHexDigit), "\(commit)")
            #expect(line.hasPrefix("metamlip 0.10.0 (git \(hash.prefix(7))"))
            // The recorded commit is a commit of this checkout (it was built from it).
            if let git = Self.git {
                #expect(try Self.run(git, ["-C", SharedData.packageRoot.path, "cat-file", "-t", hash]).output == "commit")
            }
        } else {
            #expect(GitRevision.unknownReason != nil && line.contains("git commit unknown: "))
        }
    }

    @Test func theScriptRecordsOnlyACommitItCanVouchFor() throws {
        let git = try #require(Self.git, "git is needed")
        let dir = try SharedData.temporaryDirectory("git-commit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let repo = dir.appendingPathComponent("pkg")
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("Sources/A"), withIntermediateDirectories: true)
        try "// swift-tools-version: 6.1\n".write(to: repo.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try "let a = 1\n".write(to: repo.appendingPathComponent("Sources/A/A.swift"), atomically: true, encoding: .utf8)

        // Not a checkout: no commit, and why.
        let before = try Self.generated(package: repo, git: git)
        #expect(before.commit == nil && before.reason == "not built from a git checkout", "\(before.text)")
        // No git: no commit, and why.
        #expect(try Self.generated(package: repo, git: nil).reason == "git was not found when this binary was built")

        try Self.run(git, ["init", "-q"], in: repo)
        #expect(try Self.generated(package: repo, git: git).reason == "the git checkout has no commit yet")
        try Self.run(git, ["add", "."], in: repo)
        try Self.run(git, ["commit", "-qm", "first"], in: repo)
        let head = try Self.run(git, ["rev-parse", "HEAD"], in: repo).output
        let clean = try Self.generated(package: repo, git: git)
        #expect(clean.commit == head && clean.reason == nil, "\(clean.text)")

        // An edited source, a new untracked source, a deleted one: +dirty; a file outside the
        // sources (README) is not part of the build.
        try "let a = 2\n".write(to: repo.appendingPathComponent("Sources/A/A.swift"), atomically: true, encoding: .utf8)
        #expect(try Self.generated(package: repo, git: git).commit == head + "+dirty")
        try Self.run(git, ["checkout", "-q", "--", "Sources/A/A.swift"], in: repo)
        try "let b = 1\n".write(to: repo.appendingPathComponent("Sources/A/B.swift"), atomically: true, encoding: .utf8)
        #expect(try Self.generated(package: repo, git: git).commit == head + "+dirty")
        try FileManager.default.removeItem(at: repo.appendingPathComponent("Sources/A/B.swift"))
        try "notes\n".write(to: repo.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        #expect(try Self.generated(package: repo, git: git).commit == head)

        // A folder inside another repository is not a checkout of its own.
        let nested = repo.appendingPathComponent("Sources")
        let inner = try Self.generated(package: nested, git: git)
        #expect(inner.commit == nil && inner.reason?.hasPrefix("the package directory is not the top of its own git checkout") == true,
                "\(inner.text)")

        // A second commit is seen.
        try Self.run(git, ["commit", "-q", "--allow-empty", "-m", "second"], in: repo)
        let second = try Self.run(git, ["rev-parse", "HEAD"], in: repo).output
        let after = try Self.generated(package: repo, git: git)
        #expect(second != head && after.commit == second)
    }

    @Test func anUnchangedCommitLeavesTheFileUntouched() throws {
        let dir = try SharedData.temporaryDirectory("git-commit-stable")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("GitCommit.swift")
        let script = SharedData.packageRoot.appendingPathComponent("scripts/git-commit.sh").path
        try Self.run("/bin/sh", [script, dir.path, "", out.path])
        let first = try FileManager.default.attributesOfItem(atPath: out.path)[.modificationDate] as? Date
        Thread.sleep(forTimeInterval: 1.1)
        try Self.run("/bin/sh", [script, dir.path, "", out.path])
        let second = try FileManager.default.attributesOfItem(atPath: out.path)[.modificationDate] as? Date
        #expect(first != nil && first == second, "rewritten although unchanged: nothing may recompile")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["GitCommit.swift"], "no temporary files left")
    }
}
