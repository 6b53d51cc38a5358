// Periodic-table properties of the elements H…Xe, the element weights of eeACSFs.

/// A periodic-table property of an element, one eeACSF element weight (Eckhoff & Reiher,
/// "Lifelong Machine Learning Potentials", J. Chem. Theory Comput. 19, 3509 (2023),
/// doi:10.1021/acs.jctc.3c00279).
///
/// The values and their maxima are those of the authors' lMLP code (`get_H_parameters`:
/// "1, n, sp, d, 6−n, 9−sp, 11−d"): for an element with period n, s+p valence electrons
/// sp and d electrons d,
///
/// | case | raw value | maximum (H…Xe) |
/// |---|---|---|
/// | `one` | 1 | 1 |
/// | `period` | n | 5 |
/// | `valence` | sp | 8 |
/// | `dElectrons` | d | 10 |
/// | `periodComplement` | 6 − n | 5 |
/// | `valenceComplement` | 9 − sp | 8 |
/// | `dComplement` | 11 − d for the d block (Sc–Zn, Y–Cd), 0 for main-group elements | 10 |
///
/// with lMLP's conventions: He counts sp = 8 (a closed shell like the other noble gases),
/// d-block elements count sp = 2 and d = group − 2 (idealised ns² (n−1)d^x, so Cr is
/// 2/4 and Cu 2/9), and main-group elements after the d block (Ga…Kr, In…Xe) count d = 0
/// (their filled d shell is core). The eeACSF weight is the raw value divided by the
/// maximum (``weight(of:)``), so every weight lies in [0, 1].
public enum ElementProperty: String, Codable, CaseIterable, Sendable {
    case one, period, valence, dElectrons, periodComplement, valenceComplement, dComplement

    /// The largest raw value over H…Xe (the normalisation).
    public var maximum: Double {
        switch self {
        case .one: 1
        case .period, .periodComplement: 5
        case .valence, .valenceComplement: 8
        case .dElectrons, .dComplement: 10
        }
    }

    /// The raw (integer-valued) property of atomic number `z` (1…54).
    public func value(of z: Int) -> Double {
        let p = ElementProperties.of(z)
        switch self {
        case .one: return 1
        case .period: return Double(p.period)
        case .valence: return Double(p.valence)
        case .dElectrons: return Double(p.dElectrons)
        case .periodComplement: return Double(6 - p.period)
        case .valenceComplement: return Double(9 - p.valence)
        case .dComplement: return p.isDBlock ? Double(11 - p.dElectrons) : 0
        }
    }

    /// The normalised weight `value(of: z) / maximum` ∈ [0, 1].
    public func weight(of z: Int) -> Double { value(of: z) / maximum }
}

/// Period, s+p valence electrons and d electrons of the elements H (1) to Xe (54), in lMLP's
/// convention (see ``ElementProperty``).
public struct ElementProperties: Equatable, Sendable {
    /// Period n (1…5).
    public let period: Int
    /// Valence s+p electrons (He: 8; d block: 2).
    public let valence: Int
    /// d electrons (0 outside the d block).
    public let dElectrons: Int

    /// Whether the element is a d-block (transition) element: Sc–Zn or Y–Cd.
    public var isDBlock: Bool { dElectrons > 0 }

    /// Highest atomic number in the table (Xe).
    public static let maximumAtomicNumber = 54

    /// The properties of atomic number `z`.
    /// - Precondition: 1 ≤ z ≤ 54 (check with ``covers(_:)``).
    public static func of(_ z: Int) -> ElementProperties {
        precondition(covers(z), "eeACSF element properties cover H…Xe (1…54), not Z = \(z)")
        let t = table[z - 1]
        return ElementProperties(period: t.0, valence: t.1, dElectrons: t.2)
    }

    /// Whether the table has atomic number `z`.
    public static func covers(_ z: Int) -> Bool { (1...maximumAtomicNumber).contains(z) }

    /// (period, s+p, d) for Z = 1…54.
    private static let table: [(Int, Int, Int)] = [
        (1, 1, 0), (1, 8, 0), (2, 1, 0), (2, 2, 0), (2, 3, 0), (2, 4, 0), (2, 5, 0), (2, 6, 0), (2, 7, 0),
        (2, 8, 0), (3, 1, 0), (3, 2, 0), (3, 3, 0), (3, 4, 0), (3, 5, 0), (3, 6, 0), (3, 7, 0), (3, 8, 0),
        (4, 1, 0), (4, 2, 0), (4, 2, 1), (4, 2, 2), (4, 2, 3), (4, 2, 4), (4, 2, 5), (4, 2, 6), (4, 2, 7),
        (4, 2, 8), (4, 2, 9), (4, 2, 10), (4, 3, 0), (4, 4, 0), (4, 5, 0), (4, 6, 0), (4, 7, 0), (4, 8, 0),
        (5, 1, 0), (5, 2, 0), (5, 2, 1), (5, 2, 2), (5, 2, 3), (5, 2, 4), (5, 2, 5), (5, 2, 6), (5, 2, 7),
        (5, 2, 8), (5, 2, 9), (5, 2, 10), (5, 3, 0), (5, 4, 0), (5, 5, 0), (5, 6, 0), (5, 7, 0), (5, 8, 0),
    ]
}
