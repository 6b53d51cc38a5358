import Chemistry
import Descriptors
import Foundation

/// NeuroChem's text files beside an ANI ensemble (Smith, Isayev & Roitberg, Chem. Sci. 8,
/// 3192 (2017), doi:10.1039/C6SC05720A; read as TorchANI's `torchani.neurochem.Constants` and
/// `load_sae` read them).
public enum NeuroChemConstants {
    /// The AEV hyperparameters of a `.params` file (e.g. `rHCNO-5.2R_16-3.5A_a4-8.params`):
    /// one `Name = value` per line, lists as `[a,b,…]`:
    ///
    ///     Rcr = 5.2000e+00            radial cutoff (Å)          → radialCutoff
    ///     Rca = 3.5000e+00            angular cutoff (Å)         → angularCutoff
    ///     EtaR = [1.6e+01]            radial width (Å⁻²)         → etaR (one value)
    ///     ShfR = [9.0e-01,…]          radial shifts (Å)          → shfR
    ///     Zeta = [3.2e+01]            angular exponent           → zeta (one value)
    ///     ShfZ = [1.9634954e-01,…]    angle shifts (rad)         → shfZ
    ///     EtaA = [8.0e+00]            angular width (Å⁻²)        → etaA (one value)
    ///     ShfA = [9.0e-01,…]          angular radial shifts (Å)  → shfA
    ///     Atyp = [H,C,N,O]            species in feature order   → species
    ///
    /// `TM` is accepted and ignored (TorchANI ignores it too); any other name, a repeated or
    /// missing name, a value that is not a finite number, or inconsistent cutoffs throw a
    /// `DataError` naming `path` and the line.
    /// - Returns: the parameters and the species symbols in file order.
    public static func readAEV(path: String) throws -> (parameters: AEVParameters, symbols: [String]) {
        var values: [String: [String]] = [:]
        for (number, line) in try lines(of: path) {
            guard let eq = line.firstIndex(of: "=") else {
                throw DataError(file: path, item: "line \(number)", "expected 'Name = value', found '\(line)'")
            }
            let name = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            let isList = value.hasPrefix("[") && value.hasSuffix("]")
            guard ["Rcr", "Rca", "TM", "EtaR", "ShfR", "Zeta", "ShfZ", "EtaA", "ShfA", "Atyp"].contains(name) else {
                throw DataError(file: path, item: "line \(number) (\(name))", "unknown constant (known: Rcr, Rca, EtaR, ShfR, Zeta, ShfZ, EtaA, ShfA, Atyp, TM)")
            }
            guard ["Rcr", "Rca", "TM"].contains(name) != isList else {
                throw DataError(file: path, item: "line \(number) (\(name))", isList ? "expected one number, found a list" : "expected a list [a,b,…]")
            }
            guard values[name] == nil else { throw DataError(file: path, item: "line \(number) (\(name))", "given twice") }
            if isList { value = String(value.dropFirst().dropLast()) }
            values[name] = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        func numbers(_ name: String) throws -> [Double] {
            guard let texts = values[name] else { throw DataError(file: path, item: name, "missing") }
            return try texts.map { text in
                guard let x = Double(text), x.isFinite else { throw DataError(file: path, item: name, "'\(text)' is not a finite number") }
                return x
            }
        }
        func single(_ name: String) throws -> Double {
            let list = try numbers(name)
            guard list.count == 1 else { throw DataError(file: path, item: name, "\(list.count) values; MetaMLIP's AEV takes one") }
            return list[0]
        }
        let radial = try single("Rcr"), angular = try single("Rca")
        guard radial > 0, angular > 0, angular <= radial else {
            throw DataError(file: path, item: "Rca", "cutoffs must satisfy 0 < Rca (\(angular)) ≤ Rcr (\(radial))")
        }
        guard let symbols = values["Atyp"] else { throw DataError(file: path, item: "Atyp", "missing") }
        let species = try symbols.map { s in
            guard let e = Element(symbol: s) else { throw DataError(file: path, item: "Atyp", "unknown element symbol '\(s)'") }
            return e.atomicNumber
        }
        guard Set(species).count == species.count else { throw DataError(file: path, item: "Atyp", "species \(symbols) repeat") }
        let parameters = AEVParameters(radialCutoff: radial, angularCutoff: angular, etaR: try single("EtaR"), shfR: try numbers("ShfR"),
                                       etaA: try single("EtaA"), zeta: try single("Zeta"), shfA: try numbers("ShfA"),
                                       shfZ: try numbers("ShfZ"), species: species)
        return (parameters, symbols)
    }

    /// The self-energies of a `sae_linfit.dat` file, Hartree per atom of each atomic number:
    /// one `Symbol,index=value` per line (`H,0=-0.600952980000`), where the index is the
    /// symbol's position in `species` (the `.params` file's `Atyp`), as TorchANI's
    /// `EnergyShifter` indexes them.
    /// - Throws: `DataError` naming `path` and the line for a malformed line, a symbol not in
    ///   `species`, a wrong index, a repeat, or a species without a value.
    public static func readSelfEnergies(path: String, species symbols: [String]) throws -> [Int: Double] {
        var result: [Int: Double] = [:]
        for (number, line) in try lines(of: path) {
            let item = "line \(number)"
            let sides = line.split(separator: "=", omittingEmptySubsequences: false)
            let key = sides.first?.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } ?? []
            guard sides.count == 2, key.count == 2, let index = Int(key[1]) else {
                throw DataError(file: path, item: item, "expected 'Symbol,index=value', found '\(line)'")
            }
            guard let value = Double(sides[1].trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw DataError(file: path, item: "\(item) (\(key[0]))", "'\(sides[1])' is not a finite number")
            }
            guard let position = symbols.firstIndex(of: key[0]), let z = Element(symbol: key[0])?.atomicNumber else {
                throw DataError(file: path, item: "\(item) (\(key[0]))", "species not in the AEV's species \(symbols)")
            }
            guard index == position else {
                throw DataError(file: path, item: "\(item) (\(key[0]))", "index \(index), but \(key[0]) is species \(position) of \(symbols)")
            }
            guard result.updateValue(value, forKey: z) == nil else { throw DataError(file: path, item: "\(item) (\(key[0]))", "given twice") }
        }
        if let missing = symbols.first(where: { s in Element(symbol: s).map { result[$0.atomicNumber] == nil } ?? true }) {
            throw DataError(file: path, item: missing, "no self-energy")
        }
        return result
    }

    /// The non-blank lines of a text file with their 1-based numbers.
    static func lines(of path: String) throws -> [(Int, String)] {
        guard let text = String(data: try InputFile.read(path), encoding: .utf8) else {
            throw DataError(file: path, "not UTF-8 text")
        }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { ($0.offset + 1, $0.element.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.1.isEmpty }
    }
}
