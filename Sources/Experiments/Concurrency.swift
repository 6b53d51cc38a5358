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
