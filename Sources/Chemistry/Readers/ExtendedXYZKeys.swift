import Foundation

/// Which comment-line key of an extended-XYZ file holds the reference energy, and which
/// per-atom column its forces, when the user names neither (`metamlip data inspect`,
/// `metamlip evaluate`; recipes and manifests name them or use `energy`/`forces`).
///
/// Files often carry several energies: the reference and the predictions of models
/// evaluated on it (`energy_mace`, `MACE_energy`, `force_mace`). The guess therefore
///
/// 1. takes an exact reference name (``referenceEnergyKeys``: `energy`, `REF_energy`,
///    `dft_energy`, …) when the frame has exactly one;
/// 2. else the one other numeric `*energy*` key (e.g. `energy_xtb`);
/// 3. never a key that names a model (``namesModel(_:)``: mace, nequip, allegro, ani, gap, …)
///    or a statistic (`energy_std`, `energy_weight`, …);
/// 4. stops with a `DataError` listing the candidates when two keys are equally plausible,
///    or when there is none.
///
/// Forces: the column named like the energy (`REF_energy` → `REF_forces`, `energy_xtb` →
/// `forces_xtb`), else the one exact reference force column when the energy key is an exact
/// reference name; `nil` when the frame has no force-like column; an error listing them
/// when force columns exist but none belongs to the energy.
///
/// The keys are those of the first frame with more than one atom (isolated-atom rows often
/// come first and carry no forces), within the first 256 KiB of the file.
public enum ExtendedXYZLabelKeys {
    /// Exact names of reference energies, in order of preference for error messages.
    public static let referenceEnergyKeys = [
        "energy", "REF_energy", "ref_energy", "energy_ref", "reference_energy", "dft_energy", "DFT_energy",
        "energy_dft", "qm_energy", "QM_energy", "energy_qm", "total_energy", "TotEnergy",
    ]
    /// Exact names of reference force columns (paired with ``referenceEnergyKeys``).
    public static let referenceForceKeys = [
        "forces", "force", "REF_forces", "ref_forces", "forces_ref", "reference_forces", "dft_forces", "DFT_forces",
        "forces_dft", "qm_forces", "QM_forces", "forces_qm",
    ]
    /// Models whose predictions sit next to reference labels; a key containing one of these
    /// names (as a word, or — for the longer names — anywhere) is never guessed.
    public static let modelNames = [
        "mace", "nequip", "allegro", "ani", "gap", "soap", "schnet", "painn", "dimenet", "gemnet", "sgdml", "ace", "pace",
        "nn", "mlp", "ml", "mlip", "chgnet", "m3gnet", "sevennet", "orb", "mattersim", "equiformer", "deepmd", "dp",
        "hipnn", "physnet", "spookynet", "so3krates", "metamlip", "model", "pred", "predicted", "prediction", "committee",
    ]
    /// Words of keys that describe statistics of a label rather than the label.
    static let statisticWords: Set<String> = [
        "weight", "std", "var", "variance", "sigma", "uncertainty", "unc", "err", "error", "diff", "delta",
        "residual", "per", "atom", "mean", "min", "max",
    ]

    /// True when `key` names a model (e.g. `energy_mace`, `MACE_energy`, `energy_ani2x`, `nequip_forces`).
    public static func namesModel(_ key: String) -> Bool {
        let lower = key.lowercased()
        let words = words(of: lower)
        for name in modelNames {
            if name.count >= 4, name != "pred", lower.contains(name) { return true }
            // A word equal to the name, or the name followed by a version ("ani2x", "gap17", "mace0").
            if words.contains(where: { $0 == name || ($0.hasPrefix(name) && $0.dropFirst(name.count).first?.isNumber == true) }) {
                return true
            }
            if name == "pred", words.contains(where: { $0.hasPrefix("pred") }) { return true }
        }
        return false
    }

    /// The energy key and force column of the file at `path` (see the type's documentation).
    ///
    /// - Returns: `nil` when the head of the file is not recognisably extended XYZ (the
    ///   reader then reports what is wrong).
    /// - Throws: `DataError` naming the file and frame when the keys are ambiguous, when no
    ///   reference energy is found, or when the file is missing, a directory or empty.
    public static func guess(path: String) throws -> (energy: String, forces: String?)? {
        try InputFile.requireRegularFile(path)
        let head: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            head = try handle.read(upToCount: 256 * 1024) ?? Data()
            try handle.close()
        } catch {
            throw DataError(file: path, "cannot read file (\(error.localizedDescription))")
        }
        let lines = ExtXYZComment.lines(of: String(decoding: head, as: UTF8.self))
        var index = 0, frame = 0
        var first: (info: [String: String], item: String)?
        while index + 1 < lines.count {
            let countLine = lines[index].trimmingCharacters(in: .whitespaces)
            if countLine.isEmpty { index += 1; continue }
            guard let n = Int(countLine), n > 0 else { break }
            let item = "frame \(frame) (line \(index + 1))"
            let info = try ExtXYZComment.parse(String(lines[index + 1]), file: path, item: item)
            if first == nil { first = (info, item) }
            if n > 1 { first = (info, item); break }
            guard n < lines.count - index - 1 else { break }
            index += 2 + n
            frame += 1
        }
        guard let (info, item) = first else { return nil }
        let columns = try ExtXYZComment.columns(info["Properties"] ?? "species:S:1:pos:R:3", file: path, item: item)
        let energy = try energyKey(info, file: path, item: item)
        return (energy, try forcesKey(for: energy, columns: columns.filter { $0.value.width == 3 }.map(\.key),
                                      file: path, item: item))
    }

    /// The reference energy key among a frame's comment-line keys.
    static func energyKey(_ info: [String: String], file: String, item: String) throws -> String {
        let numeric = info.filter { Double($0.value) != nil }.map(\.key)
        let exact = referenceEnergyKeys.filter(numeric.contains)
        if exact.count == 1 { return exact[0] }
        if exact.count > 1 {
            throw DataError(file: file, item: item, "ambiguous reference energy: \(exact.joined(separator: ", ")) are all present; name one (--energy-key, energy_key)")
        }
        let energyLike = numeric.filter { $0.lowercased().contains("energy") }.sorted()
        let plausible = energyLike.filter { !namesModel($0) && !isStatistic($0) }
        if plausible.count == 1 { return plausible[0] }
        if plausible.count > 1 {
            throw DataError(file: file, item: item, "ambiguous reference energy: candidates \(plausible.joined(separator: ", ")); name one (--energy-key, energy_key)")
        }
        let rejected = energyLike.isEmpty ? "" : "; not guessed (model predictions or statistics): \(energyLike.joined(separator: ", "))"
        throw DataError(file: file, item: item, "no reference energy key (keys: \(info.keys.sorted().joined(separator: ", "))\(rejected)); name it (--energy-key, energy_key)")
    }

    /// The force column that belongs to `energy` among the three-wide columns `columns`.
    static func forcesKey(for energy: String, columns: [String], file: String, item: String) throws -> String? {
        let derived = ["forces", "force", "Forces", "Force"].map { energy.replacingOccurrences(of: "energy", with: $0) }
            + ["forces", "force"].map { energy.replacingOccurrences(of: "Energy", with: $0) }
        if let match = derived.first(where: columns.contains), match != energy { return match }
        let forceLike = columns.filter { $0.lowercased().contains("force") }.sorted()
        let plausible = forceLike.filter { !namesModel($0) && !isStatistic($0) }
        if referenceEnergyKeys.contains(energy) {
            let exact = referenceForceKeys.filter(plausible.contains)
            if exact.count == 1 { return exact[0] }
        }
        guard !plausible.isEmpty else { return nil }
        throw DataError(file: file, item: item, "cannot tell which column holds the forces of \(energy) (candidates: \(plausible.joined(separator: ", "))); name it (--forces-key, forces_key)")
    }

    static func isStatistic(_ key: String) -> Bool {
        words(of: key.lowercased()).contains { statisticWords.contains(String($0)) }
    }

    static func words(of key: String) -> [Substring] {
        key.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." || $0 == " " || $0 == ":" })
    }
}
