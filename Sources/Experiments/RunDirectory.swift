// The one owner of a study's run directory: the lock that keeps a second process out, the
// fingerprint that refuses a rerun with other settings, the manifest copy, and the records
// of units that failed.

import Foundation
import Communication
import Chemistry
import Training
#if canImport(Glibc)
import Glibc
#endif

/// A study's run directory, opened for one run of `metamlip run`.
///
///     <run>/.lock               held (flock) while a process works here; released on exit, even kill -9
///     <run>/fingerprint.json    the effective configuration, data hashes and version (``RunFingerprint``)
///     <run>/manifest.yaml       the manifest of the latest compatible run
///     <run>/failures.csv        units that failed (diverged training, …), their stage and reason
///     <run>/failures/<unit>.json one record per failed unit, written when it fails
///
/// Opening it:
/// 1. takes the lock, or stops with the other process's pid;
/// 2. compares the new fingerprint with the recorded one (or, for a directory written before
///    fingerprints, with the fingerprint `legacy` gives of its `manifest.yaml`) and stops
///    with every differing key unless the change is compatible (``RunFingerprint/Compatibility``);
/// 3. records the new fingerprint and copies the manifest;
/// 4. removes temporary files an interrupted run left (`.<name>.tmp-<UUID>`).
/// With `fresh`, an existing directory is first moved aside to `<run>.replaced-<UTC time>`.
public final class RunDirectory: @unchecked Sendable {
    public let url: URL
    private var lockDescriptor: Int32 = -1
    private let failureLock = NSLock()

    /// - Parameters:
    ///   - legacy: the fingerprint of an older run directory's copied manifest (nil when it
    ///     cannot be read), for directories written before fingerprints existed.
    /// - Throws: `DataError` naming the directory (another process holds it, it cannot be
    ///   created) or `fingerprint.json` with the differing keys.
    public init(url: URL, manifestPath: String, fingerprint: RunFingerprint, compatibility: RunFingerprint.Compatibility,
                fresh: Bool = false, log: (String) -> Void = { print($0) },
                legacy: (URL) -> RunFingerprint? = { _ in nil }) throws {
        self.url = url
        // In an MPI run rank 0 alone opens the directory; the others wait for it (and share its error).
        try World.onWriter { try openOwned(manifestPath: manifestPath, fingerprint: fingerprint, compatibility: compatibility,
                                      fresh: fresh, log: log, legacy: legacy) }
    }

    private func openOwned(manifestPath: String, fingerprint: RunFingerprint, compatibility: RunFingerprint.Compatibility,
                      fresh: Bool, log: (String) -> Void, legacy: (URL) -> RunFingerprint?) throws {
        let fm = FileManager.default
        if fresh, fm.fileExists(atPath: url.path) {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime]
            let aside = url.path + ".replaced-" + formatter.string(from: Date()).replacingOccurrences(of: ":", with: "")
            do { try fm.moveItem(atPath: url.path, toPath: aside) } catch {
                throw DataError(file: url.path, "--fresh could not move the old run aside to \(aside): \(error.localizedDescription)")
            }
            log("--fresh: the earlier run in \(url.path) was moved to \(aside)")
        }
        do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw DataError(file: url.path, "cannot create the run directory: \(error.localizedDescription)")
        }
        try acquireLock()
        removeOrphanedTemporaries(log: log)
        let record = url.appendingPathComponent("fingerprint.json")
        let recorded: RunFingerprint?
        if fm.fileExists(atPath: record.path) {
            recorded = try readJSON(RunFingerprint.self, path: record.path, what: "run fingerprint")
        } else if fm.fileExists(atPath: url.appendingPathComponent("manifest.yaml").path) {
            recorded = legacy(url.appendingPathComponent("manifest.yaml"))
            if recorded == nil {
                throw DataError(file: url.appendingPathComponent("manifest.yaml").path,
                                "this run directory has results but no fingerprint.json, and its manifest copy cannot be read to check that they match; rerun with --fresh or choose another -o")
            }
        } else {
            recorded = nil
        }
        if let recorded {
            let differences = fingerprint.incompatibilities(with: recorded, allowing: compatibility)
            guard differences.isEmpty else {
                throw DataError(file: record.path, item: "configuration",
                                "\(url.path) holds results of another configuration; these differ:\n  "
                                + differences.joined(separator: "\n  ")
                                + "\nRerun with the manifest that made it, choose another -o, or pass --fresh to move the old run aside.")
            }
        }
        try writeJSONAtomically(fingerprint, to: record.path)
        let copy = url.appendingPathComponent("manifest.yaml")
        let text = try Data(contentsOf: URL(fileURLWithPath: manifestPath))
        if (try? Data(contentsOf: copy)) != text {
            try writeAtomically(text, to: copy.path)
        }
    }

    deinit {
        if lockDescriptor >= 0 { close(lockDescriptor) }
    }

    /// Removes `.<name>.tmp-<UUID>` files (``writeAtomically``'s temporaries) that a killed
    /// run left behind; safe because the lock keeps every other writer out.
    private func removeOrphanedTemporaries(log: (String) -> Void) {
        guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { return }
        var removed = 0
        for case let file as URL in walker {
            let name = file.lastPathComponent
            guard name.hasPrefix("."), name.contains(".tmp-") else { continue }
            if (try? FileManager.default.removeItem(at: file)) != nil { removed += 1 }
        }
        if removed > 0 { log("removed \(removed) temporary file(s) left by an interrupted run in \(url.path)") }
    }

    private func acquireLock() throws {
        let path = url.appendingPathComponent(".lock").path
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw DataError(file: path, "cannot open the run directory's lock file: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw DataError(file: url.path, item: ".lock",
                            "another metamlip process\(holder.isEmpty ? "" : " (\(holder))") is working in this run directory; wait for it to finish, or choose another -o")
        }
        let stamp = "pid \(getpid()), since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = stamp.withCString { write(fd, $0, strlen($0)) }
        lockDescriptor = fd
    }

    // MARK: Failures

    /// A unit that could not produce a trustworthy result: it is listed, never reported
    /// with numbers.
    public struct Failure: Codable, Equatable, Sendable {
        /// `pretrain/<variant>`, `refit/<variant>/n<N>-seed<S>`, …
        public var unit: String
        /// `pretraining`, `refit`, `analysis`, …
        public var stage: String
        public var reason: String
        public init(unit: String, stage: String, reason: String) { self.unit = unit; self.stage = stage; self.reason = reason }
    }

    private var failureDirectory: URL { url.appendingPathComponent("failures") }

    private func failurePath(_ unit: String) -> String {
        failureDirectory.appendingPathComponent(unit.replacingOccurrences(of: "/", with: "__") + ".json").path
    }

    /// Records that `unit` failed (thread-safe; atomic write).
    public func recordFailure(_ failure: Failure) throws {
        try failureLock.withLock { try World.onWriter {
            try FileManager.default.createDirectory(at: failureDirectory, withIntermediateDirectories: true)
            try writeJSONAtomically(failure, to: failurePath(failure.unit))
        } }
    }

    /// The recorded failure of `unit`, if any.
    public func failure(of unit: String) throws -> Failure? {
        let path = failurePath(unit)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try readJSON(Failure.self, path: path, what: "failure record")
    }

    /// Writes `failures.csv` with `failures` (or removes it when there are none).
    public func writeFailureTable(_ failures: [Failure]) throws {
        try World.onWriter { try writeFailureTableHere(failures) }
    }

    private func writeFailureTableHere(_ failures: [Failure]) throws {
        let path = url.appendingPathComponent("failures.csv").path
        guard !failures.isEmpty else {
            try? FileManager.default.removeItem(atPath: path)
            return
        }
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"").replacingOccurrences(of: "\n", with: " ") + "\"" }
        let rows = failures.map { "\($0.unit),\($0.stage),\(quoted($0.reason))" }
        try writeAtomically(Data((["unit,stage,reason"] + rows).joined(separator: "\n").utf8 + [10]), to: path)
    }
}
