// Independent pieces of one training step (batch chunks, the tasks of a meta-batch) on threads.

import Foundation

/// How many threads the independent pieces of one step may use: the chunks of a training
/// batch (``Trainer``) and the tasks of a meta-batch (Reptile, MAML). Every result is
/// combined in a fixed order, so it never depends on this number; set it once at start-up
/// (`metamlip --threads`), with one OpenBLAS thread per worker.
public enum StepParallelism {
    /// Threads to use (≥ 1; 1: everything on the calling thread).
    nonisolated(unsafe) public static var threads = 1

    /// `[body(0), …, body(count − 1)]`, computed on up to ``threads`` threads (each index
    /// once, on whichever thread is free) and returned in index order. With `costs` (an
    /// estimate of each index's work) the threads take the costliest first, so a long piece does
    /// not start last; the results are the same.
    public static func map<T>(_ count: Int, costs: [Double]? = nil, _ body: (Int) -> T) -> [T] {
        let width = min(max(threads, 1), count)
        guard width > 1 else { return (0..<count).map(body) }
        let order = costs.map(RankParallelism.costliestFirst) ?? Array(0..<count)
        precondition(order.count == count, "\(order.count) costs for \(count) pieces")
        let lock = NSLock()
        var results = [T?](repeating: nil, count: count)
        var next = 0
        DispatchQueue.concurrentPerform(iterations: width) { _ in
            while true {
                let n: Int = lock.withLock { defer { next += 1 }; return next }
                guard n < count else { return }
                let i = order[n]
                let value = body(i)
                lock.withLock { results[i] = value }
            }
        }
        return results.map { $0! }
    }
}
