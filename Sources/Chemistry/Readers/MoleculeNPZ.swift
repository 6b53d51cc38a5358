import Foundation

/// The one-molecule `.npz` layouts of the MD17 family, read by ``PaddedNPZReader`` when a
/// file has their keys:
///
/// | layout | atomic numbers | positions (n, N, 3) | energies (n,) or (n, 1) | forces (n, N, 3) |
/// |---|---|---|---|---|
/// | sGDML / MD17 (Chmiela et al. 2017) | `z` (N,) | `R` | `E` | `F` |
/// | revised MD17 (Christensen & von Lilienfeld 2020) | `nuclear_charges` (N,) | `coords` | `energies` | `forces` |
///
/// Neither records its energy unit in a form read here (the published sets are in kcal/mol,
/// kcal/mol/Å and Å), so the reader requires the unit from its caller (`--energy-unit`,
/// `energy_unit:` in a recipe) instead of reading kcal/mol as eV. Positions are in Å.
public enum MoleculeNPZLayout: String, Sendable {
    case sgdml = "sGDML/MD17"
    case rmd17 = "rMD17"

    /// The keys of atomic numbers, positions, energies and forces.
    var keys: (z: String, r: String, e: String, f: String) {
        switch self {
        case .sgdml: ("z", "R", "E", "F")
        case .rmd17: ("nuclear_charges", "coords", "energies", "forces")
        }
    }

    /// The layout of an archive with arrays `names`, or `nil` (the padded layout or unknown).
    static func detect(_ names: Set<String>) -> MoleculeNPZLayout? {
        if names.isSuperset(of: ["nuclear_charges", "coords", "energies"]) { return .rmd17 }
        if names.isSuperset(of: ["z", "R", "E"]), !names.contains("Z") { return .sgdml }
        return nil
    }

    /// Reads every conformation of the one molecule.
    func read(_ npz: NumPyArchive, path: String, energyScale: Double, lengthScale: Double) throws -> ExtendedXYZReader.Contents {
        let k = keys
        let z = try npz.array(k.z), r = try npz.array(k.r), e = try npz.array(k.e)
        let f = npz.arrayNames.contains(k.f) ? try npz.array(k.f) : nil
        guard z.shape.count == 1, z.shape[0] >= 1 else { throw DataError(file: path, item: k.z, "shape \(z.shape), expected (N,) for one molecule") }
        let atoms = z.shape[0]
        guard e.shape.count == 1 || (e.shape.count == 2 && e.shape[1] == 1) else {
            throw DataError(file: path, item: k.e, "shape \(e.shape), expected (n,) or (n, 1)")
        }
        let n = e.shape[0]
        guard r.shape == [n, atoms, 3] else { throw DataError(file: path, item: k.r, "shape \(r.shape), expected [\(n), \(atoms), 3]") }
        if let f, f.shape != [n, atoms, 3] { throw DataError(file: path, item: k.f, "shape \(f.shape), expected [\(n), \(atoms), 3]") }
        var numbers: [Int] = []
        for (a, value) in z.values.enumerated() {
            if let problem = Element.problem(withAtomicNumber: value) { throw DataError(file: path, item: "\(k.z)[\(a)]", problem) }
            numbers.append(Int(value))
        }
        var conformations: [Conformation] = []
        conformations.reserveCapacity(n)
        for i in 0..<n where e.values[i].isFinite {
            let base = i * atoms * 3
            let positions = (0..<atoms).map { SIMD3(r.values[base + 3 * $0], r.values[base + 3 * $0 + 1], r.values[base + 3 * $0 + 2]) * lengthScale }
            var forces = f.map { f in
                (0..<atoms).map { SIMD3(f.values[base + 3 * $0], f.values[base + 3 * $0 + 1], f.values[base + 3 * $0 + 2]) * (energyScale / lengthScale) }
            }
            if let fs = forces, fs.contains(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) { forces = nil }
            let conf = Conformation(atomicNumbers: numbers, positions: positions, energy: e.values[i] * energyScale,
                                    forces: forces, properties: ["index": String(i)])
            try conf.validate(file: path, item: "conformation \(i)")
            conformations.append(conf)
        }
        guard !conformations.isEmpty else { throw DataError(file: path, item: k.e, "no finite energies") }
        return .init(conformations: conformations, isolatedAtomEnergies: [:], skippedNaNEnergies: n - conformations.count)
    }
}
