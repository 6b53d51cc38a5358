import Chemistry
import Foundation

/// A recipe for a task suite: which files to read, with which reader options, and the
/// level-of-theory label of each. Lives as YAML under `datasets/`.
///
///     suite: chno-pretraining
///     description: Mixed-theory CHNO pool.
///     seed: 0
///     sources:
///       - name: meuwly/ch2o
///         path: meuwly/ch2o_cc_avtz_3601.npz
///         format: npz
///         level: CCSD(T)/aug-cc-pVTZ
///         energies_relative_to_free_atoms: true
///       - path: ani-hdf5/ani1_n5.hdf5
///         format: ani1x-hdf5          # one task per level found, composites included
///       - name: ani1x-mp2
///         path: ani-hdf5/ani1_n5.hdf5
///         format: ani1x-hdf5
///         levels: [mp2_tz]            # only MP2/TZ = hf_tz.energy + mp2_tz.corr_energy
///
/// Unknown keys are an error (a typo must not be silently ignored; see `YAMLDocument`).
public struct SuiteRecipe: Codable, Equatable, Sendable {
    public var suite: String
    public var description: String?
    /// Overrides the data root (see `DataLocation`); relative to the recipe's directory.
    public var dataRoot: String?
    /// Seed for `max_conformations` subsampling.
    public var seed: UInt64
    /// How self-energies are obtained for every task.
    public var selfEnergies: SelfEnergyPolicy
    public var sources: [Source]

    public enum SelfEnergyPolicy: String, Codable, Sendable {
        /// Isolated-atom energies when the source gives them for every element, else least squares.
        case isolatedAtomsOrLeastSquares = "isolated-atoms-or-least-squares"
        /// Always least squares on element counts.
        case leastSquares = "least-squares"
    }

    /// One source file and how to read it.
    public struct Source: Codable, Equatable, Sendable {
        /// Task name; for multi-level formats the level is appended (`name@level`).
        /// Defaults to the file's stem.
        public var name: String?
        /// Path relative to the data root, or absolute.
        public var path: String
        /// Reader: extxyz, npz, mlearn-json, ani1x-hdf5, pyanitools-hdf5, ani2x-hdf5,
        /// spice-hdf5, metamlip-hdf5.
        public var format: SourceFormat
        /// Level-of-theory label; required for single-level formats, refused for
        /// multi-level ones (use `levels`).
        public var level: String?
        /// For multi-level files: keep only these levels, in this order. For `ani1x-hdf5`
        /// these are stored levels (`wb97x_dz`, `ccsd(t)_cbs`, `hf_tz`, …) or composite
        /// ones formed as HF + correlation energy (`mp2_tz`, `npno_ccsd(t)_dz`, …; see
        /// `ANI1xReader`); a level missing from the file is an error listing those present.
        public var levels: [String]?
        public var energyKey: String?
        public var forcesKey: String?
        public var energyUnit: String?
        public var lengthUnit: String?
        /// extxyz: keep only frames with these `config_type`s.
        public var configTypes: [String]?
        /// extxyz file with isolated atoms at the same level (eV, or `energy_unit`).
        public var isolatedAtoms: String?
        /// npz: energies are relative to free atoms (isolated-atom energies are then 0).
        public var energiesRelativeToFreeAtoms: Bool?
        /// Keep only conformations made entirely of these element symbols.
        public var elements: [String]?
        /// Keep at most this many conformations (a seeded random subset, in file order).
        public var maxConformations: Int?
        /// Free-form provenance (origin repository, licence, citation).
        public var origin: String?
        /// Replace every kept conformation's energy and forces by a named classical
        /// potential's at load time (e.g. `sw-si`; see ``SourceLoader/relabellers``), so a
        /// recipe can describe classical data without a generated file. `level` then names
        /// the classical level (e.g. `SW`).
        public var relabel: String?
        /// npz: the arrays of a one-molecule file whose key names are neither sGDML/MD17's
        /// nor rMD17's, e.g. `npz_keys: {numbers: Z, positions: xyz, energy: E, forces: F}`
        /// (``NPZKeys``; `forces` optional). Needs `energy_unit`.
        public var npzKeys: NPZKeys?
    }

    enum CodingKeys: String, CodingKey {
        case suite, description, dataRoot = "data_root", seed, selfEnergies = "self_energies", sources
    }

    public init(suite: String, description: String? = nil, dataRoot: String? = nil, seed: UInt64 = 0,
                selfEnergies: SelfEnergyPolicy = .isolatedAtomsOrLeastSquares, sources: [Source]) {
        self.suite = suite
        self.description = description
        self.dataRoot = dataRoot
        self.seed = seed
        self.selfEnergies = selfEnergies
        self.sources = sources
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        suite = try c.decode(String.self, forKey: .suite)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        dataRoot = try c.decodeIfPresent(String.self, forKey: .dataRoot)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        selfEnergies = try c.decodeIfPresent(SelfEnergyPolicy.self, forKey: .selfEnergies) ?? .isolatedAtomsOrLeastSquares
        sources = try c.decode([Source].self, forKey: .sources)
    }

    /// Reads and validates a recipe file.
    /// - Throws: `DataError` naming the file and the offending key or source.
    public static func load(path: String) throws -> SuiteRecipe {
        let recipe = try YAMLDocument.load(SuiteRecipe.self, path: path)
        try recipe.validate(file: path)
        return recipe
    }

    /// Checks what decoding cannot: names, required levels, units, counts.
    public func validate(file: String) throws {
        guard !sources.isEmpty else { throw DataError(file: file, item: "sources", "no sources listed") }
        for (i, s) in sources.enumerated() {
            let item = "sources[\(i)] (\(s.path))"
            if !s.format.isMultiLevel && (s.level ?? "").isEmpty {
                throw DataError(file: file, item: item, "format \(s.format.rawValue) needs a 'level'")
            }
            // A multi-level file names its own levels; `level` would be ignored, not a filter.
            if s.format.isMultiLevel, let level = s.level {
                throw DataError(file: file, item: "\(item).level",
                                "format \(s.format.rawValue) records a level per task; select levels with 'levels: [\(level)]'")
            }
            if let u = s.energyUnit, EnergyUnit(parsing: u) == nil {
                throw DataError(file: file, item: "\(item).energy_unit", "unknown energy unit '\(u)' (accepted: \(EnergyUnit.acceptedSpellings))")
            }
            if let u = s.lengthUnit, LengthUnit(parsing: u) == nil {
                throw DataError(file: file, item: "\(item).length_unit", "unknown length unit '\(u)' (accepted: \(LengthUnit.acceptedSpellings))")
            }
            if let unknown = s.elements?.first(where: { Element(symbol: $0) == nil }) {
                throw DataError(file: file, item: item, "unknown element '\(unknown)' in elements")
            }
            if s.npzKeys != nil, s.format != .npz {
                throw DataError(file: file, item: "\(item).npz_keys", "applies to npz sources only, this one is \(s.format.rawValue)")
            }
            if s.npzKeys != nil, s.energyUnit == nil {
                throw DataError(file: file, item: "\(item).energy_unit", "an npz source read with npz_keys records no energy unit MetaMLIP reads: state energy_unit")
            }
            if let m = s.maxConformations, m <= 0 {
                throw DataError(file: file, item: item, "max_conformations must be positive")
            }
        }
    }
}

extension SuiteRecipe.Source {
    enum CodingKeys: String, CodingKey {
        case name, path, format, level, levels, origin
        case energyKey = "energy_key", forcesKey = "forces_key", energyUnit = "energy_unit"
        case lengthUnit = "length_unit", configTypes = "config_types", isolatedAtoms = "isolated_atoms"
        case energiesRelativeToFreeAtoms = "energies_relative_to_free_atoms"
        case maxConformations = "max_conformations", elements, relabel
        case npzKeys = "npz_keys"
    }

    public init(name: String? = nil, path: String, format: SourceFormat, level: String? = nil) {
        self.name = name
        self.path = path
        self.format = format
        self.level = level
    }
}

/// The readers a recipe can name.
public enum SourceFormat: String, Codable, Sendable, CaseIterable {
    case extxyz, npz
    case mlearnJSON = "mlearn-json"
    case ani1xHDF5 = "ani1x-hdf5"
    case pyanitoolsHDF5 = "pyanitools-hdf5"
    case ani2xHDF5 = "ani2x-hdf5"
    case spiceHDF5 = "spice-hdf5"
    case metamlipHDF5 = "metamlip-hdf5"
    /// ASE SQLite database (`.db`, ``ASEDatabaseReader``).
    case aseDB = "db"
    /// DeePMD-kit system directory (`type.raw`, `type_map.raw`, `set.*/*.npy`; ``DeePMDSystemReader``).
    case deepmd

    /// Formats whose files can hold several levels of theory (one task per level).
    public var isMultiLevel: Bool { self == .ani1xHDF5 || self == .metamlipHDF5 }
}
