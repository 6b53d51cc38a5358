import Foundation
import Testing
import _TestSupport

/// `--quiet`, `--verbose` and the live progress bar, through the built binary.
@Suite(.serialized) struct LoggingCommandTests {
    /// A 3-epoch training manifest on 10 + 5 + 5 3BPA conformations (a few seconds).
    static func manifest(in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("train.yaml").path
        try """
            data: \(SharedData.path("3bpa/train_300K.xyz"))
            isolated_atoms: \(SharedData.path("3bpa/iso_atoms.xyz"))
            split: {seed: 1, train: 0.02, validation: 0.01, test: 0.01}
            model: {kind: ani, widths: [4]}
            epochs: 3
            batch_size: 10
            checkpoint_dir: \(dir.appendingPathComponent("ck").path)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func quietKeepsResultsAndVerboseAddsDetail() throws {
        let dir = try SharedData.temporaryDirectory("cli-logging")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.manifest(in: dir)

        // Default (stdout is a pipe here): today's plain lines, no carriage returns.
        let plain = try CLIRunner.run(["train", manifest])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("epoch    1  step") && plain.stdout.contains("epoch    3  step"), "\(plain.stdout)")
        #expect(plain.stdout.contains("self-energies: ") && plain.stdout.contains("held-out test set"))
        #expect(!plain.stdout.contains("\r") && !plain.stdout.contains("\u{1B}") && !plain.stdout.contains("debug:"))

        // --quiet: the test-set errors (results) only.
        let quiet = try CLIRunner.run(["train", manifest, "--fresh", "--quiet"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        let lines = quiet.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("held-out test set") && lines[1].hasPrefix("energy  MAE")
                && lines[2].hasPrefix("forces  MAE"), "\(quiet.stdout)")
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")

        // --verbose: everything of the default plus debug lines.
        let verbose = try CLIRunner.run(["train", manifest, "--fresh", "-v"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(verbose.stdout.contains("debug: metamlip 0.10.0 (git ") && verbose.stdout.contains("debug: working directory ")
                && verbose.stdout.contains("debug: manifest \(manifest)"), "\(verbose.stdout)")
        #expect(verbose.stdout.contains("epoch    3  step") && !verbose.stdout.contains("\r"))

        // Both at once is refused.
        let both = try CLIRunner.run(["train", manifest, "--quiet", "--verbose"])
        #expect(both.status != 0 && both.stderr.contains("--quiet and --verbose exclude each other"), "\(both.stderr)")

        // evaluate --verbose names the model and the data read; --quiet keeps the errors.
        let model = dir.appendingPathComponent("ck/model.json").path
        let evaluated = try CLIRunner.run(["evaluate", model, SharedData.path("3bpa/train_300K.xyz"), "--verbose"])
        #expect(evaluated.status == 0 && evaluated.stdout.contains("debug: read ") && evaluated.stdout.contains("debug: model \(model): kind ani"),
                "\(evaluated.stdout)\(evaluated.stderr)")
    }

    /// With a terminal (a pty from `script`), training draws one bar redrawn with `\r`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
                   "util-linux script(1) (Debian's essential bsdutils) gives the command a terminal"))
    func aTerminalGetsALiveBar() throws {
        let script = "/usr/bin/script"
        let dir = try SharedData.temporaryDirectory("cli-tty")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try Self.manifest(in: dir)
        let command = "\(CLIRunner.executable.path) train \(manifest)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = ["-qec", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("\r\u{1B}[2Kepoch 1/3 [") && text.contains("epoch 3/3 [#") && text.contains("] 100%"), "\(text.debugDescription)")
        #expect(text.contains("ETA ") && text.contains("elapsed"))
        // The plain epoch lines are still printed (above the bar), and the bar is gone at the end.
        #expect(text.contains("epoch    2  step") && text.contains("held-out test set"))
    }

    /// `run --quiet` prints the results table and the report's path; run.log still has the
    /// progress lines.
    @Test func quietStudyKeepsTheTableAndTheLog() throws {
        let dir = try SharedData.temporaryDirectory("cli-run-quiet")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("study.yaml").path
        try """
            experiment: quiet-study
            data_root: \(SharedData.root.path)
            target: {data: 3bpa/train_300K.xyz, isolated_atoms: 3bpa/iso_atoms.xyz, test: 4, validation: 3}
            model: {kind: ani, widths: [4]}
            variants:
              - {name: scratch, kind: scratch}
            refit: {n: [3], seeds: [0], epochs: 1, batch_size: 3}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run").path
        let result = try CLIRunner.run(["run", path, "-o", out, "--quiet", "--report-root", dir.appendingPathComponent("exports").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| scratch") && result.stdout.contains("report: "), "\(result.stdout)")
        #expect(!result.stdout.contains("[progress]") && !result.stdout.contains("experiment quiet-study →"), "\(result.stdout)")
        let log = try String(contentsOfFile: out + "/run.log", encoding: .utf8)
        #expect(log.contains("[progress] pretraining and refits: 2 of 2 units") && log.contains("experiment quiet-study →")
                && log.contains("| scratch") && log.contains(" metamlip 0.10.0 (git "), "\(log)")
    }
}
