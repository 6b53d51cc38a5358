import Foundation
import Testing
import _TestSupport
@testable import Datasets

/// `scripts/fetch-data.py` and its list `datasets/files.tsv`, tested without a network: the
/// shared data root is verified as is, and downloads come from file:// URLs into the local copy.
@Suite(.serialized) struct FetchDataScriptTests {
    static let script = SharedData.packageRoot.appendingPathComponent("scripts/fetch-data.py").path
    static let list = SharedData.packageRoot.appendingPathComponent("datasets/files.tsv").path

    static func python() throws -> [String] {
        try #require(PythonInterpreter.importing("hashlib, urllib.request"), "no python3")
    }

    @Test(.enabled(if: SharedData.isAvailable)) func theSharedDataRootVerifies() throws {
        let result = try PythonInterpreter.run(try Self.python(), [Self.script, "--verify-only", "--root", SharedData.root.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("all 28 downloadable files present with the right SHA-256"), "\(result.output)")
    }

    /// Every data file a shipped recipe names is in the list, so the script fetches what the
    /// recipes need.
    @Test func theListCoversEveryRecipe() throws {
        let listed = Set(try String(contentsOfFile: Self.list, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map { String($0.split(separator: "\t")[0]) })
        let folder = SharedData.packageRoot.appendingPathComponent("datasets")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".yaml") {
            let recipe = try SuiteRecipe.load(path: folder.appendingPathComponent(name).path)
            for source in recipe.sources {
                #expect(listed.contains(source.path), "\(name): \(source.path) is not in datasets/files.tsv")
                if let iso = source.isolatedAtoms { #expect(listed.contains(iso), "\(name): \(iso)") }
            }
        }
    }

    @Test(.enabled(if: SharedData.isAvailable)) func fetchesVerifiesSkipsAndRefusesWrongBytes() throws {
        let python = try Self.python()
        let dir = try SharedData.temporaryDirectory("fetch-data")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("root")
        // Entries of the real list, their URLs replaced by file:// ones into the shared copy; the
        // first URL of the second entry is broken, so the second is used.
        let all = try String(contentsOfFile: Self.list, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        func entry(_ path: String) -> [String] { all.first { $0.hasPrefix(path + "\t") }!.split(separator: "\t").map(String.init) }
        let iso = entry("3bpa/iso_atoms.xyz"), acac = entry("acac/isolated_atoms.xyz"), xtb = entry("xtb/3bpa_xtb.h5")
        let source = { (p: String) in "file://" + SharedData.path(p) }
        var lines = ["# test list",
                     [iso[0], iso[1], iso[2], source("3bpa/iso_atoms.xyz")].joined(separator: "\t"),
                     [acac[0], acac[1], acac[2], "file:///nonexistent/isolated_atoms.xyz " + source("acac/isolated_atoms.xyz")].joined(separator: "\t"),
                     xtb.joined(separator: "\t")]
        let listPath = dir.appendingPathComponent("files.tsv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: listPath, atomically: true, encoding: .utf8)
        func fetch(_ extra: [String] = []) throws -> (status: Int32, output: String) {
            try PythonInterpreter.run(python, [Self.script, "--root", root.path, "--list", listPath] + extra)
        }

        let missing = try fetch(["--verify-only"])
        #expect(missing.status == 1 && missing.output.contains("missing   3bpa/iso_atoms.xyz") && !FileManager.default.fileExists(atPath: root.path + "/3bpa"),
                "\(missing.output)")
        let first = try fetch()
        #expect(first.status == 0 && first.output.contains("fetched   3bpa/iso_atoms.xyz") && first.output.contains("fetched   acac/isolated_atoms.xyz"),
                "\(first.output)")
        #expect(first.output.contains("xtb/3bpa_xtb.h5: GFN2/GFN1/IPEA1-xTB labels") && first.output.contains("Not downloadable"))
        #expect(try Data(contentsOf: root.appendingPathComponent("3bpa/iso_atoms.xyz")) == Data(contentsOf: URL(fileURLWithPath: SharedData.path("3bpa/iso_atoms.xyz"))))
        // Present with the right checksum: skipped.
        let second = try fetch()
        #expect(second.status == 0 && !second.output.contains("fetching") && second.output.contains("ok        acac/isolated_atoms.xyz"), "\(second.output)")
        // A corrupted copy is found and replaced.
        try Data("corrupt\n".utf8).write(to: root.appendingPathComponent("acac/isolated_atoms.xyz"))
        #expect(try fetch(["--verify-only"]).output.contains("wrong size"))
        let repaired = try fetch()
        #expect(repaired.status == 0 && repaired.output.contains("fetched   acac/isolated_atoms.xyz"), "\(repaired.output)")

        // A source whose bytes do not match the checksum is refused and leaves nothing behind.
        lines[1] = [iso[0], iso[1], iso[2], source("acac/isolated_atoms.xyz")].joined(separator: "\t")
        try (lines.joined(separator: "\n") + "\n").write(toFile: listPath, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: root.appendingPathComponent("3bpa/iso_atoms.xyz"))
        let wrong = try fetch()
        #expect(wrong.status == 1 && wrong.output.contains("FAILED    3bpa/iso_atoms.xyz") && wrong.output.contains("does not match"), "\(wrong.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("3bpa").path).isEmpty)
    }
}
