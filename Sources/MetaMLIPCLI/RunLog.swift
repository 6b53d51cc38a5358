import Datasets
import Foundation

/// Everything `metamlip run` prints, also appended with UTC timestamps to `<run>/run.log`
/// (``Console`` records each line it prints here, and the lines `--quiet` hides).
///
/// While ``holding`` (the lines `metamlip run` prints before the study starts) lines are held
/// back; once the study's own lines arrive (after its ``RunDirectory`` has taken the lock
/// and, with `--fresh`, moved an earlier run aside) or a final error, everything held is
/// flushed into the directory's log once it has its `fingerprint.json`. So a fresh run's log
/// starts with its own command line, and a rerun refused for changed settings leaves its
/// command and error in the log of the run it was refused for. Thread-safe: the concurrent
/// units of a study (`--jobs`) log through it.
final class RunLog: @unchecked Sendable {
    let url: URL
    private let fingerprint: URL
    private var pending: [String] = []
    private var _holding = false
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

    /// Whether lines are held back instead of written (see the type's description).
    var holding: Bool {
        get { lock.withLock { _holding } }
        set { lock.withLock { _holding = newValue } }
    }

    /// Records `text`, one timestamped line per line of text.
    func record(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let time = stamp.string(from: Date())
        pending += text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(time) \($0)" }
        guard !_holding, FileManager.default.fileExists(atPath: fingerprint.path) else { return }
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
