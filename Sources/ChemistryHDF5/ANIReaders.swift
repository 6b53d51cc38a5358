import Chemistry
import Foundation

/// Reader for the ANI-1x / ANI-1ccx release layout (`ani1x-release.h5`).
///
/// Layout: one group per formula, `/<formula>/`, holding
/// - `atomic_numbers` (Na,) integers,
/// - `coordinates` (Nc, Na, 3) Å,
/// - `<method>_<basis>.energy` (Nc,) Ha — each such dataset defines a level, e.g.
///   `wb97x_dz`, `wb97x_tz`, `ccsd(t)_cbs`, `hf_dz`,
/// - `<method>_<basis>.corr_energy` (Nc,) Ha — correlation energies only,
/// - `<level>.forces` (Nc, Na, 3) Ha/Å where computed.
///
/// Composite levels: a `<method>_<basis>.corr_energy` whose group also holds
/// `hf_<basis>.energy` is the level `<method>_<basis>` with energy
/// `hf_<basis>.energy + <method>_<basis>.corr_energy` (see `ANI1xLevel`); in the release
/// these are `mp2_dz`, `mp2_tz`, `mp2_qz`, `npno_ccsd(t)_dz`, `npno_ccsd(t)_tz` and
/// `tpno_ccsd(t)_dz`. They carry energies only (the release has no forces for them; a
/// `<level>.forces` beside a composite is not read), and their tasks record the sum in
/// `metadata["composite"]`, e.g. "hf_dz.energy + mp2_dz.corr_energy". When any group of
/// the file stores `<method>_<basis>.energy` itself, that stored energy is the level and
/// no composite of that name is formed anywhere in the file. A `.corr_energy` without its
/// `hf_<basis>.energy` is not a level. Stored levels come first (in dataset order), then
/// the composites.
///
/// Values that were not computed are NaN, so labels are masked per level: a conformation
/// belongs to a level only where that level's energy is finite — for a composite, where
/// both parts are finite; its forces attach where they are present and finite. Output:
/// one `QMTask` per level ("<file stem>@<level>", level of theory `<level>`, format
/// "ani1x-hdf5", selector = level), in eV and eV/Å; `metadata["nan_energies"]` counts the
/// conformations dropped for a non-finite energy (for a composite: either part).
public enum ANI1xReader {
    public static let format = "ani1x-hdf5"
    public static let units = "Ha, Å, Ha/Å"

    /// Reads all levels (stored and composite), or only `levels` (in that order) when given.
    ///
    /// - Throws: `DataError` for a missing `atomic_numbers`/`coordinates`, a group without
    ///   any `*.energy`, shape mismatches (of every part of a composite too), unknown atomic
    ///   numbers, and — for a requested level — "level X not found" (listing the levels in
    ///   the file, composites included) or "level X has no finite energies". Levels that
    ///   are entirely NaN are silently absent when not requested.
    public static func read(_ path: String, levels: [String]? = nil) throws -> [QMTask] {
        let file = try HDF5File.open(path)
        let root = try file.root()
        let groups = try root.members().filter { $0.kind == .group }.map { try root.group($0.name) }
        guard !groups.isEmpty else { throw DataError(file: path, item: "/", "no formula groups (ANI-1x layout expected)") }
        let storedInFile = Set(try groups.flatMap { try ANI1xLevel.stored(in: $0.datasetNames()) })
        var collector = ReaderSupport.LevelCollector()
        for level in levels ?? [] { collector.add(level, []) }
        var seen: [String] = []
        var nanEnergies: [String: Int] = [:]
        var composites: [String: String] = [:]
        for group in groups {
            let numbers = try ReaderSupport.atomicNumbers(group.dataset("atomic_numbers"))
            let na = numbers.count
            let coordinates = try group.dataset("coordinates")
            try coordinates.requireShape([nil, na, 3], "\(na) atoms")
            let nc = coordinates.shape[0]
            let datasets = try group.datasetNames()
            guard !ANI1xLevel.stored(in: datasets).isEmpty else {
                throw group.error("has no '<level>.energy' dataset (expected e.g. wb97x_dz.energy)")
            }
            let positions = try coordinates.readDoubles()
            for level in ANI1xLevel.levels(in: datasets, storedInFile: storedInFile) {
                if !seen.contains(level.name) { seen.append(level.name) }
                if let levels, !levels.contains(level.name) { continue }
                let energies = try totalEnergies(of: level, in: group, count: nc)
                nanEnergies[level.name, default: 0] += energies.lazy.filter { !$0.isFinite }.count
                var forces: [Double]?
                if level.isComposite {
                    composites[level.name] = level.formula
                } else if let forceData = try group.datasetIfPresent(level.name + ".forces") {
                    try forceData.requireShape([nc, na, 3], "\(nc) conformations of \(na) atoms")
                    forces = try forceData.readDoubles().map { $0 * Units.hartree }
                }
                collector.add(level.name, try ReaderSupport.conformations(
                    file: path, group: group.path, count: nc, atoms: na, numbers: { _ in numbers },
                    positions: positions, energies: energies, forces: forces))
            }
        }
        for level in levels ?? [] where collector.conformations[level]!.isEmpty {
            if !seen.contains(level) {
                throw DataError(file: path, item: "\(level).energy",
                                "level \(level) not found (levels in file: \(seen.joined(separator: ", ")))")
            }
            throw DataError(file: path, item: composites[level] ?? "\(level).energy", "level \(level) has no finite energies")
        }
        var tasks = collector.tasks(path: path, format: format, units: units) { $0 }
        for i in tasks.indices {
            let level = tasks[i].levelOfTheory.name
            tasks[i].metadata["nan_energies"] = String(nanEnergies[level] ?? 0)
            if let formula = composites[level] { tasks[i].metadata["composite"] = formula }
        }
        return tasks
    }

    /// The total energies (Nc,) of `level` in `group`, in eV: the sum of its parts (Ha),
    /// each checked to have shape (Nc,). Non-finite where any part is (NaN: not computed).
    static func totalEnergies(of level: ANI1xLevel, in group: HDF5Group, count nc: Int) throws -> [Double] {
        var total = [Double](repeating: 0, count: nc)
        for part in level.energyParts {
            let data = try group.dataset(part)
            try data.requireShape([nc], "\(nc) conformations")
            for (c, value) in try data.readDoubles().enumerated() { total[c] += value }
        }
        return total.map { $0 * Units.hartree }
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
