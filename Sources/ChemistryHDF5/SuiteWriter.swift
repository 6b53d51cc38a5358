import Chemistry
import Foundation

/// Writes a `TaskSuite` in MetaMLIP's HDF5 task-suite format (`docs/suite-format.md`).
///
/// One group `/tasks/<escaped name>` per task, conformations concatenated in CSR layout:
/// `atomic_numbers` (A,) int32, `atom_offsets` (Nc+1,) int64, `positions` (A, 3) f64 Å,
/// `energies` (Nc,) f64 eV, and when present `forces` (A, 3) f64 eV/Å + `has_forces`
/// (Nc,) uint8, `cells` (Nc, 3, 3) f64 Å + `pbc` (Nc, 3) uint8 + `has_cell` (Nc,) uint8,
/// `properties` (Nc,) JSON strings. All values are stored as Float64, so a round trip is exact.
public enum SuiteWriter {
    /// Writes `suite` to `path` atomically: into a temporary file in the same directory,
    /// then renamed over `path`, so readers never see a half-written file.
    ///
    /// - Parameters:
    ///   - provenance: free-form key/values stored as the JSON root attribute `provenance`
    ///     (recipe, command line, source checksums, …).
    ///   - storage: dataset storage; default chunked + gzip level 4.
    public static func write(_ suite: TaskSuite, to path: String, provenance: [String: String] = [:],
                             storage: HDF5Storage = .compressed) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(file: path, "directory \(directory) does not exist")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)").path
        do {
            try writeContents(suite, to: temporary, provenance: provenance, storage: storage)
            guard rename(temporary, path) == 0 else {
                throw DataError(file: path, "cannot move the written file into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let dataError = error as? DataError, dataError.file == temporary {
                throw DataError(file: path, item: dataError.item, dataError.reason)
            }
            throw error
        }
    }

    /// Writes everything into `path`; every HDF5 handle is released when this returns.
    private static func writeContents(_ suite: TaskSuite, to path: String, provenance: [String: String],
                                      storage: HDF5Storage) throws {
        let file = try HDF5File.create(path)
        let root = try file.root()
        try root.writeAttribute("format", SuiteFile.formatName)
        try root.writeAttribute("format_version", SuiteFile.formatVersion)
        try root.writeAttribute("name", suite.name)
        try root.writeAttribute("created", ISO8601DateFormatter().string(from: Date()))
        try root.writeAttribute("units", "eV, Å, eV/Å")
        try root.writeAttribute("provenance", try SuiteJSON.encode(provenance))
        try root.writeAttribute("task_count", suite.tasks.count)
        let tasks = try root.createGroup("tasks", trackingOrder: true)
        for task in suite.tasks {
            try write(task, into: tasks.createGroup(SuiteFile.groupName(for: task.name)), storage: storage)
        }
        try file.flush()
    }

    private static func write(_ task: QMTask, into group: HDF5Group, storage: HDF5Storage) throws {
        let confs = task.conformations
        let nc = confs.count
        try group.writeAttribute("name", task.name)
        try group.writeAttribute("level_of_theory", task.levelOfTheory.name)
        try group.writeAttribute("source_path", task.source.path)
        try group.writeAttribute("source_format", task.source.format)
        try group.writeAttribute("source_units", task.source.units)
        if let selector = task.source.selector { try group.writeAttribute("source_selector", selector) }
        try group.writeAttribute("metadata", try SuiteJSON.encode(task.metadata))
        if let selfEnergies = task.selfEnergies {
            try group.writeAttribute("self_energies", try SuiteJSON.encode(selfEnergies))
        }
        if let isolated = task.isolatedAtomEnergies {
            try group.writeAttribute("isolated_atom_energies", try SuiteJSON.encode(isolated))
        }
        let forceCount = task.forceCount
        try group.writeAttribute("conformation_count", nc)
        try group.writeAttribute("force_count", forceCount)
        try group.writeAttribute("elements", task.elements)
        if let low = confs.map(\.energy).min(), let high = confs.map(\.energy).max() {
            try group.writeAttribute("energy_min", low)
            try group.writeAttribute("energy_max", high)
        }

        var offsets: [Int64] = [0]
        offsets.reserveCapacity(nc + 1)
        for conf in confs { offsets.append(offsets.last! + Int64(conf.atomCount)) }
        let totalAtoms = Int(offsets.last!)
        try group.writeAttribute("atom_count", totalAtoms)
        try group.createDataset("atomic_numbers", values: confs.flatMap { $0.atomicNumbers.map { Int32($0) } },
                                shape: [totalAtoms], storage: storage)
        try group.createDataset("atom_offsets", values: offsets, shape: [nc + 1], storage: storage)
        try group.createDataset("positions", values: flatten(confs.flatMap(\.positions)),
                                shape: [totalAtoms, 3], storage: storage)
        try group.createDataset("energies", values: confs.map(\.energy), shape: [nc], storage: storage)
        if forceCount > 0 {
            let rows = confs.flatMap { $0.forces ?? Array(repeating: SIMD3(repeating: .nan), count: $0.atomCount) }
            try group.createDataset("forces", values: flatten(rows), shape: [totalAtoms, 3], storage: storage)
            try group.createDataset("has_forces", values: confs.map { UInt8($0.forces == nil ? 0 : 1) },
                                    shape: [nc], storage: storage)
        }
        if confs.contains(where: { $0.cell != nil }) {
            let noCell = Array(repeating: SIMD3<Double>(repeating: .nan), count: 3)
            try group.createDataset("cells", values: flatten(confs.flatMap { $0.cell?.vectors ?? noCell }),
                                    shape: [nc, 3, 3], storage: storage)
            try group.createDataset("pbc", values: confs.flatMap { ($0.cell?.periodic ?? [false, false, false]).map { UInt8($0 ? 1 : 0) } },
                                    shape: [nc, 3], storage: storage)
            try group.createDataset("has_cell", values: confs.map { UInt8($0.cell == nil ? 0 : 1) },
                                    shape: [nc], storage: storage)
        }
        if confs.contains(where: { !$0.properties.isEmpty }) {
            try group.createStringDataset("properties", strings: try confs.map { try SuiteJSON.encode($0.properties) },
                                          storage: storage)
        }
    }

    private static func flatten(_ vectors: [SIMD3<Double>]) -> [Double] {
        var flat: [Double] = []
        flat.reserveCapacity(vectors.count * 3)
        for v in vectors { flat.append(v.x); flat.append(v.y); flat.append(v.z) }
        return flat
    }
}

/// JSON helpers for suite attributes: sorted keys, exact Double round trip.
enum SuiteJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, file: String, item: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw DataError(file: file, item: item, "invalid JSON: \(error)")
        }
    }
}
