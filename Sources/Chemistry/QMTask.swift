/// A level of theory: the electronic-structure method (and basis) that produced the labels.
///
/// `name` is the label used across MetaMLIP (e.g. "wb97x_dz", "MP2/aug-cc-pVTZ",
/// "GFN2-xTB"); two tasks share a level exactly when their names are equal.
public struct LevelOfTheory: Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var name: String
    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }
    public var description: String { name }
}

/// Where a task's data came from: enough to find the file again and read the same items.
public struct TaskSource: Hashable, Sendable, Codable {
    /// Path of the source file as given by the user or recipe.
    public var path: String
    /// Reader format: "extxyz", "npz", "mlearn-json", "ani1x-hdf5", "pyanitools-hdf5",
    /// "ani2x-hdf5", "spice-hdf5", "metamlip-hdf5".
    public var format: String
    /// Units of the source before conversion (e.g. "Ha, Å").
    public var units: String
    /// The selection inside the file (a group, a method prefix, a config_type), if any.
    public var selector: String?

    public init(path: String, format: String, units: String, selector: String? = nil) {
        self.path = path
        self.format = format
        self.units = units
        self.selector = selector
    }
}

/// One learning task: the conformations of one (dataset, level of theory).
///
/// A task's energies are only comparable with each other; different tasks differ by
/// large offsets, which per-task `selfEnergies` remove (networks learn the residual).
public struct QMTask: Sendable, Equatable {
    /// Unique name inside a suite, e.g. "meuwly/ch2o@CCSD(T)".
    public var name: String
    public var levelOfTheory: LevelOfTheory
    public var source: TaskSource
    public var conformations: [Conformation]
    /// Energies (eV) of isolated atoms at this level, when the source provides them.
    public var isolatedAtomEnergies: [Int: Double]?
    /// Fitted or given one-body energies, once `prepare` has been called.
    public var selfEnergies: SelfEnergies?
    /// Free-form metadata (dataset citation, licence, notes).
    public var metadata: [String: String]

    public init(
        name: String, levelOfTheory: LevelOfTheory, source: TaskSource,
        conformations: [Conformation], isolatedAtomEnergies: [Int: Double]? = nil,
        selfEnergies: SelfEnergies? = nil, metadata: [String: String] = [:]
    ) {
        self.name = name
        self.levelOfTheory = levelOfTheory
        self.source = source
        self.conformations = conformations
        self.isolatedAtomEnergies = isolatedAtomEnergies
        self.selfEnergies = selfEnergies
        self.metadata = metadata
    }

    /// Sorted distinct atomic numbers present in the task.
    public var elements: [Int] {
        Array(Set(conformations.lazy.flatMap(\.atomicNumbers))).sorted()
    }

    /// Number of conformations that carry forces.
    public var forceCount: Int { conformations.lazy.filter { $0.forces != nil }.count }

    /// Fits self-energies (from isolated atoms when present and `preferIsolatedAtoms`,
    /// otherwise by least squares on element counts) and stores them in the task.
    public mutating func fitSelfEnergies(preferIsolatedAtoms: Bool = true) throws {
        if preferIsolatedAtoms, let iso = isolatedAtomEnergies,
           elements.allSatisfy({ iso[$0] != nil })
        {
            selfEnergies = SelfEnergies(isolatedAtoms: iso.filter { elements.contains($0.key) })
        } else {
            selfEnergies = try SelfEnergies.fit(conformations, task: name)
        }
    }
}

/// A collection of tasks with unique names.
public struct TaskSuite: Sendable, Equatable {
    public var name: String
    public private(set) var tasks: [QMTask]

    public init(name: String, tasks: [QMTask] = []) throws {
        self.name = name
        self.tasks = []
        for task in tasks { try append(task) }
    }

    /// Adds a task; throws when its name is already taken.
    public mutating func append(_ task: QMTask) throws {
        if tasks.contains(where: { $0.name == task.name }) {
            throw DataError(file: name, item: task.name, "duplicate task name in suite")
        }
        tasks.append(task)
    }

    /// The task named `name`, if any.
    public subscript(name: String) -> QMTask? { tasks.first { $0.name == name } }

    /// All levels of theory present, in order of first appearance.
    public var levels: [LevelOfTheory] {
        var seen = Set<LevelOfTheory>()
        return tasks.map(\.levelOfTheory).filter { seen.insert($0).inserted }
    }
}
