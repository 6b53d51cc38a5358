// Independent work units of a study on several threads.

import Foundation

/// Calls `body(i)` for every `i` in `0..<count` on up to `jobs` threads, each once.
///
/// - Parameter after: for each item, the item that must finish before it starts (nil: none);
///   a prerequisite has a lower index. Among the items ready to start, the lowest index goes
///   first; a thread with nothing ready waits for a running item to finish.
///
/// After an error no new item starts; the running ones finish and the first error is
/// rethrown. With `jobs` ≤ 1 it is a plain loop in index order on the calling thread.
func runConcurrently(_ count: Int, jobs: Int, after: [Int?]? = nil, _ body: (Int) throws -> Void) throws {
    let after = after ?? Array(repeating: nil, count: count)
    precondition(after.count == count && after.indices.allSatisfy { i in after[i].map { $0 < i } ?? true },
                 "prerequisites must come earlier")
    guard jobs > 1, count > 1 else {
        for i in 0..<count { try body(i) }
        return
    }
    let condition = NSCondition()
    var started = [Bool](repeating: false, count: count), finished = started
    var next = 0   // every item below `next` has started
    var failure: Error?
    func ready(_ i: Int) -> Bool { !started[i] && (after[i].map { finished[$0] } ?? true) }
    DispatchQueue.concurrentPerform(iterations: min(jobs, count)) { _ in
        while true {
            condition.lock()
            var pick: Int?
            while failure == nil && next < count {
                if let i = (next..<count).first(where: ready) { pick = i; break }
                condition.wait()
            }
            if let i = pick {
                started[i] = true
                while next < count && started[next] { next += 1 }
            }
            condition.unlock()
            guard let i = pick else { return }
            var error: Error?
            do { try body(i) } catch let e { error = e }
            condition.lock()
            finished[i] = true
            if failure == nil { failure = error }
            condition.broadcast()
            condition.unlock()
        }
    }
    if let failure { throw failure }
}

/// Counts the finished units of a stage and logs `[progress] <stage>: k of M units …` with
/// the elapsed time and a rough estimate of the time left (the mean time per finished unit
/// times the units left, over `jobs`; units reused from an earlier run finish at once, so
/// early estimates are low). Thread-safe.
final class UnitCounter: @unchecked Sendable {
    let stage: String
    let total: Int
    let jobs: Int
    private let log: (String) -> Void
    private let start = Date()
    private let lock = NSLock()
    private var done = 0

    init(stage: String, total: Int, jobs: Int, log: @escaping (String) -> Void) {
        self.stage = stage; self.total = total; self.jobs = max(1, jobs); self.log = log
    }

    /// Records that unit `name` finished (or failed, or was found done).
    func finished(_ name: String) {
        let (k, elapsed) = lock.withLock { done += 1; return (done, Date().timeIntervalSince(start)) }
        let left = k < total ? elapsed / Double(k) * Double(total - k) / Double(min(jobs, total - k)) : nil
        log(UnitProgress(stage: stage, done: k, total: total, unit: name, elapsed: elapsed, remaining: left).line)
    }
}

/// One `[progress]` line of a study stage, as ``UnitCounter`` logs it:
///
///     [progress] pretraining and refits: 3 of 8 units (refit/scratch/n10-seed0), 41 s, about 68 s left
///
/// Studies log text (their `log` callback); `metamlip run` reads the line back
/// (``init(line:)``) to draw a progress bar when stdout is a terminal.
public struct UnitProgress: Equatable, Sendable {
    public var stage: String
    public var done: Int
    public var total: Int
    /// The unit that finished.
    public var unit: String
    /// Seconds since the stage started.
    public var elapsed: Double
    /// Estimated seconds left; nil after the last unit.
    public var remaining: Double?

    public init(stage: String, done: Int, total: Int, unit: String, elapsed: Double, remaining: Double?) {
        self.stage = stage; self.done = done; self.total = total; self.unit = unit
        self.elapsed = elapsed; self.remaining = remaining
    }

    /// The logged line (times in whole seconds).
    public var line: String {
        String(format: "[progress] %@: %d of %d units (%@), %.0f s%@", stage, done, total, unit, elapsed,
               remaining.map { String(format: ", about %.0f s left", $0) } ?? "")
    }

    /// The progress a ``line`` states (times to the second), or nil for any other line.
    public init?(line: String) {
        let pattern = #"^\[progress\] (.+): (\d+) of (\d+) units \((.*)\), (\d+) s(?:, about (\d+) s left)?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let m = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return nil }
        func group(_ i: Int) -> String? { Range(m.range(at: i), in: line).map { String(line[$0]) } }
        guard let stage = group(1), let done = group(2).flatMap(Int.init), let total = group(3).flatMap(Int.init),
              let unit = group(4), let elapsed = group(5).flatMap(Double.init) else { return nil }
        self.init(stage: stage, done: done, total: total, unit: unit, elapsed: elapsed,
                  remaining: group(6).flatMap(Double.init))
    }
}
