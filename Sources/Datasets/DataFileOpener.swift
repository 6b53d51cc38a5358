import Chemistry
import ChemistrySQLite
import Foundation

/// Opens any readable data file for inspection or evaluation, choosing the reader from
/// the file's extension (and, for HDF5, from its layout).
public enum DataFileOpener {
    /// Reader options a user may give on the command line (or a manifest names).
    public struct Options: Sendable {
        /// The reader; `nil` tells it from the extension and the HDF5 layout.
        public var format: SourceFormat?
        /// Level-of-theory label; `nil` keeps what the file records (see ``open(path:options:)``).
        public var level: String?
        /// extxyz: the comment-line key of the energy; `nil` guesses (``ExtendedXYZLabelKeys``).
        public var energyKey: String?
        /// extxyz: the per-atom column of the forces; `nil` follows the energy key.
        public var forcesKey: String?
        /// Energy unit of the file (``EnergyUnit/acceptedSpellings``); `nil` is eV. Unknown is an error.
        public var energyUnit: String?
        /// npz: the arrays of a one-molecule file with other key names (``NPZKeys``); needs
        /// `energyUnit`. Refused for other formats.
        public var npzKeys: NPZKeys?
        public init(format: SourceFormat? = nil, level: String? = nil, energyKey: String? = nil,
                    forcesKey: String? = nil, energyUnit: String? = nil, npzKeys: NPZKeys? = nil) {
            self.format = format
            self.level = level
            self.energyKey = energyKey
            self.forcesKey = forcesKey
            self.energyUnit = energyUnit
            self.npzKeys = npzKeys
        }
    }

    /// The reader format for `path`: a directory with `type.raw` is a DeePMD-kit system; a
    /// file's format comes from its extension, or from its HDF5 layout.
    public static func detectFormat(path: String) throws -> SourceFormat {
        if DeePMDSystemReader.looksLikeSystem(path) { return .deepmd }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "xyz", "extxyz": return .extxyz
        case "npz": return .npz
        case "json": return .mlearnJSON
        case "db": return .aseDB
        case "h5", "hdf5", "hdf": return try HDF5Sources.detect(path: path)
        default:
            throw DataError(file: path, "cannot tell the format from the extension; pass --format (\(SourceFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    /// The level-of-theory label of tasks read from a file that records none (extended XYZ,
    /// npz, mlearn JSON, ASE databases, DeePMD systems) when the caller names none.
    public static let unspecifiedLevel = "unspecified"

    /// Reads every task in the file at `path`.
    ///
    /// - The level of theory is `options.level` when given; otherwise HDF5 files keep the
    ///   level they record (ANI-1x levels, pyanitools `lot`, suite tasks; the layout's own
    ///   level for ANI-2x and SPICE) and text formats are labelled ``unspecifiedLevel``.
    /// - extxyz without `energyKey`: the keys are guessed by ``ExtendedXYZLabelKeys`` (never a
    ///   model's prediction; an ambiguous file is an error listing the candidates); with an
    ///   `energyKey` but no `forcesKey`, the forces are the column named like the energy.
    /// - ASE `.db`: the calculator's energy and forces; with `energyKey`, that
    ///   `key_value_pairs` entry and no forces unless `forcesKey` is `forces` (the calculator's).
    /// - DeePMD-kit: `path` is the system directory (the only format read from a directory).
    /// - Throws: `DataError` naming the file when it is missing, a directory (except a DeePMD
    ///   system) or empty, or `energy_unit` when the energy unit is unknown, `npz_keys` given
    ///   for a file that is not npz, and every reader's `DataError`.
    public static func open(path: String, options: Options = Options()) throws -> [QMTask] {
        if options.format == .deepmd || (options.format == nil && DeePMDSystemReader.looksLikeSystem(path)) {
            guard FileManager.default.fileExists(atPath: path) else { throw DataError(file: path, "directory does not exist") }
        } else {
            try InputFile.requireRegularFile(path)
        }
        let format = try options.format ?? detectFormat(path: path)
        if let unit = options.energyUnit { _ = try EnergyUnit.parse(unit, file: path, item: "energy_unit") }
        let recordsNoLevel: Set<SourceFormat> = [.extxyz, .npz, .mlearnJSON, .aseDB, .deepmd]
        var source = SuiteRecipe.Source(path: URL(fileURLWithPath: path).standardizedFileURL.path, format: format,
                                        level: options.level ?? (recordsNoLevel.contains(format) ? unspecifiedLevel : nil))
        var energyKey = options.energyKey, forcesKey = options.forcesKey
        if format == .extxyz, energyKey == nil, let guessed = try ExtendedXYZLabelKeys.guess(path: path) {
            energyKey = guessed.energy
            forcesKey = forcesKey ?? guessed.forces
        }
        source.energyKey = energyKey
        source.forcesKey = format == .aseDB ? forcesKey
            : forcesKey ?? energyKey.map { $0.replacingOccurrences(of: "energy", with: "forces") }
        source.energyUnit = options.energyUnit
        if format == .npz { source.energiesRelativeToFreeAtoms = false }
        if let keys = options.npzKeys {
            guard format == .npz else {
                throw DataError(file: path, item: "npz_keys", "npz keys (\(keys)) apply to .npz files; this file is read as \(format.rawValue)")
            }
            source.npzKeys = keys
        }
        let loader = SourceLoader(location: DataLocation(root: nil), recipeFile: path)
        return try loader.load(source, index: 0)
    }
}
