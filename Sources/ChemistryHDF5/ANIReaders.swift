import Chemistry
import Foundation

/// Reader for the ANI-1x / ANI-1ccx release layout (`ani1x-release.h5`).
///
/// Layout: one group per formula, `/<formula>/`, holding
/// - `atomic_numbers` (Na,) integers,
/// - `coordinates` (Nc, Na, 3) Å,
/// - `<method>_<basis>.energy` (Nc,) Ha — each such dataset defines a level, e.g.
///   `wb97x_dz`, `wb97x_tz`, `ccsd(t)_cbs`, `hf_dz` (`*.corr_energy` are correlation
///   energies only and are not levels),
/// - `<level>.forces` (Nc, Na, 3) Ha/Å where computed.
///
/// Values that were not computed are NaN, so labels are masked per level: a conformation
/// belongs to a level only where that level's energy is finite; its forces attach where
/// they are present and finite. Output: one `QMTask` per level ("<file stem>@<level>",
/// format "ani1x-hdf5", selector = level), in eV and eV/Å.
public enum ANI1xReader {
    public static let format = "ani1x-hdf5"
    public static let units = "Ha, Å, Ha/Å"

    /// Reads all levels, or only `levels` (in that order) when given.
    ///
    /// - Throws: `DataError` for a missing `atomic_numbers`/`coordinates`, a group without
    ///   any `*.energy`, shape mismatches, unknown atomic numbers, and — for a requested
    ///   level — "level X not found" or "level X has no finite energies". Levels that are
    ///   entirely NaN are silently absent when not requested.
    public static func read(_ path: String, levels: [String]? = nil) throws -> [QMTask] {
        let file = try HDF5File.open(path)
        let root = try file.root()
        var collector = ReaderSupport.LevelCollector()
        for level in levels ?? [] { collector.add(level, []) }
        var groups = 0
        var seen: [String] = []
        var nanEnergies: [String: Int] = [:]
        for (name, kind) in try root.members() where kind == .group {
            groups += 1
            let group = try root.group(name)
            let numbers = try ReaderSupport.atomicNumbers(group.dataset("atomic_numbers"))
            let na = numbers.count
            let coordinates = try group.dataset("coordinates")
            try coordinates.requireShape([nil, na, 3], "\(na) atoms")
            let nc = coordinates.shape[0]
            let energyNames = try group.datasetNames().filter { $0.hasSuffix(".energy") }
            guard !energyNames.isEmpty else {
                throw group.error("has no '<level>.energy' dataset (expected e.g. wb97x_dz.energy)")
            }
            let positions = try coordinates.readDoubles()
            for energyName in energyNames {
                let level = String(energyName.dropLast(".energy".count))
                if !seen.contains(level) { seen.append(level) }
                if let levels, !levels.contains(level) { continue }
                let energyData = try group.dataset(energyName)
                try energyData.requireShape([nc], "\(nc) conformations")
                let energies = try energyData.readDoubles().map { $0 * Units.hartree }
                nanEnergies[level, default: 0] += energies.lazy.filter { !$0.isFinite }.count
                var forces: [Double]?
                if let forceData = try group.datasetIfPresent(level + ".forces") {
                    try forceData.requireShape([nc, na, 3], "\(nc) conformations of \(na) atoms")
                    forces = try forceData.readDoubles().map { $0 * Units.hartree }
                }
                collector.add(level, try ReaderSupport.conformations(
                    file: path, group: group.path, count: nc, atoms: na, numbers: { _ in numbers },
                    positions: positions, energies: energies, forces: forces))
            }
        }
        guard groups > 0 else { throw DataError(file: path, item: "/", "no formula groups (ANI-1x layout expected)") }
        for level in levels ?? [] where collector.conformations[level]!.isEmpty {
            if !seen.contains(level) {
                throw DataError(file: path, item: "\(level).energy",
                                "level \(level) not found (levels in file: \(seen.joined(separator: ", ")))")
            }
            throw DataError(file: path, item: "\(level).energy", "level \(level) has no finite energies")
        }
        var tasks = collector.tasks(path: path, format: format, units: units) { $0 }
        for i in tasks.indices {
            tasks[i].metadata["nan_energies"] = String(nanEnergies[tasks[i].levelOfTheory.name] ?? 0)
        }
        return tasks
    }
}

/// Reader for the legacy pyanitools layout of ANI-1 and COMP6 (e.g. `s66x8_wb97x6-31gd.h5`).
///
/// Molecule groups sit at any depth (e.g. `/s66x8/molNN/`); a group is a molecule group
/// when it holds `species`, `coordinates` or `energies`, and then it must hold all three:
/// - `species` (Na,) element symbols as byte strings (or atomic numbers),
/// - `coordinates` (Nc, Na, 3) Å, `energies` (Nc,) Ha, optional `forces` (Nc, Na, 3) Ha/Å,
/// - optional level of theory `lot` (dataset or group attribute), e.g. "wb97x/6-31g*".
///
/// One task per level found (the `lot`, else `level`), format "pyanitools-hdf5".
public enum PyANIToolsReader {
    public static let format = "pyanitools-hdf5"
    public static let units = "Ha, Å, Ha/Å"

    public static func read(_ path: String, level: String = "wb97x_631gd") throws -> [QMTask] {
        let file = try HDF5File.open(path)
        var collector = ReaderSupport.LevelCollector()
        let groups = try moleculeGroups(in: file.root())
        guard !groups.isEmpty else {
            throw DataError(file: path, item: "/", "no molecule groups with species, coordinates and energies")
        }
        for group in groups {
            let numbers = try ReaderSupport.species(group.dataset("species"))
            let na = numbers.count
            let coordinates = try group.dataset("coordinates")
            try coordinates.requireShape([nil, na, 3], "\(na) species")
            let nc = coordinates.shape[0]
            let labels = try ReaderSupport.hartreeEnergiesAndForces(
                group, energies: "energies", forces: "forces", nc: nc, na: na)
            var groupLevel = level
            if let lot = try group.datasetIfPresent("lot"), lot.typeClass == .string {
                groupLevel = try lot.readStrings().first ?? level
            } else if group.hasAttribute("lot") {
                groupLevel = try group.readStringAttribute("lot")
            }
            collector.add(groupLevel, try ReaderSupport.conformations(
                file: path, group: group.path, count: nc, atoms: na, numbers: { _ in numbers },
                positions: coordinates.readDoubles(), energies: labels.energies, forces: labels.forces))
        }
        return collector.tasks(path: path, format: format, units: units) { _ in nil }
    }

    /// Depth-first list of molecule groups under `group`, in member order.
    static func moleculeGroups(in group: HDF5Group) throws -> [HDF5Group] {
        let members = try group.members()
        if members.contains(where: { $0.kind == .dataset && ["species", "coordinates", "energies"].contains($0.name) }) {
            return [group]
        }
        return try members.filter { $0.kind == .group }.flatMap { try moleculeGroups(in: group.group($0.name)) }
    }
}

/// Reader for TorchANI's HDF5 layout (ANI-2x, e.g. `ani2x_minimal.hdf5`).
///
/// Groups at the root (named by atom count, e.g. `/002/`) hold
/// `species` (Nc, Na) atomic numbers — per conformation —, `coordinates` (Nc, Na, 3) Å,
/// `energies` (Nc,) Ha and optional `forces` (Nc, Na, 3) Ha/Å. A species row is real atoms
/// (1…118) followed by padding (−1 or 0), whose atoms are dropped; padding before a real atom,
/// a row of padding only, any other value ≤ 0 or a non-integer species is a `DataError`
/// naming the dataset, conformation and atom. One task, format "ani2x-hdf5".
public enum ANI2xReader {
    public static let format = "ani2x-hdf5"
    public static let units = "Ha, Å, Ha/Å"

    public static func read(_ path: String, level: String = "wb97x_631gd") throws -> [QMTask] {
        let file = try HDF5File.open(path)
        var collector = ReaderSupport.LevelCollector()
        for group in try ReaderSupport.rootGroups(file, path: path, layout: "TorchANI") {
            let speciesData = try group.dataset("species")
            try speciesData.requireShape([nil, nil], "(conformations, atoms)")
            let (nc, na) = (speciesData.shape[0], speciesData.shape[1])
            let species = try ReaderSupport.wholeNumbers(speciesData)
            let coordinates = try group.dataset("coordinates")
            try coordinates.requireShape([nc, na, 3], "species")
            let labels = try ReaderSupport.hartreeEnergiesAndForces(
                group, energies: "energies", forces: "forces", nc: nc, na: na)
            let numbers = try (0..<nc).map { c in
                try ReaderSupport.paddedRow(species[(c * na)..<((c + 1) * na)], dataset: speciesData, conformation: c)
            }
            collector.add(level, try ReaderSupport.conformations(
                file: path, group: group.path, count: nc, atoms: na, numbers: { numbers[$0] },
                positions: coordinates.readDoubles(), energies: labels.energies,
                forces: labels.forces, keep: { c, a in a < numbers[c].count }))
        }
        return collector.tasks(path: path, format: format, units: units) { _ in nil }
    }
}
