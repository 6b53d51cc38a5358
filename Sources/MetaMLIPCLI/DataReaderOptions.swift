import ArgumentParser
import Chemistry
import Datasets

/// The reader options of every command that reads a data file (`data inspect`,
/// `data classical`, `evaluate`), shared through `@OptionGroup` so that each understands the
/// same flags in the same way.
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

    /// The options for `DataFileOpener`.
    /// - Throws: `DataError` naming `--energy-unit` when the unit is unknown (listing the
    ///   accepted spellings), before any file is read.
    func openerOptions(level: String? = nil) throws -> DataFileOpener.Options {
        if let energyUnit { _ = try EnergyUnit.parse(energyUnit, file: "command line", item: "--energy-unit") }
        return DataFileOpener.Options(format: format, level: level, energyKey: energyKey, forcesKey: forcesKey,
                                      energyUnit: energyUnit)
    }
}
