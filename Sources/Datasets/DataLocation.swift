import Foundation

/// Where MetaMLIP finds QM datasets: one setting, resolved in this order:
///
/// 1. an explicit root (a recipe's or manifest's `data_root` key, relative paths taken
///    from the recipe's directory);
/// 2. the environment variable `METAMLIP_DATA`;
/// 3. `../shared/datasets` relative to the working directory, when it exists.
///
/// Relative source paths in recipes are resolved against this root; absolute paths are
/// used as they are.
public struct DataLocation: Equatable, Sendable {
    /// The environment variable that names the data root.
    public static let environmentVariable = "METAMLIP_DATA"
    /// The default root, relative to the working directory.
    public static let defaultRelativeRoot = "../shared/datasets"

    /// The resolved root directory (absolute), or nil when none could be found.
    public var root: String?

    public init(root: String?) { self.root = root }

    /// Resolves the data root from an explicit setting, the environment, or the default.
    ///
    /// - Parameters:
    ///   - explicit: a `data_root` value, if the recipe or manifest gives one.
    ///   - relativeTo: the directory that a relative `explicit` is taken from.
    public static func resolve(
        explicit: String? = nil, relativeTo base: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DataLocation {
        let cwd = FileManager.default.currentDirectoryPath
        if let explicit, !explicit.isEmpty {
            return DataLocation(root: absolute(explicit, base: base ?? cwd))
        }
        if let env = environment[environmentVariable], !env.isEmpty {
            return DataLocation(root: absolute(env, base: cwd))
        }
        let fallback = absolute(defaultRelativeRoot, base: cwd)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: fallback, isDirectory: &isDir), isDir.boolValue {
            return DataLocation(root: fallback)
        }
        return DataLocation(root: nil)
    }

    /// The absolute path of a data file given relative to the root (or absolute).
    /// - Throws: `DataError` when the path is relative and no root is configured.
    /// A data file named in a manifest: absolute as given; else next to the manifest when
    /// it exists there; else under this data root (`DataError` naming `manifest` when
    /// there is none).
    public func path(of relative: String, nextTo manifest: String) throws -> String {
        if relative.hasPrefix("/") { return relative }
        let local = URL(fileURLWithPath: manifest).deletingLastPathComponent()
            .appendingPathComponent(relative).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: local) { return local }
        return try path(of: relative, recipe: manifest)
    }

    public func path(of relative: String, recipe: String) throws -> String {
        if relative.hasPrefix("/") { return relative }
        guard let root else {
            throw DataError(file: recipe, item: relative,
                "no data root: set \(Self.environmentVariable), or data_root in the recipe, or provide \(Self.defaultRelativeRoot)")
        }
        return URL(fileURLWithPath: root).appendingPathComponent(relative).standardizedFileURL.path
    }

    static func absolute(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        return URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
    }
}

import Chemistry
