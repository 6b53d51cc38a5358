import ArgumentParser
import Chemistry
import Datasets

/// The reader options of every command that reads a data file (`data inspect`,
/// `data classical`, `evaluate`, `predict`, `refit`), shared through `@OptionGroup` so that
/// each understands the same flags in the same way.
struct DataReaderOptions: ParsableArguments {
    @Option(help: "Reader to use instead of guessing from the extension and the HDF5 layout.")
    var format: SourceFormat?
    @Option(help: ArgumentHelp(
        "extxyz: the comment-line key holding the reference energy; ASE .db: the key_value_pairs entry (default: the calculator's energy).",
        discussion: "Default for extxyz: the one exact reference name present (energy, REF_energy, dft_energy, …), else the one *energy* key that names no model (energy_mace is never taken); two candidates are an error listing them."))
    var energyKey: String?
    @Option(help: "extxyz: the per-atom column holding the forces (default: the column named like the energy key, e.g. forces_xtb for energy_xtb); ASE .db with --energy-key: 'forces' takes the calculator's forces (default: none).")
    var forcesKey: String?
    @Option(help: "Energy unit of the file (forces: per Å): \(EnergyUnit.acceptedSpellings). Default eV.")
    var energyUnit: String?
    @Option(help: ArgumentHelp(
        "npz: the arrays of a one-molecule file, e.g. numbers=Z,positions=xyz,energy=E,forces=F.",
        discussion: "For .npz files whose key names are neither sGDML/MD17's (z R E F) nor rMD17's (nuclear_charges coords energies forces). Roles: numbers ((N,) or (n, N)), positions ((n, N, 3), Å), energy ((n,) or (n, 1)), forces ((n, N, 3), optional). Needs --energy-unit.",
        valueName: "role=key,…"))
    var npzKeys: String?

    /// The options for `DataFileOpener`.
    /// - Throws: `DataError` naming `--energy-unit` when the unit is unknown (listing the
    ///   accepted spellings), or `--npz-keys` when the mapping is malformed or given without
    ///   a unit, before any file is read.
    func openerOptions(level: String? = nil) throws -> DataFileOpener.Options {
        if let energyUnit { _ = try EnergyUnit.parse(energyUnit, file: "command line", item: "--energy-unit") }
        let keys = try npzKeys.map { try NPZKeys(parsing: $0, file: "command line", item: "--npz-keys") }
        if keys != nil, energyUnit == nil {
            throw DataError(file: "command line", item: "--npz-keys", "an npz file read with --npz-keys records no energy unit MetaMLIP reads: pass --energy-unit (e.g. eV, kcal/mol)")
        }
        return DataFileOpener.Options(format: format, level: level, energyKey: energyKey, forcesKey: forcesKey,
                                      energyUnit: energyUnit, npzKeys: keys)
    }

    /// Whether any reader option was given.
    var isEmpty: Bool { format == nil && energyKey == nil && forcesKey == nil && energyUnit == nil && npzKeys == nil }
}
