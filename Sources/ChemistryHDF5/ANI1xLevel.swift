/// One level of theory of an ANI-1x / ANI-1ccx formula group and the energy datasets it
/// is read from.
///
/// A level is either stored, `<level>.energy` (Ha), or composite: the release gives the
/// post-Hartree–Fock methods only as correlation energies, so
///
///     E(<method>_<basis>) = E(hf_<basis>.energy) + E(<method>_<basis>.corr_energy)   (Ha)
///
/// forms `mp2_dz`, `mp2_tz`, `mp2_qz`, `npno_ccsd(t)_dz`, `npno_ccsd(t)_tz` and
/// `tpno_ccsd(t)_dz` from the release's datasets (Smith et al., Sci. Data 7, 134 (2020),
/// doi 10.1038/s41597-020-0473-z). The basis is the part after the last `_`.
struct ANI1xLevel: Equatable, Sendable {
    /// The level's name, e.g. `wb97x_dz` or `mp2_tz`.
    var name: String
    /// The energy datasets whose sum is the level's total energy, each (Nc,) in Ha:
    /// `[<name>.energy]` for a stored level, `[hf_<basis>.energy, <name>.corr_energy]` for
    /// a composite.
    var energyParts: [String]

    /// Whether the level is a sum of parts (energies only: the release has no forces for them).
    var isComposite: Bool { energyParts.count > 1 }

    /// How the level's energy is formed, e.g. "hf_dz.energy + mp2_dz.corr_energy".
    var formula: String { energyParts.joined(separator: " + ") }

    static let energySuffix = ".energy"
    static let correlationSuffix = ".corr_energy"

    /// The stored levels named by `datasets` (`<level>.energy`), in dataset order.
    static func stored(in datasets: [String]) -> [String] {
        datasets.filter { $0.hasSuffix(energySuffix) }.map { String($0.dropLast(energySuffix.count)) }
    }

    /// The levels of one formula group: its stored levels in dataset order, then its
    /// composites in dataset order.
    ///
    /// A `<method>_<basis>.corr_energy` becomes the composite level `<method>_<basis>`
    /// when the group holds `hf_<basis>.energy` and no group of the file stores
    /// `<method>_<basis>.energy` (`storedInFile`): a stored total energy wins, so a level
    /// never mixes stored and summed energies.
    ///
    /// - Parameters:
    ///   - datasets: the dataset names of the group.
    ///   - storedInFile: the stored levels of every group of the file.
    static func levels(in datasets: [String], storedInFile: Set<String>) -> [ANI1xLevel] {
        let present = Set(datasets)
        let stored = stored(in: datasets).map { ANI1xLevel(name: $0, energyParts: [$0 + energySuffix]) }
        let composites = datasets.compactMap { dataset -> ANI1xLevel? in
            guard dataset.hasSuffix(correlationSuffix) else { return nil }
            let name = String(dataset.dropLast(correlationSuffix.count))
            guard let cut = name.lastIndex(of: "_"), cut != name.startIndex, !storedInFile.contains(name) else { return nil }
            let basis = name[name.index(after: cut)...]
            let hartreeFock = "hf_\(basis)\(energySuffix)"
            guard !basis.isEmpty, present.contains(hartreeFock) else { return nil }
            return ANI1xLevel(name: name, energyParts: [hartreeFock, dataset])
        }
        return stored + composites
    }
}
