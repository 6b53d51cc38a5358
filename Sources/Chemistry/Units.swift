/// Unit conversions. Inside MetaMLIP everything is in Å (lengths), eV (energies) and
/// eV/Å (forces); sources are converted once, when they are read.
///
/// Factors as given in the dataset documentation (`../shared/datasets/README.md`):
/// Ha → eV 27.211386; kcal/mol → eV 0.0433641; Bohr → Å 0.529177.
public enum Units {
    /// eV per Hartree.
    public static let hartree = 27.211386
    /// eV per kcal/mol.
    public static let kcalPerMol = 0.0433641
    /// eV per kJ/mol (1 kJ/mol = 1/96.485332 eV).
    public static let kJPerMol = 1.0 / 96.485332
    /// Å per Bohr.
    public static let bohr = 0.529177
}

/// The energy unit of a source.
public enum EnergyUnit: String, Codable, Sendable, CaseIterable {
    case eV = "eV"
    case hartree = "Ha"
    case kcalPerMol = "kcal/mol"
    case kJPerMol = "kJ/mol"

    /// eV per one of this unit.
    public var inElectronVolts: Double {
        switch self {
        case .eV: 1
        case .hartree: Units.hartree
        case .kcalPerMol: Units.kcalPerMol
        case .kJPerMol: Units.kJPerMol
        }
    }

    /// Parses common spellings: "eV", "Ha", "hartree", "kcal/mol", "kJ/mol".
    public init?(parsing text: String) {
        switch text.lowercased().replacingOccurrences(of: " ", with: "") {
        case "ev": self = .eV
        case "ha", "hartree", "eh": self = .hartree
        case "kcal/mol", "kcalmol", "kcal_per_mol": self = .kcalPerMol
        case "kj/mol", "kjmol", "kj_per_mol": self = .kJPerMol
        default: return nil
        }
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

    /// Parses "Å", "A", "angstrom", "bohr", "a0".
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "å", "a", "ang", "angstrom": self = .angstrom
        case "bohr", "a0", "au": self = .bohr
        default: return nil
        }
    }
}
