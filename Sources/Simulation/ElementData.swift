import Chemistry

/// Per-element constants for simulation, H (Z = 1) to Xe (Z = 54).
///
/// - Masses: IUPAC standard atomic weights (abridged, the values ASE uses to 3–5
///   significant figures), amu; Tc, which has no stable isotope, gets 97.907 (⁹⁸Tc, as ASE).
/// - Covalent radii: Cordero et al., *Dalton Trans.* 2832 (2008), doi:10.1039/b801115j, Å;
///   C is sp³ (0.76), Mn, Fe, Co low-spin (the values ASE's `covalent_radii` uses).
public enum ElementData {
    /// The last atomic number with data (Xe).
    public static let maximumAtomicNumber = 54

    /// Standard atomic weights, amu, index Z − 1.
    public static let masses: [Double] = [
        1.008, 4.0026, 6.94, 9.0122, 10.81, 12.011, 14.007, 15.999, 18.998, 20.180,  // H–Ne
        22.990, 24.305, 26.982, 28.085, 30.974, 32.06, 35.45, 39.948,  // Na–Ar
        39.098, 40.078, 44.956, 47.867, 50.942, 51.996, 54.938, 55.845, 58.933, 58.693,  // K–Ni
        63.546, 65.38, 69.723, 72.630, 74.922, 78.971, 79.904, 83.798,  // Cu–Kr
        85.468, 87.62, 88.906, 91.224, 92.906, 95.95, 97.907, 101.07, 102.91, 106.42,  // Rb–Pd
        107.87, 112.41, 114.82, 118.71, 121.76, 127.60, 126.90, 131.29,  // Ag–Xe
    ]

    /// Covalent radii (Cordero 2008, `Chemistry.CovalentRadii`), Å, index Z − 1, H–Xe.
    public static let covalentRadii: [Double] = Array(CovalentRadii.cordero2008.prefix(maximumAtomicNumber))

    /// The standard atomic weight of element `z` in amu, `nil` outside H–Xe.
    public static func mass(of z: Int) -> Double? {
        (1...maximumAtomicNumber).contains(z) ? masses[z - 1] : nil
    }

    /// The covalent radius of element `z` in Å, `nil` outside H–Xe.
    public static func covalentRadius(of z: Int) -> Double? {
        (1...maximumAtomicNumber).contains(z) ? covalentRadii[z - 1] : nil
    }

    /// The masses (amu) of `atomicNumbers`, shape (N,).
    ///
    /// - Throws: `DataError` naming `file` and `item` for an element beyond Xe.
    public static func masses(of atomicNumbers: [Int], file: String = "structure", item: String? = nil) throws -> [Double] {
        try atomicNumbers.enumerated().map { a, z in
            guard let m = mass(of: z) else {
                throw DataError(file: file, item: item ?? "atom \(a)",
                                "no atomic mass for \(Element.symbol(for: z)) (masses are tabulated for H–Xe)")
            }
            return m
        }
    }
}
