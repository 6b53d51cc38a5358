import Chemistry
import ChemistryHDF5

/// Dispatch of recipe sources to the HDF5 readers of `ChemistryHDF5`.
enum HDF5Sources {
    static func load(_ source: SuiteRecipe.Source, path: String, name: String) throws -> [QMTask] {
        throw DataError(file: path, "HDF5 readers are not wired yet")
    }
    static func detect(path: String) throws -> SourceFormat {
        throw DataError(file: path, "HDF5 readers are not wired yet")
    }
}

/// Writing suites to MetaMLIP's HDF5 format.
public enum SuiteFiles {
    public static func write(_ suite: TaskSuite, to path: String, recipe: String, location: DataLocation) throws {
        throw DataError(file: path, "HDF5 writer is not wired yet")
    }
}

/// Summaries for `data inspect`.
public enum DataInspection {
    public static func summaries(path: String, options: DataFileOpener.Options) throws -> [TaskSummary] {
        try DataFileOpener.open(path: path, options: options).map { task in
            var task = task
            try task.fitSelfEnergies()
            return TaskSummary(task)
        }
    }
}
