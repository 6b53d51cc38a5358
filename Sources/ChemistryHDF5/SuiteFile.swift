import Chemistry
import Foundation

/// What a suite file says about one task without reading its conformations.
public struct SuiteTaskInfo: Sendable, Equatable {
    public var name: String
    public var levelOfTheory: LevelOfTheory
    public var source: TaskSource
    /// Number of conformations Nc.
    public var conformationCount: Int
    /// Conformations that carry forces.
    public var forceCount: Int
    /// Total atoms over all conformations.
    public var atomCount: Int
    /// Sorted distinct atomic numbers.
    public var elements: [Int]
    /// Lowest and highest total energy (eV); `nil` for a task without conformations.
    public var energyRange: ClosedRange<Double>?
    public var metadata: [String: String]
    /// The task's self-energies, when the suite stores them.
    public var selfEnergies: SelfEnergies?
    /// HDF5 path of the task group, e.g. "/tasks/ani1_n5@wb97x_dz".
    public var groupPath: String
}

/// A MetaMLIP task-suite file opened lazily (`docs/suite-format.md`).
///
/// Opening reads only attributes: the suite's name, provenance and `taskInfos`.
/// Conformations are read by `loadTask(named:)` / `loadSuite()`. The file stays open
/// while this object lives.
public final class SuiteFile: @unchecked Sendable {
    /// Value of the root attribute `format`.
    public static let formatName = "metamlip-suite"
    /// The format version this code writes and reads.
    public static let formatVersion = 1
    /// `TaskSource.format` of the suite format itself.
    public static let sourceFormat = "metamlip-hdf5"

    public let path: String
    /// Suite name (root attribute `name`).
    public let name: String
    public let version: Int
    /// ISO 8601 creation time.
    public let created: String
    /// Units statement, "eV, Å, eV/Å".
    public let units: String
    /// Caller-given provenance (root attribute `provenance`, JSON).
    public let provenance: [String: String]
    /// One entry per task, in the order they were written.
    public let taskInfos: [SuiteTaskInfo]
    private let file: HDF5File

    /// Opens `path` and reads the task list.
    ///
    /// - Throws: `DataError` for a non-HDF5 file, a wrong `format`, an unsupported
    ///   `format_version`, or missing task attributes.
    public init(path: String) throws {
        let file = try HDF5File.open(path)
        let root = try file.root()
        guard root.hasAttribute("format"), try root.readStringAttribute("format") == Self.formatName else {
            throw DataError(file: path, item: "/@format", "not a \(Self.formatName) file")
        }
        let version: Int = try root.readScalarAttribute("format_version")
        guard version == Self.formatVersion else {
            throw DataError(file: path, item: "/@format_version",
                            "unsupported format version \(version) (this build reads \(Self.formatVersion))")
        }
        self.path = path
        self.file = file
        self.version = version
        self.name = try root.readStringAttribute("name")
        self.created = root.hasAttribute("created") ? try root.readStringAttribute("created") : ""
        self.units = root.hasAttribute("units") ? try root.readStringAttribute("units") : ""
        self.provenance = root.hasAttribute("provenance")
            ? try SuiteJSON.decode([String: String].self, root.readStringAttribute("provenance"), file: path, item: "/@provenance")
            : [:]
        let tasks = try root.group("tasks")
        self.taskInfos = try tasks.subgroupNames().map { try Self.info(of: tasks.group($0), file: path) }
    }

    /// The info of the task named `name`, if any.
    public func info(named name: String) -> SuiteTaskInfo? { taskInfos.first { $0.name == name } }

    /// Task names in order.
    public var taskNames: [String] { taskInfos.map(\.name) }

    /// The HDF5 group name of a task: its name with "%" → "%25" and "/" → "%2F"
    /// (and a name "." → "%2E"), since "/" separates HDF5 path components.
    public static func groupName(for taskName: String) -> String {
        let escaped = taskName.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
        return escaped == "." ? "%2E" : escaped
    }

    private static func info(of group: HDF5Group, file: String) throws -> SuiteTaskInfo {
        func string(_ key: String) throws -> String { try group.readStringAttribute(key) }
        func int(_ key: String) throws -> Int { try group.readScalarAttribute(key) }
        var range: ClosedRange<Double>?
        if group.hasAttribute("energy_min"), group.hasAttribute("energy_max") {
            let low: Double = try group.readScalarAttribute("energy_min")
            let high: Double = try group.readScalarAttribute("energy_max")
            if low <= high { range = low...high }
        }
        let elements: [Int] = try group.readAttribute("elements")
        if let bad = elements.first(where: { Element(atomicNumber: $0) == nil }) {
            throw group.error("unknown element with atomic number \(bad) (elements are 1…118)", item: "\(group.path)@elements")
        }
        return SuiteTaskInfo(
            name: try string("name"),
            levelOfTheory: LevelOfTheory(try string("level_of_theory")),
            source: TaskSource(path: try string("source_path"), format: try string("source_format"),
                               units: try string("source_units"),
                               selector: group.hasAttribute("source_selector") ? try string("source_selector") : nil),
            conformationCount: try int("conformation_count"),
            forceCount: try int("force_count"),
            atomCount: group.hasAttribute("atom_count") ? try int("atom_count") : -1,
            elements: elements,
            energyRange: range,
            metadata: group.hasAttribute("metadata")
                ? try SuiteJSON.decode([String: String].self, string("metadata"), file: file, item: "\(group.path)@metadata")
                : [:],
            selfEnergies: group.hasAttribute("self_energies")
                ? try SuiteJSON.decode(SelfEnergies.self, string("self_energies"), file: file, item: "\(group.path)@self_energies")
                : nil,
            groupPath: group.path)
    }

    /// Reads one task with all its conformations.
    ///
    /// - Throws: `DataError` "no task named X", naming the dataset whose shape does not
    ///   match `conformation_count` / `atom_offsets`, an `atomic_numbers` entry that is not an
    ///   element 1…118 (with its index, conformation and atom), or a conformation that fails
    ///   `Conformation.validate` (no atoms, non-finite values).
    public func loadTask(named name: String) throws -> QMTask {
        guard let info = info(named: name) else {
            throw DataError(file: path, item: "/tasks", "no task named '\(name)' (tasks: \(taskNames.joined(separator: ", ")))")
        }
        let group = try file.group(info.groupPath)
        let nc = info.conformationCount

        let offsetData = try group.dataset("atom_offsets")
        try offsetData.requireShape([nc + 1], "\(nc) conformations + 1")
        let offsets = try offsetData.readInts()
        guard offsets.first == 0, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw offsetData.error("offsets must start at 0 and never decrease")
        }
        let totalAtoms = offsets.last ?? 0
        let numberData = try group.dataset("atomic_numbers")
        try numberData.requireShape([totalAtoms], "atom_offsets' total")
        let numbers = try ReaderSupport.wholeNumbers(numberData)
        if let i = numbers.firstIndex(where: { Element(atomicNumber: $0) == nil }) {
            let c = offsets.dropLast().lastIndex(where: { $0 <= i }) ?? 0
            throw numberData.error("unknown element with atomic number \(numbers[i]) (index \(i): conformation \(c), atom \(i - offsets[c]); elements are 1…118)")
        }
        let positionData = try group.dataset("positions")
        try positionData.requireShape([totalAtoms, 3], "atom_offsets' total")
        let positions = try positionData.readDoubles()
        let energyData = try group.dataset("energies")
        try energyData.requireShape([nc], "conformation_count")
        let energies = try energyData.readDoubles()

        var forces: [Double]?, hasForces: [UInt8]?
        if let forceData = try group.datasetIfPresent("forces") {
            try forceData.requireShape([totalAtoms, 3], "atom_offsets' total")
            forces = try forceData.readDoubles()
            let maskData = try group.dataset("has_forces")
            try maskData.requireShape([nc], "conformation_count")
            hasForces = try maskData.read(as: UInt8.self)
        }
        var cells: [Double]?, pbc: [UInt8]?, hasCell: [UInt8]?
        if let cellData = try group.datasetIfPresent("cells") {
            try cellData.requireShape([nc, 3, 3], "conformation_count")
            cells = try cellData.readDoubles()
            let pbcData = try group.dataset("pbc")
            try pbcData.requireShape([nc, 3], "conformation_count")
            pbc = try pbcData.read(as: UInt8.self)
            let maskData = try group.dataset("has_cell")
            try maskData.requireShape([nc], "conformation_count")
            hasCell = try maskData.read(as: UInt8.self)
        }
        var properties: [String]?
        if let propertyData = try group.datasetIfPresent("properties") {
            try propertyData.requireShape([nc], "conformation_count")
            properties = try propertyData.readStrings()
        }

        func vectors(_ flat: [Double], _ range: Range<Int>) -> [SIMD3<Double>] {
            range.map { SIMD3(flat[3 * $0], flat[3 * $0 + 1], flat[3 * $0 + 2]) }
        }
        var conformations: [Conformation] = []
        conformations.reserveCapacity(nc)
        for c in 0..<nc {
            let atoms = offsets[c]..<offsets[c + 1]
            var conf = Conformation(atomicNumbers: Array(numbers[atoms]), positions: vectors(positions, atoms),
                                    energy: energies[c])
            if let forces, hasForces![c] != 0 { conf.forces = vectors(forces, atoms) }
            if let cells, hasCell![c] != 0 {
                conf.cell = Cell(vectors: vectors(cells, (3 * c)..<(3 * c + 3)),
                                 periodic: (0..<3).map { pbc![3 * c + $0] != 0 })
            }
            if let properties {
                conf.properties = try SuiteJSON.decode([String: String].self, properties[c], file: path,
                                                       item: "\(group.path)/properties[\(c)]")
            }
            try conf.validate(file: path, item: "\(group.path)[\(c)]")
            conformations.append(conf)
        }

        var task = QMTask(name: info.name, levelOfTheory: info.levelOfTheory, source: info.source,
                          conformations: conformations, metadata: info.metadata)
        if group.hasAttribute("self_energies") {
            task.selfEnergies = try SuiteJSON.decode(SelfEnergies.self, group.readStringAttribute("self_energies"),
                                                     file: path, item: "\(group.path)@self_energies")
        }
        if group.hasAttribute("isolated_atom_energies") {
            task.isolatedAtomEnergies = try SuiteJSON.decode(
                [Int: Double].self, group.readStringAttribute("isolated_atom_energies"),
                file: path, item: "\(group.path)@isolated_atom_energies")
        }
        return task
    }

    /// Reads every task, in file order.
    public func loadSuite() throws -> TaskSuite {
        try TaskSuite(name: name, tasks: taskInfos.map { try loadTask(named: $0.name) })
    }
}
