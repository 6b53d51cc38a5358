// The bounded memory of earlier tasks' training conformations that lifelong training rehearses.

import Chemistry

/// A bounded set of training conformations of earlier tasks, rehearsed together with each
/// new task so that training on it does not overwrite what was learned before
/// (rehearsal / experience replay; Eckhoff & Reiher, doi:10.1021/acs.jctc.3c00279).
///
/// Entries are references `(task, index)` into each task's training split, with a score.
/// **Selection rule** (deterministic): after `k` tasks have been added, every task holds a
/// quota of `⌊capacity / k⌋` entries, the first `capacity mod k` tasks (in arrival order) one
/// more; a task with fewer training conformations than its quota keeps them all and its
/// unused quota is not redistributed. Within a task the entries with the highest scores are
/// kept (ties: the lower index). The score decides the rule:
///
/// - `balanced`: score = −(position in a permutation of the task's indices drawn by
///   `SeededGenerator(seed: seed &+ task)`), i.e. a seeded uniform sample. Because the kept
///   set is always a prefix of the same permutation, shrinking a quota keeps a subset of
///   what was kept before (nothing evicted ever comes back).
/// - `uncertainty`: score = the committee's energy spread per atom (eV/atom) on the
///   conformation when its task is added, so the conformations the committee is least sure
///   about are kept.
///
/// The buffer is a value (Codable), saved with each stage of a run.
public struct RehearsalBuffer: Codable, Equatable, Sendable {
    public enum Rule: String, Codable, Sendable, CaseIterable {
        case balanced, uncertainty
    }

    /// One kept conformation: index of the task in the stream, index in its training split.
    public struct Entry: Codable, Equatable, Hashable, Sendable {
        public var task: Int
        public var index: Int
        public var score: Double
    }

    public let capacity: Int
    public let rule: Rule
    public let seed: UInt64
    /// Kept entries, ordered by task then by decreasing score.
    public private(set) var entries: [Entry] = []
    /// Tasks added so far, with their training-set sizes.
    public private(set) var taskSizes: [Int] = []

    /// - Precondition: `capacity ≥ 1`.
    public init(capacity: Int, rule: Rule = .balanced, seed: UInt64 = 0) {
        precondition(capacity >= 1, "a rehearsal buffer needs capacity ≥ 1")
        self.capacity = capacity; self.rule = rule; self.seed = seed
    }

    /// Number of tasks added.
    public var taskCount: Int { taskSizes.count }

    /// The quota of the task at `position` when `taskCount` tasks share the capacity.
    public func quota(of position: Int, taskCount k: Int) -> Int {
        capacity / k + (position < capacity % k ? 1 : 0)
    }

    /// Adds the next task (its index is ``taskCount``) with `size` training conformations and
    /// shrinks every earlier task to its new quota.
    ///
    /// - Parameter spreads: for the `uncertainty` rule, the committee's energy spread per atom
    ///   of each of the `size` conformations (eV/atom); ignored by `balanced`.
    /// - Precondition: `spreads.count == size` under the `uncertainty` rule.
    public mutating func add(taskOfSize size: Int, spreads: [Double] = []) {
        let task = taskCount
        taskSizes.append(size)
        let scores: [Double]
        switch rule {
        case .balanced:
            var order = Array(0..<size)
            var g = SeededGenerator(seed: seed &+ UInt64(task))
            g.shuffle(&order)
            var s = [Double](repeating: 0, count: size)
            for (position, index) in order.enumerated() { s[index] = -Double(position) }
            scores = s
        case .uncertainty:
            precondition(spreads.count == size, "the uncertainty rule needs one spread per conformation")
            scores = spreads.map { $0.isFinite ? $0 : -.infinity }
        }
        entries += (0..<size).map { Entry(task: task, index: $0, score: scores[$0]) }
        let k = taskCount
        var kept: [Entry] = []
        for t in 0..<k {
            let mine = entries.filter { $0.task == t }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
            kept += mine.prefix(quota(of: t, taskCount: k))
        }
        entries = kept
    }

    /// Kept indices of the task at `position` (ordered by decreasing score).
    public func indices(ofTask position: Int) -> [Int] {
        entries.filter { $0.task == position }.map(\.index)
    }
}
