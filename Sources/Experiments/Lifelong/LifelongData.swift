// The task stream of a lifelong study: tasks read from a recipe, split per task, prepared
// for one potential with one shared set of self-energies.

import Foundation
import Chemistry
import Datasets
import Potentials
import Training

/// One task of the stream, split into fixed training, validation and test sets.
public struct StreamTask: Sendable {
    public var name: String
    /// Conformations drawn for training (`split.train`), validation and test.
    public var train: [Conformation], validation: [Conformation], test: [Conformation]
    /// Elements of the task (atomic numbers, sorted).
    public var elements: [Int] { Array(Set((train + test).flatMap(\.atomicNumbers))).sorted() }
}

/// The stream prepared for a potential: per task the three `FittingSet`s with the shared
/// self-energies (residual targets E − Σ e_self[Z]).
struct PreparedStream {
    var tasks: [StreamTask]
    var train: [FittingSet], validation: [FittingSet], test: [FittingSet]
    var selfEnergies: SelfEnergies
}

extension LifelongManifest {
    /// Reads the stream's tasks from the recipe (only the sources that give them), drops
    /// conformations with a force component above `split.max_force`, and splits each with `SeededGenerator(seed: split.seed &+ position)`: the first `test` indices of
    /// the permutation are the test set, the next `validation` the validation set, the next
    /// `train` the training set.
    ///
    /// - Throws: `DataError` naming `stream[i]` for a task the recipe lacks or one too small
    ///   for the split, or the recipe's own errors.
    func loadStream(manifestPath: String, log: (String) -> Void) throws -> [StreamTask] {
        let location = dataRoot.map {
            DataLocation.resolve(explicit: $0, relativeTo: URL(fileURLWithPath: manifestPath).deletingLastPathComponent().path)
        }
        var (builder, recipePath) = try studySuiteBuilder(recipe: recipe, manifestPath: manifestPath, location: location)
        // Read only the sources that can give a stream task (single-level by name,
        // multi-level as name@level).
        let wanted = Set(stream)
        builder.recipe.sources = builder.recipe.sources.filter { source in
            let name = source.name ?? URL(fileURLWithPath: source.path).deletingPathExtension().lastPathComponent
            return wanted.contains(name) || wanted.contains { $0.hasPrefix(name + "@") }
        }
        guard !builder.recipe.sources.isEmpty else {
            throw DataError(file: manifestPath, item: "stream[0]", "no source of \(recipePath) gives task '\(stream[0])'")
        }
        let (suite, report) = try builder.build()
        log(String(format: "stream read from %@: %d conformations in %.1f s", recipePath, report.conformations, report.seconds))
        let n = split.train + (split.validation ?? 0) + split.test
        return try stream.enumerated().map { position, name in
            guard let task = suite[name] else {
                throw DataError(file: manifestPath, item: "stream[\(position)]",
                                "no task '\(name)' in \(recipePath) (tasks read: \(suite.tasks.map(\.name).joined(separator: ", ")))")
            }
            var all = task.conformations
            if let limit = split.maxForce {
                all = all.filter { c in c.forces.map { f in f.allSatisfy { Swift.max(abs($0.x), abs($0.y), abs($0.z)) <= limit } } ?? true }
                if all.count < task.conformations.count {
                    log("  \(name): \(task.conformations.count - all.count) of \(task.conformations.count) conformations have a force component above \(limit) eV/Å, dropped")
                }
            }
            guard all.count >= n else {
                throw DataError(file: manifestPath, item: "stream[\(position)]",
                                "task '\(name)' has \(all.count) conformations; the split needs \(n)")
            }
            if loss?.forceWeight ?? LossSettings.defaultForceWeight > 0, let missing = all.firstIndex(where: { $0.forces == nil }) {
                throw DataError(file: manifestPath, item: "stream[\(position)]",
                                "conformation \(missing) of '\(name)' has no forces, but the loss has a force term")
            }
            var order = Array(all.indices)
            var g = SeededGenerator(seed: (split.seed ?? 0) &+ UInt64(position))
            g.shuffle(&order)
            let v = split.validation ?? 0
            return StreamTask(name: name,
                              train: order.dropFirst(split.test + v).prefix(split.train).map { all[$0] },
                              validation: order.dropFirst(split.test).prefix(v).map { all[$0] },
                              test: order.prefix(split.test).map { all[$0] })
        }
    }
}

extension PreparedStream {
    /// Fits the shared self-energies by least squares on every task's *training* split
    /// (one level of theory, so one set serves all tasks; see the manifest docs for the
    /// choice) and prepares the sets for `potential` (which must know every element).
    static func selfEnergies(of tasks: [StreamTask]) throws -> SelfEnergies {
        try SelfEnergies.fit(tasks.flatMap(\.train), task: "stream training data")
    }

    init(tasks: [StreamTask], potential: any AtomisticPotential, requireForces: Bool) throws {
        self.tasks = tasks
        selfEnergies = potential.selfEnergies
        func set(_ conformations: [Conformation], _ name: String, _ label: String) throws -> FittingSet {
            try FittingSet([FittingSet.Part(name: name, conformations: conformations, selfEnergies: potential.selfEnergies)],
                           potential: potential, requireForces: requireForces, label: "\(name) \(label)")
        }
        train = try tasks.map { try set($0.train, $0.name, "training") }
        validation = try tasks.map { try set($0.validation, $0.name, "validation") }
        test = try tasks.map { try set($0.test, $0.name, "test") }
    }
}
