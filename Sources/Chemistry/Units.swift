/// Unit conversions. Inside MetaMLIP everything is in Å (lengths), eV (energies) and
/// eV/Å (forces); sources are converted once, when they are read.
///
/// Factors are CODATA 2018 (the dataset README rounds them to seven digits):
/// Ha → eV 27.211386245988; Bohr → Å 0.529177210903; kJ/mol → eV 1/96.485332123
/// (the Faraday constant in kJ/(mol·V), exact since 2019); kcal/mol = 4.184 kJ/mol.
public enum Units {
    /// eV per Hartree (CODATA 2018).
    public static let hartree = 27.211386245988
    /// eV per Rydberg (half a Hartree).
    public static let rydberg = hartree / 2
    /// eV per kJ/mol: 1000 / F with F = 96485.33212… C/mol (≈ 0.01036426966).
    public static let kJPerMol = 1000 / 96485.33212331002
    /// eV per (thermochemical) kcal/mol: 4.184 kJ/mol (≈ 0.0433641042).
    public static let kcalPerMol = 4.184 * kJPerMol
    /// Å per Bohr (CODATA 2018).
    public static let bohr = 0.529177210903
}

/// The energy unit of a source.
///
/// Only the spellings in ``acceptedSpellings`` are understood; anything else is an error
/// (``parse(_:file:item:)``), never a silent eV. `meV` is case-sensitive: `MeV` is a
/// mega-electronvolt and is refused.
public enum EnergyUnit: String, Codable, Sendable, CaseIterable {
    case eV = "eV"
    case meV = "meV"
    case hartree = "Ha"
    case rydberg = "Ry"
    case kcalPerMol = "kcal/mol"
    case kJPerMol = "kJ/mol"

    /// eV per one of this unit.
    public var inElectronVolts: Double {
        switch self {
        case .eV: 1
        case .meV: 0.001
        case .hartree: Units.hartree
        case .rydberg: Units.rydberg
        case .kcalPerMol: Units.kcalPerMol
        case .kJPerMol: Units.kJPerMol
        }
    }

    /// The spellings ``init(parsing:)`` understands, for error messages.
    public static let acceptedSpellings =
        "eV, meV, Ha (hartree, Eh), Ry (rydberg), kcal/mol (kcal_per_mol), kJ/mol (kj_per_mol)"

    /// Parses the spellings in ``acceptedSpellings`` (case-insensitive except `meV`; spaces
    /// ignored); `nil` for anything else, e.g. "kcal" (per what?), "hartrees" or "MeV".
    public init?(parsing text: String) {
        let compact = text.replacingOccurrences(of: " ", with: "")
        if compact == "meV" { self = .meV; return }
        switch compact.lowercased() {
        case "ev": self = .eV
        case "ha", "hartree", "eh": self = .hartree
        case "ry", "rydberg": self = .rydberg
        case "kcal/mol", "kcalmol", "kcal_per_mol": self = .kcalPerMol
        case "kj/mol", "kjmol", "kj_per_mol": self = .kJPerMol
        default: return nil
        }
    }

    /// Parses `text` or throws a `DataError` naming `file` and `item` (the key or option the
    /// text came from) and listing the accepted spellings.
    public static func parse(_ text: String, file: String, item: String?) throws -> EnergyUnit {
        guard let unit = EnergyUnit(parsing: text) else {
            throw DataError(file: file, item: item, "unknown energy unit '\(text)' (accepted: \(acceptedSpellings))")
        }
        return unit
    }
}

/// The length unit of a source.
public enum LengthUnit: String, Codable, Sendable, CaseIterable {
    case angstrom = "Å"
    case bohr = "Bohr"

    /// Å per one of this unit.
    public var inAngstrom: Double {
        switch self {
        case .angstrom: 1
        case .bohr: Units.bohr
        }
    }

    /// The spellings ``init(parsing:)`` understands, for error messages.
    public static let acceptedSpellings = "Å (A, ang, angstrom), Bohr (a0, au)"

    /// Parses "Å", "A", "ang", "angstrom", "bohr", "a0", "au" (case-insensitive).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "å", "a", "ang", "angstrom": self = .angstrom
        case "bohr", "a0", "au": self = .bohr
        default: return nil
        }
    }

    /// Parses `text` or throws a `DataError` naming `file` and `item` and listing the
    /// accepted spellings.
    public static func parse(_ text: String, file: String, item: String?) throws -> LengthUnit {
        guard let unit = LengthUnit(parsing: text) else {
            throw DataError(file: file, item: item, "unknown length unit '\(text)' (accepted: \(acceptedSpellings))")
        }
        return unit
    }
}
