import Chemistry
import Dispatch
import Foundation

/// Builds a `TaskSuite` from a recipe: reads every source (in parallel), fits each task's
/// self-energies, and checks that task names are unique.
public struct SuiteBuilder {
    /// What a build did, for the user: per-source timing and counts.
    public struct Report: Sendable {
        public struct Entry: Sendable {
            public var source: String
            public var tasks: [String]
            public var conformations: Int
            public var seconds: Double
        }
        public var entries: [Entry]
        public var seconds: Double
        public var conformations: Int { entries.reduce(0) { $0 + $1.conformations } }
    }

    public var recipe: SuiteRecipe
    public var recipeFile: String
    public var location: DataLocation
    /// The relabellers sources may name with `relabel:` (see ``SourceLoader/relabellers``).
    public var relabellers: [String: Relabeller] = [:]

    /// Loads the recipe at `path` and resolves its data root.
    public init(recipePath path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let recipe = try SuiteRecipe.load(path: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        self.init(recipe: recipe, recipeFile: path,
                  location: DataLocation.resolve(explicit: recipe.dataRoot, relativeTo: directory, environment: environment))
    }

    public init(recipe: SuiteRecipe, recipeFile: String, location: DataLocation) {
        self.recipe = recipe
        self.recipeFile = recipeFile
        self.location = location
    }

    /// Every file the suite is built from (the recipe, each source and isolated-atom file),
    /// label (as the recipe names it) → resolved path, for run fingerprints.
    public func inputFiles() throws -> [String: String] {
        var files = ["recipe": recipeFile]
        for source in recipe.sources {
            files[source.path] = try location.path(of: source.path, recipe: recipeFile)
            if let iso = source.isolatedAtoms { files[iso] = try location.path(of: iso, recipe: recipeFile) }
        }
        return files
    }

    /// Reads all sources and returns the prepared suite.
    public func build() throws -> (suite: TaskSuite, report: Report) {
        let start = DispatchTime.now()
        var loader = SourceLoader(location: location, recipeFile: recipeFile, seed: recipe.seed)
        loader.relabellers = relabellers
        let sources = recipe.sources
        var results = [Result<([QMTask], Double), Error>?](repeating: nil, count: sources.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: sources.count) { i in
            let t0 = DispatchTime.now()
            let result = Result { () throws -> ([QMTask], Double) in
                var tasks = try loader.load(sources[i], index: i)
                for j in tasks.indices {
                    try tasks[j].fitSelfEnergies(preferIsolatedAtoms: recipe.selfEnergies == .isolatedAtomsOrLeastSquares)
                }
                return (tasks, Self.seconds(since: t0))
            }
            lock.lock(); results[i] = result; lock.unlock()
        }
        var suite = try TaskSuite(name: recipe.suite)
        var entries: [Report.Entry] = []
        for (i, result) in results.enumerated() {
            let (tasks, seconds) = try result!.get()
            for task in tasks {
                if suite[task.name] != nil {
                    throw DataError(file: recipeFile, item: "sources[\(i)]",
                                    "task name '\(task.name)' is used twice; give the source a distinct 'name'")
                }
                try suite.append(task)
            }
            entries.append(.init(source: sources[i].path, tasks: tasks.map(\.name),
                                 conformations: tasks.reduce(0) { $0 + $1.conformations.count }, seconds: seconds))
        }
        return (suite, Report(entries: entries, seconds: Self.seconds(since: start)))
    }

    static func seconds(since t0: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
    }
}
