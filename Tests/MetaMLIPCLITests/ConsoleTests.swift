import Foundation
import Logging
import Testing
import _TestSupport
@testable import MetaMLIPCLI

/// The console facade: levels, streams, the run log, and the progress bar with the terminal
/// decision injected (no terminal needed).
@Suite struct ConsoleTests {
    /// A console writing into strings.
    final class Capture: @unchecked Sendable {
        var out = "", err = ""
        var sinks: Console.Sinks { .init(out: { self.out += $0 }, err: { self.err += $0 }) }
    }

    @Test func levelsChooseWhatIsPrintedAndWhere() {
        for (level, shown) in [(Logger.Level.warning, ["result", "warning", "error"]),
                               (.info, ["result", "warning", "error", "info"]),
                               (.debug, ["result", "warning", "error", "info", "debug: debug"])] {
            let c = Capture()
            let console = Console(level: level, terminal: false, sinks: c.sinks)
            console.debug("debug"); console.info("info"); console.warning("warning"); console.error("error"); console.result("result")
            let lines = (c.out + c.err).split(separator: "\n").map(String.init)
            #expect(Set(lines) == Set(shown), "\(level): \(lines)")
            #expect(!c.out.contains("warning") && !c.out.contains("error"), "warnings and errors go to stderr")
            #expect(c.err.split(separator: "\n") == ["warning", "error"])
        }
    }

    @Test func withoutATerminalProgressIsThePlainLine() {
        let c = Capture()
        let console = Console(level: .info, terminal: false, sinks: c.sinks)
        let bar = ProgressBar(label: "epoch", done: 1, total: 3, elapsed: 2, remaining: 4)
        console.progress(bar, line: "[progress] x: 1 of 3 units (a), 2 s, about 4 s left")
        console.progress(bar, line: nil)
        console.info("after")
        console.endProgress()
        #expect(c.out == "[progress] x: 1 of 3 units (a), 2 s, about 4 s left\nafter\n")
        #expect(!c.out.contains("\r") && !c.out.contains("\u{1B}"))
        // --quiet: no progress at all.
        let q = Capture()
        Console(level: .warning, terminal: true, sinks: q.sinks).progress(bar, line: "plain")
        #expect(q.out.isEmpty)
    }

    @Test func onATerminalTheBarIsRedrawnBelowTheOtherLines() {
        let c = Capture()
        let console = Console(level: .info, terminal: true, columns: 100, sinks: c.sinks)
        console.progress(ProgressBar(label: "epoch", done: 1, total: 4, elapsed: 10, remaining: 30), line: "epoch line for the log")
        #expect(c.out.hasPrefix("\r\u{1B}[2Kepoch 1/4 [") && !c.out.contains("\n") && !c.out.contains("epoch line"))
        c.out = ""
        console.info("status")
        // The bar is cleared, the line printed, the bar drawn again below it.
        #expect(c.out.hasPrefix("\r\u{1B}[2Kstatus\nepoch 1/4 ["), "\(c.out.debugDescription)")
        c.out = ""
        console.warning("careful")
        #expect(c.out.hasPrefix("\r\u{1B}[2K") && c.err == "careful\n" && c.out.hasSuffix("ETA 0:30"), "\(c.out.debugDescription)")
        c.out = ""
        console.endProgress()
        #expect(c.out == "\r\u{1B}[2K")
        c.out = ""
        console.info("plain again")
        #expect(c.out == "plain again\n")
    }

    @Test func progressBarRendering() {
        let bar = ProgressBar(label: "epoch", done: 12, total: 300, elapsed: 12, remaining: 288, detail: "val F 45.1 meV/Å")
        let line = bar.render(width: 100)
        #expect(line == "epoch 12/300 [#.............................]   4%  0:12 elapsed, ETA 4:48  val F 45.1 meV/Å", "\(line)")
        #expect(abs(bar.fraction - 0.04) < 1e-12)
        // Never wider than the terminal: the bar shrinks, then the detail is cut.
        for width in [40, 60, 79, 120] { #expect(bar.render(width: width).count <= width) }
        #expect(ProgressBar(label: "u", done: 3, total: 3, elapsed: 3725, remaining: nil).render(width: 80)
                    .hasSuffix("] 100%  1:02:05 elapsed"))
        #expect(ProgressBar.duration(59.6) == "1:00" && ProgressBar.duration(.nan) == "?")
        #expect(ProgressBar(label: "x", done: 5, total: 0, elapsed: 0, remaining: nil).fraction == 0)
    }

    @Test func studyLinesAreClassified() {
        let c = Capture()
        let console = Console(level: .warning, terminal: false, sinks: c.sinks)
        StudyLine.forward("[progress] refits: 1 of 2 units (refit/a), 3 s, about 3 s left", to: console)
        StudyLine.forward("[scratch] epoch    1  val E 1.00 meV/atom", to: console)
        StudyLine.forward("[refit/scratch/n3-seed0] FAILED (refit): diverged", to: console)
        StudyLine.forward("\n| variant | N |\n|---|---|", to: console)
        #expect(c.err == "[refit/scratch/n3-seed0] FAILED (refit): diverged\n")
        #expect(c.out == "\n| variant | N |\n|---|---|\n")
    }

    @Test func theRunLogRecordsWhatQuietHidesButNotTheBar() throws {
        let dir = try SharedData.temporaryDirectory("console-runlog")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{}".utf8).write(to: dir.appendingPathComponent("fingerprint.json"))
        let log = RunLog(runDirectory: dir)
        let c = Capture()
        let console = Console(level: .warning, terminal: true, sinks: c.sinks)
        console.runLog = log
        log.holding = true
        console.info("held back")
        #expect(!FileManager.default.fileExists(atPath: log.url.path))
        log.holding = false
        console.progress(ProgressBar(label: "u", done: 1, total: 2, elapsed: 1, remaining: 1), line: "[progress] s: 1 of 2 units (a), 1 s, about 1 s left")
        console.debug("not recorded without --verbose")
        console.result("table")
        let text = try String(contentsOf: log.url, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(lines == ["held back", "[progress] s: 1 of 2 units (a), 1 s, about 1 s left", "table"], "\(text)")
        #expect(!text.contains("\r") && c.out == "table\n")
    }
}
