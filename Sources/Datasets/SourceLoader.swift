import Chemistry
import ChemistrySQLite
import Foundation

/// Replaces a conformation's labels (energy, forces) by another level's; `label` names the
/// structure in a thrown `DataError`.
public typealias Relabeller = @Sendable (_ conformation: Conformation, _ label: String) throws -> Conformation

/// Reads one recipe source into tasks, with units converted and the source recorded.
public struct SourceLoader: Sendable {
    public var location: DataLocation
    /// The recipe file, named in errors.
    public var recipeFile: String
    public var seed: UInt64
    /// The relabellers a source's `relabel:` may name. Datasets knows none itself (it does
    /// not depend on the model stack); callers pass e.g. ClassicalPotentials'
    /// `StillingerWeber.relabellers`.
    public var relabellers: [String: Relabeller] = [:]

    public init(location: DataLocation, recipeFile: String, seed: UInt64 = 0) {
        self.location = location
        self.recipeFile = recipeFile
        self.seed = seed
    }

    /// Loads `source`; single-level formats give one task, multi-level formats one per level.
    /// Energies are in `energy_unit` (default eV), lengths in `length_unit` (default Å).
    /// - Throws: `DataError` naming the recipe and source when the file is missing or a unit
    ///   is unknown (`sources[i].energy_unit`), and the reader's `DataError` (naming the data
    ///   file and item) when its content is bad.
    public func load(_ source: SuiteRecipe.Source, index: Int) throws -> [QMTask] {
        let path = try location.path(of: source.path, recipe: recipeFile)
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(file: recipeFile, item: "sources[\(index)]",
                            "data file \(path) does not exist (data root: \(location.root ?? "unset"))")
        }
        // An unknown unit is an error naming the key, never a silent eV / Å.
        let energyUnit = try source.energyUnit.map {
            try EnergyUnit.parse($0, file: recipeFile, item: "sources[\(index)].energy_unit")
        } ?? .eV
        let lengthUnit = try source.lengthUnit.map {
            try LengthUnit.parse($0, file: recipeFile, item: "sources[\(index)].length_unit")
        } ?? .angstrom
        if source.format == .aseDB || source.format == .deepmd, lengthUnit != .angstrom {
            throw DataError(file: recipeFile, item: "sources[\(index)].length_unit",
                            "'\(lengthUnit.rawValue)': \(source.format.rawValue) data are in Å by the format's definition")
        }
        // A DeePMD system is a directory (system.000 is a name, not a stem and an extension).
        let stem = source.format == .deepmd ? URL(fileURLWithPath: path).lastPathComponent
            : URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let name = source.name ?? stem
        let units = "\(energyUnit.rawValue), \(lengthUnit.rawValue)"
        var tasks: [QMTask]
        switch source.format {
        case .extxyz:
            let reader = ExtendedXYZReader(
                energyKey: source.energyKey ?? "energy", forcesKey: source.forcesKey ?? "forces",
                energyUnit: energyUnit, lengthUnit: lengthUnit, configTypes: source.configTypes.map(Set.init))
            let contents = try reader.read(path: path)
            tasks = [task(name, source, path, units, contents.conformations, contents.isolatedAtomEnergies)]
        case .npz:
            let reader = PaddedNPZReader(energyUnit: energyUnit, lengthUnit: lengthUnit,
                                         energiesRelativeToFreeAtoms: source.energiesRelativeToFreeAtoms ?? false,
                                         energyUnitStated: source.energyUnit != nil, keys: source.npzKeys)
            let contents = try reader.read(path: path)
            var t = task(name, source, path, units, contents.conformations, contents.isolatedAtomEnergies)
            t.metadata["nan_energies"] = String(contents.skippedNaNEnergies)
            tasks = [t]
        case .mlearnJSON:
            tasks = [task(name, source, path, "eV, Å", try MLearnJSONReader().read(path: path), [:])]
        case .aseDB:
            if let forcesKey = source.forcesKey, forcesKey != "forces" {
                throw DataError(file: recipeFile, item: "sources[\(index)].forces_key",
                                "'\(forcesKey)': an ASE database holds forces only in the calculator's 'forces' column (name that, or none)")
            }
            let reader = ASEDatabaseReader(energyKey: source.energyKey, forcesFromCalculator: source.forcesKey == "forces",
                                           energyUnit: energyUnit)
            let contents = try reader.read(path: path)
            tasks = [task(name, source, path, units, contents.conformations, contents.isolatedAtomEnergies)]
        case .deepmd:
            let contents = try DeePMDSystemReader(energyUnit: energyUnit).read(path: path)
            tasks = [task(name, source, path, units, contents.conformations, [:])]
        case .ani1xHDF5, .pyanitoolsHDF5, .ani2xHDF5, .spiceHDF5, .metamlipHDF5:
            tasks = try HDF5Sources.load(source, path: path, name: name)
        }
        if let isoPath = source.isolatedAtoms {
            let iso = try ExtendedXYZReader(energyKey: source.energyKey ?? "energy", energyUnit: energyUnit)
                .read(path: try location.path(of: isoPath, recipe: recipeFile)).isolatedAtomEnergies
            for i in tasks.indices { tasks[i].isolatedAtomEnergies = (tasks[i].isolatedAtomEnergies ?? [:]).merging(iso) { $1 } }
        }
        for i in tasks.indices {
            if let origin = source.origin { tasks[i].metadata["origin"] = origin }
            if let symbols = source.elements {
                let allowed = Set(symbols.compactMap { Element(symbol: $0)?.atomicNumber })
                tasks[i].conformations.removeAll { !Set($0.atomicNumbers).isSubset(of: allowed) }
                tasks[i].metadata["element_filter"] = symbols.joined(separator: ",")
            }
            if let limit = source.maxConformations, tasks[i].conformations.count > limit {
                tasks[i].metadata["subsampled_from"] = String(tasks[i].conformations.count)
                tasks[i].conformations = Self.subsample(tasks[i].conformations, keep: limit,
                                                        seed: seed &+ UInt64(index) &* 0x9E37_79B9)
            }
            if tasks[i].conformations.isEmpty {
                throw DataError(file: path, item: tasks[i].name, "no conformations after selection")
            }
            if let name = source.relabel {
                guard let relabeller = relabellers[name] else {
                    throw DataError(file: recipeFile, item: "sources[\(index)].relabel",
                                    "unknown relabelling '\(name)' (known here: \(relabellers.keys.sorted().joined(separator: ", ")))")
                }
                let taskName = tasks[i].name
                tasks[i].conformations = try tasks[i].conformations.enumerated().map { k, c in
                    try relabeller(c, "\(path): \(taskName) conformation \(k)")
                }
                // The file's isolated-atom energies belong to the old level.
                tasks[i].isolatedAtomEnergies = nil
                tasks[i].metadata["relabelled"] = name
            }
        }
        return tasks
    }

    private func task(_ name: String, _ source: SuiteRecipe.Source, _ path: String, _ units: String,
                      _ conformations: [Conformation], _ iso: [Int: Double]) -> QMTask {
        QMTask(name: name, levelOfTheory: LevelOfTheory(source.level ?? "unknown"),
               source: TaskSource(path: source.path, format: source.format.rawValue, units: units,
                                  selector: source.configTypes?.joined(separator: ",")),
               conformations: conformations, isolatedAtomEnergies: iso.isEmpty ? nil : iso)
    }

    /// A seeded random subset of `keep` items, kept in their original order.
    static func subsample<T>(_ items: [T], keep: Int, seed: UInt64) -> [T] {
        var order = Array(items.indices)
        var rng = SeededGenerator(seed: seed)
        rng.shuffle(&order)
        return order.prefix(keep).sorted().map { items[$0] }
    }
}
