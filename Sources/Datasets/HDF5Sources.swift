import Chemistry
import ChemistryHDF5
import Foundation

/// Dispatch of recipe sources to the HDF5 readers of `ChemistryHDF5`.
enum HDF5Sources {
    /// The recipe format of each HDF5 layout.
    static func format(of layout: HDF5Layout) -> SourceFormat {
        switch layout {
        case .ani1x: .ani1xHDF5
        case .pyanitools: .pyanitoolsHDF5
        case .ani2x: .ani2xHDF5
        case .spice: .spiceHDF5
        case .metamlipSuite: .metamlipHDF5
        }
    }

    /// The recipe format of the HDF5 file at `path`, from its layout.
    static func detect(path: String) throws -> SourceFormat {
        format(of: try HDF5Layout.detect(file: path))
    }

    /// Reads an HDF5 source. Multi-level files give `name@level` tasks (suites: `name/task`);
    /// single-level layouts take the recipe's `level`.
    static func load(_ source: SuiteRecipe.Source, path: String, name: String) throws -> [QMTask] {
        let found = try detect(path: path)
        guard found == source.format else {
            throw DataError(file: path, "the recipe says format \(source.format.rawValue) but the file has the \(found.rawValue) layout")
        }
        var tasks: [QMTask]
        switch source.format {
        case .ani1xHDF5:
            tasks = try ANI1xReader.read(path, levels: source.levels)
            for i in tasks.indices { tasks[i].name = "\(name)@\(tasks[i].levelOfTheory.name)" }
        case .metamlipHDF5:
            tasks = try SuiteFile(path: path).loadSuite().tasks
            if let levels = source.levels { tasks.removeAll { !levels.contains($0.levelOfTheory.name) } }
            for i in tasks.indices { tasks[i].name = "\(name)/\(tasks[i].name)" }
            return tasks
        case .pyanitoolsHDF5, .ani2xHDF5, .spiceHDF5:
            tasks = try HDF5TaskReader.read(path, defaultLevel: source.level)
            if let level = source.level {
                for i in tasks.indices { tasks[i].levelOfTheory = LevelOfTheory(level) }
            }
            tasks = try mergeSameLevel(tasks, path: path)
            for i in tasks.indices {
                tasks[i].name = tasks.count == 1 ? name : "\(name)@\(tasks[i].levelOfTheory.name)"
            }
        default:
            throw DataError(file: path, "\(source.format.rawValue) is not an HDF5 format")
        }
        for i in tasks.indices { tasks[i].source.path = source.path }
        return tasks
    }

    /// Joins tasks that share a level of theory into one.
    private static func mergeSameLevel(_ tasks: [QMTask], path: String) throws -> [QMTask] {
        var merged: [QMTask] = []
        for task in tasks {
            if let k = merged.firstIndex(where: { $0.levelOfTheory == task.levelOfTheory }) {
                merged[k].conformations += task.conformations
            } else {
                merged.append(task)
            }
        }
        return merged
    }
}

/// Writing suites to MetaMLIP's HDF5 format, with the recipe as provenance.
public enum SuiteFiles {
    /// Writes `suite` atomically to `path`; the root `provenance` holds the recipe path and
    /// text, the data root and the creating tool.
    public static func write(_ suite: TaskSuite, to path: String, recipe: String, location: DataLocation) throws {
        var provenance = ["tool": "metamlip data build", "recipe_path": recipe, "data_root": location.root ?? ""]
        if let text = try? String(contentsOfFile: recipe, encoding: .utf8) { provenance["recipe"] = text }
        try SuiteWriter.write(suite, to: path, provenance: provenance)
    }
}

/// Summaries for `data inspect`: suites are read lazily (attributes only).
public enum DataInspection {
    public static func summaries(path: String, options: DataFileOpener.Options) throws -> [TaskSummary] {
        if options.format == nil || options.format == .metamlipHDF5,
           ["h5", "hdf5", "hdf"].contains(URL(fileURLWithPath: path).pathExtension.lowercased()),
           FileManager.default.fileExists(atPath: path),
           try DataFileOpener.detectFormat(path: path) == .metamlipHDF5
        {
            return try SuiteFile(path: path).taskInfos.map(TaskSummary.init)
        }
        return try DataFileOpener.open(path: path, options: options).map { task in
            var task = task
            try task.fitSelfEnergies()
            return TaskSummary(task)
        }
    }
}

extension TaskSummary {
    /// A summary from a suite file's task attributes, without reading conformations.
    public init(_ info: SuiteTaskInfo) {
        self.init(name: info.name, level: info.levelOfTheory.name,
                  elements: info.elements.map { Element.symbol(for: $0) },
                  conformations: info.conformationCount, withForces: info.forceCount,
                  energyRange: info.energyRange, sourceUnits: info.source.units,
                  nanEnergies: info.metadata["nan_energies"].flatMap { Int($0) },
                  selfEnergyOrigin: info.selfEnergies?.origin.rawValue)
    }
}
