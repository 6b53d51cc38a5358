import Foundation

/// Everything `metamlip run` prints, also appended with UTC timestamps to `<run>/run.log`.
///
/// What `metamlip run` prints before the study starts (`announce`) is held back; the
/// study's own lines (`line`, once its ``RunDirectory`` has taken the lock and, with
/// `--fresh`, moved an earlier run aside) and a final error (`record`) flush everything held
/// into the directory's log once it has its `fingerprint.json`. So a fresh run's log starts
/// with its own command line, and a rerun refused for changed settings leaves its command
/// and error in the log of the run it was refused for. Thread-safe: the concurrent units of
/// a study (`--jobs`) log through it.
final class RunLog: @unchecked Sendable {
    let url: URL
    private let fingerprint: URL
    private var pending: [String] = []
    private let lock = NSLock()
    private let stamp: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }()

    init(runDirectory: URL) {
        url = runDirectory.appendingPathComponent("run.log")
        fingerprint = runDirectory.appendingPathComponent("fingerprint.json")
    }

    /// Prints `text` and holds it for the log (lines before the study owns its directory).
    func announce(_ text: String) {
        print(text)
        keep(text, flush: false)
    }

    /// Prints `text` and records it, one timestamped line per line of text.
    func line(_ text: String) {
        print(text)
        keep(text, flush: true)
    }

    /// Records `text` without printing it (e.g. an error already written to stderr).
    func record(_ text: String) { keep(text, flush: true) }

    private func keep(_ text: String, flush: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let time = stamp.string(from: Date())
        pending += text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(time) \($0)" }
        guard flush, FileManager.default.fileExists(atPath: fingerprint.path) else { return }
        let text = pending.map { $0 + "\n" }.joined()
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else { return }
        }
        guard let handle = try? FileHandle(forWritingTo: url) else { return }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            pending.removeAll()
        } catch {
            // The log is a convenience copy of what was printed; a full disk must not stop the study.
        }
    }
}
