import Chemistry
import Foundation

/// Opens any readable data file for inspection or evaluation, choosing the reader from
/// the file's extension (and, for HDF5, from its layout).
public enum DataFileOpener {
    /// Reader options a user may give on the command line.
    public struct Options: Sendable {
        public var format: SourceFormat?
        public var level: String?
        public var energyKey: String?
        public var forcesKey: String?
        public var energyUnit: String?
        public init(format: SourceFormat? = nil, level: String? = nil, energyKey: String? = nil,
                    forcesKey: String? = nil, energyUnit: String? = nil) {
            self.format = format
            self.level = level
            self.energyKey = energyKey
            self.forcesKey = forcesKey
            self.energyUnit = energyUnit
        }
    }

    /// The reader format for `path`: from its extension, or from its HDF5 layout.
    public static func detectFormat(path: String) throws -> SourceFormat {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "xyz", "extxyz": return .extxyz
        case "npz": return .npz
        case "json": return .mlearnJSON
        case "h5", "hdf5", "hdf": return try HDF5Sources.detect(path: path)
        default:
            throw DataError(file: path, "cannot tell the format from the extension; pass --format (\(SourceFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    /// Reads every task in the file at `path`.
    /// - Throws: `DataError` naming the file when it is missing, a directory or empty, and
    ///   every reader's `DataError`.
    public static func open(path: String, options: Options = Options()) throws -> [QMTask] {
        try InputFile.requireRegularFile(path)
        let format = try options.format ?? detectFormat(path: path)
        var source = SuiteRecipe.Source(path: URL(fileURLWithPath: path).standardizedFileURL.path,
                                        format: format, level: options.level ?? "unspecified")
        if let key = options.energyKey {
            source.energyKey = key
        } else if format == .extxyz {
            source.energyKey = try guessEnergyKey(path: path)
        }
        source.forcesKey = options.forcesKey ?? source.energyKey.map { $0.replacingOccurrences(of: "energy", with: "forces") }
        source.energyUnit = options.energyUnit
        if format == .npz { source.energiesRelativeToFreeAtoms = false }
        let loader = SourceLoader(location: DataLocation(root: nil), recipeFile: path)
        return try loader.load(source, index: 0)
    }

    /// The energy key of an extxyz file: `energy` when its first frame has it, else the
    /// first `*energy*` key found there.
    static func guessEnergyKey(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "energy" }
        defer { try? handle.close() }
        let head = String(decoding: handle.readData(ofLength: 64 * 1024), as: UTF8.self)
        let lines = head.split(separator: "\n", maxSplits: 2)
        guard lines.count > 1 else { return "energy" }
        let info = (try? ExtXYZCommentKeys.keys(of: String(lines[1]))) ?? []
        if info.contains("energy") { return "energy" }
        return info.first { $0.lowercased().contains("energy") } ?? "energy"
    }
}
