import Chemistry
import Foundation

/// The HDF5 layouts MetaMLIP reads.
public enum HDF5Layout: String, Sendable, CaseIterable {
    /// ANI-1x/ANI-1ccx release: `/<formula>/{atomic_numbers, coordinates, <level>.energy}`.
    case ani1x
    /// Legacy pyanitools/COMP6: molecule groups with `species` (byte strings), `coordinates`, `energies`.
    case pyanitools
    /// TorchANI (ANI-2x): `/<n>/{species (Nc, Na), coordinates, energies, forces}`.
    case ani2x
    /// SPICE: `/<id>/{atomic_numbers, conformations, dft_total_energy, dft_total_gradient}`.
    case spice
    /// MetaMLIP's task-suite format (root attribute `format` = "metamlip-suite").
    case metamlipSuite

    /// The `TaskSource.format` string of tasks read from this layout.
    public var format: String {
        switch self {
        case .ani1x: ANI1xReader.format
        case .pyanitools: PyANIToolsReader.format
        case .ani2x: ANI2xReader.format
        case .spice: SPICEReader.format
        case .metamlipSuite: SuiteFile.sourceFormat
        }
    }

    /// Tells which layout `file` has, by looking at the root attributes and the first
    /// group that holds datasets (a depth-first walk).
    ///
    /// - Throws: `DataError` for a missing or non-HDF5 file, and "no known HDF5 layout"
    ///   when nothing matches.
    public static func detect(file path: String) throws -> HDF5Layout {
        let file = try HDF5File.open(path)
        let root = try file.root()
        if root.hasAttribute("format"), (try? root.readStringAttribute("format")) == SuiteFile.formatName {
            return .metamlipSuite
        }
        guard let group = try firstGroupWithDatasets(root) else {
            throw DataError(file: path, item: "/", "no known HDF5 layout: no group holds datasets")
        }
        let names = Set(try group.datasetNames())
        if names.contains("conformations"), names.contains("dft_total_energy") { return .spice }
        if names.contains("atomic_numbers"), names.contains("coordinates"),
           names.contains(where: { $0.hasSuffix(".energy") }) { return .ani1x }
        if names.isSuperset(of: ["species", "coordinates", "energies"]) {
            return try group.dataset("species").shape.count == 2 ? .ani2x : .pyanitools
        }
        throw DataError(file: path, item: group.path,
                        "no known HDF5 layout (ANI-1x, pyanitools, ANI-2x, SPICE, metamlip-suite) matches the datasets "
                            + names.sorted().joined(separator: ", "))
    }

    private static func firstGroupWithDatasets(_ group: HDF5Group) throws -> HDF5Group? {
        let members = try group.members()
        if group.path != "/", members.contains(where: { $0.kind == .dataset }) { return group }
        for (name, kind) in members where kind == .group {
            if let found = try firstGroupWithDatasets(group.group(name)) { return found }
        }
        return nil
    }
}

/// Reads any supported HDF5 file into tasks, detecting its layout.
public enum HDF5TaskReader {
    /// Reads `path` (layout from `HDF5Layout.detect`), in eV, Å and eV/Å.
    ///
    /// - Parameters:
    ///   - levels: keep only these levels of theory (in this order); each must be present
    ///     with finite energies, else `DataError`.
    ///   - defaultLevel: level name for layouts that do not record one (pyanitools without
    ///     `lot`, ANI-2x, SPICE); `nil` uses each reader's default.
    public static func read(_ path: String, levels: [String]? = nil, defaultLevel: String? = nil) throws -> [QMTask] {
        let layout = try HDF5Layout.detect(file: path)
        let tasks: [QMTask]
        switch layout {
        case .ani1x: return try ANI1xReader.read(path, levels: levels)
        case .pyanitools: tasks = try PyANIToolsReader.read(path, level: defaultLevel ?? "wb97x_631gd")
        case .ani2x: tasks = try ANI2xReader.read(path, level: defaultLevel ?? "wb97x_631gd")
        case .spice: tasks = try SPICEReader.read(path, level: defaultLevel ?? "wb97m-d3bj_def2-tzvppd")
        case .metamlipSuite: tasks = try SuiteFile(path: path).loadSuite().tasks
        }
        guard let levels else { return tasks }
        for level in levels where !tasks.contains(where: { $0.levelOfTheory.name == level }) {
            throw DataError(file: path, "level \(level) not found (levels in file: "
                                + tasks.map(\.levelOfTheory.name).joined(separator: ", ") + ")")
        }
        return levels.flatMap { level in tasks.filter { $0.levelOfTheory.name == level } }
    }
}
