import Chemistry
import Foundation

/// Reader for the SPICE layout (e.g. `SPICE-1.1.4_n2.hdf5`).
///
/// One group per molecule, `/<id>/`, holding
/// - `atomic_numbers` (Na,) integers,
/// - `conformations` (Nc, Na, 3), Bohr,
/// - `dft_total_energy` (Nc,), Hartree,
/// - optional `dft_total_gradient` (Nc, Na, 3), Hartree/Bohr — the gradient, i.e. −force,
/// - optional `smiles` (1,) string, kept as the conformation property "smiles".
///
/// A `units` attribute on those datasets ("bohr", "hartree", "hartree/bohr"; Å and eV
/// are also understood; an unknown unit is an error) overrides the defaults. Conversion:
/// positions × `Units.bohr` Å; energies × `Units.hartree` eV; forces = −gradient ×
/// (`Units.hartree` / `Units.bohr`) eV/Å (the factor is computed once). One task, format "spice-hdf5".
public enum SPICEReader {
    public static let format = "spice-hdf5"
    public static let units = "Ha, Bohr, Ha/Bohr (gradient)"

    public static func read(_ path: String, level: String = "wb97m-d3bj_def2-tzvppd") throws -> [QMTask] {
        let file = try HDF5File.open(path)
        var collector = ReaderSupport.LevelCollector()
        for group in try ReaderSupport.rootGroups(file, path: path, layout: "SPICE") {
            let numbers = try ReaderSupport.atomicNumbers(group.dataset("atomic_numbers"))
            let na = numbers.count
            let coordinates = try group.dataset("conformations")
            try coordinates.requireShape([nil, na, 3], "\(na) atoms")
            let nc = coordinates.shape[0]
            let energyData = try group.dataset("dft_total_energy")
            try energyData.requireShape([nc], "\(nc) conformations")
            let length = try lengthUnit(coordinates, default: .bohr)
            let energy = try energyUnit(energyData, default: .hartree)
            var forces: [Double]?
            if let gradient = try group.datasetIfPresent("dft_total_gradient") {
                try gradient.requireShape([nc, na, 3], "\(nc) conformations of \(na) atoms")
                let factor = try gradientFactor(gradient)
                forces = try gradient.readDoubles().map { -$0 * factor }
            }
            var properties: [String: String] = [:]
            if let smiles = try group.datasetIfPresent("smiles"), smiles.typeClass == .string,
               let first = try smiles.readStrings().first {
                properties["smiles"] = first
            }
            let lengthScale = length.inAngstrom, energyScale = energy.inElectronVolts
            collector.add(level, try ReaderSupport.conformations(
                file: path, group: group.path, count: nc, atoms: na, numbers: { _ in numbers },
                positions: coordinates.readDoubles().map { $0 * lengthScale },
                energies: energyData.readDoubles().map { $0 * energyScale },
                forces: forces, properties: properties))
        }
        return collector.tasks(path: path, format: format, units: units) { _ in nil }
    }

    /// The `units` attribute of `dataset`, or `nil` when absent.
    private static func unitsAttribute(_ dataset: HDF5Dataset) throws -> String? {
        dataset.hasAttribute("units") ? try dataset.readStringAttribute("units") : nil
    }

    private static func lengthUnit(_ dataset: HDF5Dataset, default unit: LengthUnit) throws -> LengthUnit {
        guard let text = try unitsAttribute(dataset) else { return unit }
        guard let parsed = LengthUnit(parsing: text) else { throw dataset.error("unknown length unit '\(text)'") }
        return parsed
    }

    private static func energyUnit(_ dataset: HDF5Dataset, default unit: EnergyUnit) throws -> EnergyUnit {
        guard let text = try unitsAttribute(dataset) else { return unit }
        guard let parsed = EnergyUnit(parsing: text) else { throw dataset.error("unknown energy unit '\(text)'") }
        return parsed
    }

    /// eV/Å per unit of the gradient dataset ("hartree/bohr" by default).
    static func gradientFactor(_ dataset: HDF5Dataset) throws -> Double {
        guard let text = try unitsAttribute(dataset) else { return Units.hartree / Units.bohr }
        let parts = text.split(separator: "/").map(String.init)
        guard parts.count == 2, let e = EnergyUnit(parsing: parts[0]), let l = LengthUnit(parsing: parts[1]) else {
            throw dataset.error("unknown gradient unit '\(text)'")
        }
        return e.inElectronVolts / l.inAngstrom
    }
}
