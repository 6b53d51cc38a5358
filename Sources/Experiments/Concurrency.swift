// Independent work units of a study on several threads.

import Foundation

/// Calls `body(i)` for every `i` in `0..<count` on up to `jobs` threads; items start in index
/// order and each runs once. After an error no new item starts; the running ones finish and
/// the first error is rethrown. With `jobs` ≤ 1 it is a plain loop on the calling thread.
func runConcurrently(_ count: Int, jobs: Int, _ body: (Int) throws -> Void) throws {
    guard jobs > 1, count > 1 else {
        for i in 0..<count { try body(i) }
        return
    }
    let lock = NSLock()
    var next = 0
    var failure: Error?
    DispatchQueue.concurrentPerform(iterations: min(jobs, count)) { _ in
        while true {
            let i: Int? = lock.withLock {
                guard failure == nil, next < count else { return nil }
                defer { next += 1 }
                return next
            }
            guard let i else { return }
            do { try body(i) } catch { lock.withLock { if failure == nil { failure = error } } }
        }
    }
    if let failure { throw failure }
}
