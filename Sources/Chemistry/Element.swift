/// A chemical element, identified by its atomic number Z (1 = H … 118 = Og).
public struct Element: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Atomic number Z.
    public let atomicNumber: Int

    /// Creates an element from its atomic number; `nil` outside 1…118.
    public init?(atomicNumber: Int) {
        guard (1...Element.symbols.count).contains(atomicNumber) else { return nil }
        self.atomicNumber = atomicNumber
    }

    /// Creates an element from its symbol (case-insensitive: "Cl", "CL", "cl"); `nil` if unknown.
    public init?(symbol: String) {
        let trimmed = symbol.trimmingCharacters(in: .whitespaces)
        guard let z = Element.numberBySymbol[trimmed.lowercased()] else { return nil }
        self.atomicNumber = z
    }

    /// The IUPAC symbol, e.g. "C".
    public var symbol: String { Element.symbols[atomicNumber - 1] }
    public var description: String { symbol }
    public static func < (a: Element, b: Element) -> Bool { a.atomicNumber < b.atomicNumber }

    /// Symbols in order of atomic number.
    public static let symbols: [String] = [
        "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S",
        "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga",
        "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd",
        "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm",
        "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os",
        "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa",
        "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg",
        "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
    ]

    private static let numberBySymbol: [String: Int] = Dictionary(
        uniqueKeysWithValues: symbols.enumerated().map { ($1.lowercased(), $0 + 1) })

    /// The atomic numbers an `Element` can have: 1…118.
    public static var knownAtomicNumbers: ClosedRange<Int> { 1...symbols.count }

    /// Why a stored atomic number (npz and HDF5 files may hold them as floats) is not one
    /// of ``knownAtomicNumbers`` — not finite, not a whole number (6.6 is neither rounded
    /// nor truncated), or out of range — or `nil` when it is one (then `Int(value)` is exact).
    public static func problem(withAtomicNumber value: Double) -> String? {
        guard value.isFinite else { return "atomic number \(value) is not a finite number" }
        guard value.rounded() == value else { return "atomic number \(value) is not an integer" }
        guard value >= 1 && value <= Double(symbols.count) else {
            let shown = Swift.abs(value) < 1e15 ? String(Int(value)) : "\(value)"
            return "atomic number \(shown) is outside \(knownAtomicNumbers.lowerBound)…\(knownAtomicNumbers.upperBound)"
        }
        return nil
    }

    /// Returns the symbol of atomic number `z`, or "Z=<z>" when it is not an element.
    public static func symbol(for z: Int) -> String {
        Element(atomicNumber: z)?.symbol ?? "Z=\(z)"
    }

    /// A Hill-order formula (C first, H second, then alphabetical), e.g. "C12H12N2O".
    public static func formula(of atomicNumbers: [Int]) -> String {
        var counts: [Int: Int] = [:]
        for z in atomicNumbers { counts[z, default: 0] += 1 }
        let hasCarbon = counts[6] != nil
        let ordered = counts.keys.sorted { a, b in
            if hasCarbon {
                if a == 6 { return b != 6 }
                if b == 6 { return false }
                if a == 1 { return b != 1 }
                if b == 1 { return false }
            }
            return symbol(for: a) < symbol(for: b)
        }
        return ordered.map { z in
            let n = counts[z]!
            return symbol(for: z) + (n == 1 ? "" : String(n))
        }.joined()
    }
}

import Foundation
