import ArgumentParser
import Communication
import Foundation
import Logging
import Training
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--quiet` and `--verbose`, shared through `@OptionGroup` by the commands that do long work
/// (`run`, `train`, `refit`, `md`, `scan`, `optimize`, `evaluate`, `predict`, `data build`).
struct LoggingOptions: ParsableArguments {
    @Flag(name: [.customShort("q"), .long],
          help: "Print only warnings, errors and results (tables, the values asked for): no progress or status lines.")
    var quiet = false
    @Flag(name: [.customShort("v"), .long], help: "Also print debug detail (versions, paths, timings, settings).")
    var verbose = false

    func validate() throws {
        guard !(quiet && verbose) else { throw ValidationError("--quiet and --verbose exclude each other") }
    }

    /// The lowest level printed: warning (`--quiet`), debug (`--verbose`), else info.
    var level: Logger.Level { quiet ? .warning : verbose ? .debug : .info }

    /// Points ``Console/shared`` at stdout and stderr with this level (the progress bar when
    /// stdout is a terminal) and logs the debug preamble every command shares. On the ranks
    /// after 0 of an MPI run only errors are printed (rank 0 speaks for the run).
    func configure() {
        Console.shared = Console(level: World.isWriter ? level : max(level, .error))
        Console.shared.debug("metamlip \(MetaMLIPRelease.versionDescription); \(CommandLine.arguments.joined(separator: " "))")
        Console.shared.debug("working directory \(FileManager.default.currentDirectoryPath); data root "
                             + (ProcessInfo.processInfo.environment["METAMLIP_DATA"].map { "$METAMLIP_DATA=\($0)" }
                                ?? "../shared/datasets (METAMLIP_DATA unset)"))
    }
}

/// Where `metamlip` writes what it tells the user: one facade for every line, so the levels
/// of `--quiet` and `--verbose` apply alike to every command.
///
/// | call | level (swift-log) | goes to | shown with `--quiet` |
/// |---|---|---|---|
/// | ``debug(_:)`` | debug | stdout, as `debug: …` | no (only with `--verbose`) |
/// | ``info(_:)``, ``progress(_:line:)`` | info | stdout (progress: a bar on a terminal) | no |
/// | ``warning(_:)`` | warning | stderr | yes |
/// | ``error(_:)`` | error | stderr | yes |
/// | ``result(_:)`` | — | stdout | yes: results tables and the values a user asked for |
///
/// With a ``RunLog`` attached (`metamlip run`), every line at info or above is also recorded
/// in `run.log` whatever the level (a `--quiet` run keeps a complete log), and debug lines
/// with `--verbose`. When stdout is a terminal, progress is drawn as one line redrawn with
/// `\r` (``ProgressBar``) below the other lines; otherwise (files, pipes, CI) progress is
/// plain lines, exactly as without a terminal. Thread-safe: a study's concurrent units log
/// through it.
final class Console: @unchecked Sendable {
    /// The console of this process (set by ``LoggingOptions/configure()``).
    static var shared = Console()

    /// Where text goes; replaceable in tests.
    struct Sinks {
        var out: (String) -> Void
        var err: (String) -> Void
        static let standard = Sinks(out: { FileHandle.standardOutput.write(Data($0.utf8)) },
                                    err: { FileHandle.standardError.write(Data($0.utf8)) })
    }

    let level: Logger.Level
    /// Whether progress is drawn as a bar redrawn in place (stdout is a terminal).
    let live: Bool
    /// Also receives every line (see the type's description).
    var runLog: RunLog?
    private let sinks: Sinks
    private let lock = NSLock()
    private var logger: Logger!
    /// The bar on screen, if any (live mode).
    private var bar: String?
    private let columns: Int

    /// - Parameters:
    ///   - terminal: whether stdout is a terminal (default: `isatty(1)`); decides the live bar.
    ///   - columns: the terminal's width for the bar (default: its reported width, else 80).
    init(level: Logger.Level = .info, terminal: Bool = Console.stdoutIsTerminal, columns: Int? = nil,
         sinks: Sinks = .standard) {
        self.level = level
        self.live = terminal
        self.sinks = sinks
        self.columns = columns ?? Console.terminalColumns ?? 80
        var logger = Logger(label: "metamlip") { [unowned self] _ in ConsoleLogHandler(console: self) }
        // Info reaches the handler even with --quiet: the run log records it (see `emit`).
        logger.logLevel = min(level, .info)
        self.logger = logger
    }

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    static var terminalColumns: Int? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    // MARK: Levels

    func debug(_ text: @autoclosure () -> String) { logger.debug("\(text())") }

    func info(_ text: String) { logger.info("\(text)") }

    func warning(_ text: String) { logger.warning("\(text)") }

    func error(_ text: String) { logger.error("\(text)") }

    /// A result (a table, a value the user asked for): stdout whatever the level.
    func result(_ text: String) { emit(text, level: nil) }

    /// Progress of long work. In live mode the bar is redrawn with `bar`'s state; otherwise
    /// `line`, the plain line that stands for this progress (if any), is printed as an info
    /// line. `line` is recorded in the run log either way; the bar never is. Nothing is
    /// drawn with `--quiet`.
    func progress(_ bar: ProgressBar, line: String?) {
        guard live, level <= .info else {
            if let line { info(line) }
            return
        }
        lock.withLock {
            self.bar = bar.render(width: columns - 1)
            sinks.out("\r\u{1B}[2K" + self.bar!)
        }
        if let line { record(line, level: .info) }
    }

    /// Removes the bar from the screen (before the command ends or a stage changes).
    func endProgress() {
        lock.withLock {
            guard bar != nil else { return }
            sinks.out("\r\u{1B}[2K")
            bar = nil
        }
    }

    // MARK: Output

    /// Writes a line of `level` (nil: a result) to its stream when the level is shown, and
    /// to the run log.
    fileprivate func emit(_ text: String, level: Logger.Level?) {
        if level.map({ $0 >= self.level }) ?? true {
            let toErr = level.map { $0 >= .warning } ?? false
            let shown = level.map { $0 <= .debug } ?? false ? "debug: " + text : text
            lock.withLock { writeAboveBar(shown + "\n", toErr: toErr) }
        }
        record(text, level: level ?? .info)
    }

    /// Records `text` in the run log when one is attached (info and above always; debug lines
    /// only when they are printed).
    fileprivate func record(_ text: String, level: Logger.Level) {
        guard let runLog, level >= .info || self.level <= level else { return }
        runLog.record(text)
    }

    /// Writes `text`, first clearing the bar and then redrawing it below (caller holds the lock).
    private func writeAboveBar(_ text: String, toErr: Bool) {
        if bar != nil { sinks.out("\r\u{1B}[2K") }
        toErr ? sinks.err(text) : sinks.out(text)
        if let bar { sinks.out(bar) }
    }
}

/// The swift-log handler behind ``Console``: levels come from swift-log's `Logger`, output
/// from the console.
struct ConsoleLogHandler: LogHandler {
    unowned let console: Console
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        console.emit("\(event.message)", level: event.level)
    }
}
