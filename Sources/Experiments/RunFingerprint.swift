// What a run directory was made with: the effective configuration, the data it read and
// the MetaMLIP version, so a rerun or resume with other settings is refused by name.

import Foundation
import Chemistry
import Training

/// The version of MetaMLIP that writes run directories and model files: the release
/// (``MetaMLIPRelease/version``, the one place it is written).
public enum MetaMLIPVersion {
    public static let current = MetaMLIPRelease.version
}

/// A run's effective configuration, flattened to key paths (`refit.epochs`,
/// `variants.reptile.inner.steps`, `loss.force_weight`) with their JSON values, beside a
/// content hash of each data file it read and the MetaMLIP version.
///
/// Arrays of objects that carry a `name` are keyed by that name (`variants.<name>.…`), so a
/// variant added or removed later changes only its own keys; other arrays are one value.
///
/// The git commit of the build (``gitCommit``) is recorded, never compared: a rerun with a
/// build of another commit (of the same version) resumes the directory, and the fingerprint
/// then records the newer commit (each run's own line in `run.log` names its commit).
public struct RunFingerprint: Codable, Equatable, Sendable {
    public var version: String
    /// Key path → canonical JSON of the value.
    public var settings: [String: String]
    /// A label of each data file (its path as the manifest names it) → `size:<bytes> fnv1a64:<hex>`.
    public var dataFiles: [String: String]
    /// The git commit of the MetaMLIP build that last wrote the fingerprint
    /// (``MetaMLIPRelease/gitCommit``); absent when unknown (``gitCommitUnknown`` says why)
    /// and in fingerprints written before it was recorded. Not part of the comparison.
    public var gitCommit: String?
    /// Why ``gitCommit`` is absent.
    public var gitCommitUnknown: String?

    public init(version: String = MetaMLIPVersion.current, settings: [String: String], dataFiles: [String: String],
                gitCommit: String? = MetaMLIPRelease.gitCommit) {
        self.version = version; self.settings = settings; self.dataFiles = dataFiles
        self.gitCommit = gitCommit
        gitCommitUnknown = gitCommit == nil ? MetaMLIPRelease.gitCommitUnknownReason ?? "not recorded" : nil
    }

    /// The fingerprint of an encodable configuration (a manifest with its resolved
    /// defaults) and the data files at `dataPaths` (label → path).
    ///
    /// - Throws: `DataError` naming a data file that cannot be read.
    public init(configuration: some Encodable, dataPaths: [String: String]) throws {
        var files: [String: String] = [:]
        for (label, path) in dataPaths { files[label] = try Self.contentHash(path: path) }
        self.init(settings: [:], dataFiles: files)
        try record("", configuration)
    }

    /// Adds `value` (flattened like the configuration) under `key` (`""`: at the top):
    /// resolved defaults that the manifest leaves implicit, so a change of a default also
    /// counts as a change.
    public mutating func record(_ key: String, _ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try JSONSerialization.jsonObject(with: try encoder.encode(value), options: [.fragmentsAllowed])
        Self.flatten(json, prefix: key, into: &settings)
    }

    /// `size:<bytes> fnv1a64:<hex>` of a file's bytes (FNV-1a, 64 bit: a change detector,
    /// not a cryptographic hash).
    /// A directory (a DeePMD-kit system) hashes every regular file below it in path order,
    /// each file's relative path included.
    public static func contentHash(path: String) throws -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            guard let walker = FileManager.default.enumerator(atPath: path) else {
                throw DataError(file: path, "cannot list the directory to record it in the run's fingerprint")
            }
            var parts: [String] = []
            for case let relative as String in walker {
                let full = (path as NSString).appendingPathComponent(relative)
                var isSubdirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: full, isDirectory: &isSubdirectory), !isSubdirectory.boolValue else { continue }
                parts.append("\(relative)=\(try contentHash(path: full))")
            }
            return "directory[" + parts.sorted().joined(separator: ";") + "]"
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(file: path, "cannot be read to record it in the run's fingerprint")
        }
        defer { try? handle.close() }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var size = 0
        while true {
            let chunk = (try? handle.read(upToCount: 1 << 20)) ?? Data()
            if chunk.isEmpty { break }
            size += chunk.count
            chunk.withUnsafeBytes { bytes in
                for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            }
        }
        return "size:\(size) fnv1a64:\(String(hash, radix: 16))"
    }

    static func flatten(_ value: Any, prefix: String, into out: inout [String: String]) {
        func key(_ k: String) -> String { prefix.isEmpty ? k : "\(prefix).\(k)" }
        switch value {
        case let object as [String: Any]:
            for (k, v) in object { flatten(v, prefix: key(k), into: &out) }
        case let array as [Any] where !array.isEmpty && array.allSatisfy({ ($0 as? [String: Any])?["name"] is String }):
            for element in array {
                let object = element as! [String: Any]
                flatten(object, prefix: key(object["name"] as! String), into: &out)
            }
        default:
            if value is NSNull { return }
            let data = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])) ?? Data()
            out[prefix] = String(decoding: data, as: UTF8.self)
        }
    }

    /// What may change between runs into one directory without making earlier results stale.
    public struct Compatibility: Sendable {
        /// Keys whose value may change (e.g. `refit.n`, `refit.seeds`: the grid only gains or
        /// loses units, each with its own files).
        public var mutableKeys: Set<String>
        /// Prefixes of named groups (e.g. `variants`): a group present in only one of the two
        /// runs is an added or removed unit, not a change.
        public var namedGroups: [String]
        /// Top-level sections that may be added to a finished run (e.g. `analysis`).
        public var addableSections: Set<String>
        /// Top-level sections whose every key may change, because the stage that reads them
        /// keeps its own record and redoes its work when they change (e.g. `analysis`).
        public var mutableSections: Set<String>

        public init(mutableKeys: Set<String> = [], namedGroups: [String] = [], addableSections: Set<String> = [],
                    mutableSections: Set<String> = []) {
            self.mutableKeys = mutableKeys; self.namedGroups = namedGroups; self.addableSections = addableSections
            self.mutableSections = mutableSections
        }
    }

    /// Human-readable differences of `self` (the new run) from `recorded` that make the
    /// recorded results stale: `key: old → new` lines, empty when compatible.
    public func incompatibilities(with recorded: RunFingerprint, allowing rule: Compatibility) -> [String] {
        var lines: [String] = []
        if version != recorded.version { lines.append("MetaMLIP version: \(recorded.version) → \(version)") }
        for label in Set(dataFiles.keys).union(recorded.dataFiles.keys).sorted() where dataFiles[label] != recorded.dataFiles[label] {
            lines.append("data file \(label): \(recorded.dataFiles[label] ?? "absent") → \(dataFiles[label] ?? "absent")")
        }
        func group(_ key: String) -> String? {
            for g in rule.namedGroups where key.hasPrefix(g + ".") {
                let rest = key.dropFirst(g.count + 1)
                return "\(g).\(rest.split(separator: ".").first ?? "")"
            }
            return nil
        }
        let oldGroups = Set(recorded.settings.keys.compactMap(group)), newGroups = Set(settings.keys.compactMap(group))
        let oldSections = Set(recorded.settings.keys.map { String($0.split(separator: ".").first ?? "") })
        for key in Set(settings.keys).union(recorded.settings.keys).sorted() {
            let old = recorded.settings[key], new = settings[key]
            guard old != new, !rule.mutableKeys.contains(key) else { continue }
            if let g = group(key), oldGroups.contains(g) != newGroups.contains(g) { continue }
            let section = String(key.split(separator: ".").first ?? "")
            if rule.mutableSections.contains(section) { continue }
            if old == nil, rule.addableSections.contains(section), !oldSections.contains(section) { continue }
            lines.append("\(key): \(old ?? "(not set)") → \(new ?? "(not set)")")
        }
        return lines
    }
}
