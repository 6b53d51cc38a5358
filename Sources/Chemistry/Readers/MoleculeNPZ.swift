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
/// Files with other key names are read with an explicit ``NPZKeys`` mapping.
public enum MoleculeNPZLayout: String, Sendable {
    case sgdml = "sGDML/MD17"
    case rmd17 = "rMD17"

    /// The keys of atomic numbers, positions, energies and forces.
    public var keys: NPZKeys {
        switch self {
        case .sgdml: NPZKeys(numbers: "z", positions: "R", energy: "E", forces: "F")
        case .rmd17: NPZKeys(numbers: "nuclear_charges", positions: "coords", energy: "energies", forces: "forces")
        }
    }

    /// The layout of an archive with arrays `names`, or `nil` (the padded layout or unknown).
    static func detect(_ names: Set<String>) -> MoleculeNPZLayout? {
        if names.isSuperset(of: ["nuclear_charges", "coords", "energies"]) { return .rmd17 }
        if names.isSuperset(of: ["z", "R", "E"]), !names.contains("Z") { return .sgdml }
        return nil
    }
}

/// Which array of a one-molecule `.npz` file holds each quantity: the mapping
/// `--npz-keys numbers=Z,positions=xyz,energy=E,forces=F` (command line) or
/// `npz_keys: {numbers: Z, positions: xyz, energy: E, forces: F}` (recipes, train manifests),
/// for files whose names are neither sGDML/MD17's nor rMD17's (``MoleculeNPZLayout``).
///
/// | role | shape | unit |
/// |---|---|---|
/// | `numbers` | (N,) for all conformations, or (n, N) per conformation | atomic numbers, whole numbers 1…118 |
/// | `positions` | (n, N, 3) | Å (or the length unit) |
/// | `energy` | (n,) or (n, 1) | the stated energy unit |
/// | `forces` (optional: without it the data are energy-only) | (n, N, 3) | energy unit per length unit |
///
/// Conformations with a non-finite energy are skipped; non-finite forces make that
/// conformation energy-only, as for the other npz layouts.
public struct NPZKeys: Codable, Equatable, Sendable, CustomStringConvertible {
    public var numbers: String
    public var positions: String
    public var energy: String
    public var forces: String?

    public init(numbers: String, positions: String, energy: String, forces: String? = nil) {
        self.numbers = numbers; self.positions = positions; self.energy = energy; self.forces = forces
    }

    /// The roles a mapping may name.
    public static let roles = ["numbers", "positions", "energy", "forces"]

    /// Parses `role=key,role=key,…` (roles: ``roles``; `forces` optional).
    /// - Throws: `DataError` naming `file` and `item` (e.g. `command line`, `--npz-keys`) for
    ///   an unknown or repeated role, an entry without `=`, an empty key, or a missing role.
    public init(parsing text: String, file: String, item: String) throws {
        var map: [String: String] = [:]
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else {
                throw DataError(file: file, item: item, "'\(entry)' is not role=key (e.g. numbers=Z,positions=R,energy=E,forces=F)")
            }
            let (role, key) = (parts[0], parts[1])
            guard Self.roles.contains(role) else {
                throw DataError(file: file, item: item, "unknown role '\(role)' (roles: \(Self.roles.joined(separator: ", ")))")
            }
            guard !key.isEmpty else { throw DataError(file: file, item: item, "role '\(role)' names no key") }
            guard map[role] == nil else { throw DataError(file: file, item: item, "role '\(role)' is given twice") }
            map[role] = key
        }
        let missing = Self.roles.dropLast().filter { map[$0] == nil }
        guard missing.isEmpty, let numbers = map["numbers"], let positions = map["positions"], let energy = map["energy"] else {
            throw DataError(file: file, item: item, "missing role\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) (numbers, positions and energy are required; forces is optional)")
        }
        self.init(numbers: numbers, positions: positions, energy: energy, forces: map["forces"])
    }

    /// `numbers=z,positions=R,energy=E,forces=F`.
    public var description: String {
        "numbers=\(numbers),positions=\(positions),energy=\(energy)" + (forces.map { ",forces=\($0)" } ?? "")
    }

    /// Reads every conformation of the molecule in `npz`, energies scaled by `energyScale`
    /// (to eV), lengths by `lengthScale` (to Å).
    ///
    /// - Throws: `DataError` naming the file and the key: an array missing from the file
    ///   (listing those present), a shape that does not fit the others, atomic numbers that
    ///   are not whole numbers 1…118, or no finite energy.
    public func read(_ npz: NumPyArchive, path: String, energyScale: Double, lengthScale: Double) throws -> ExtendedXYZReader.Contents {
        let names = Set(npz.arrayNames)
        for (role, key) in [("numbers", numbers), ("positions", positions), ("energy", energy)] + (forces.map { [("forces", $0)] } ?? [])
        where !names.contains(key) {
            throw DataError(file: path, item: key, "no array '\(key)' for \(role) (npz keys \(self)); the file has: \(names.sorted().joined(separator: ", "))")
        }
        let z = try npz.array(numbers), r = try npz.array(positions), e = try npz.array(energy)
        let f = try forces.map { try npz.array($0) }
        guard e.shape.count == 1 || (e.shape.count == 2 && e.shape[1] == 1) else {
            throw DataError(file: path, item: energy, "energy: shape \(e.shape), expected (n,) or (n, 1)")
        }
        let n = e.shape[0]
        let perConformation: Bool
        switch z.shape.count {
        case 1: perConformation = false
        case 2 where z.shape[0] == n: perConformation = true
        default:
            throw DataError(file: path, item: numbers, "atomic numbers: shape \(z.shape), expected (N,) or (\(n), N) for \(n) energies")
        }
        let atoms = z.shape.last!
        guard atoms >= 1 else { throw DataError(file: path, item: numbers, "atomic numbers: shape \(z.shape) has no atoms") }
        guard r.shape == [n, atoms, 3] else {
            throw DataError(file: path, item: positions, "positions: shape \(r.shape), expected [\(n), \(atoms), 3]")
        }
        if let f, let key = forces, f.shape != [n, atoms, 3] {
            throw DataError(file: path, item: key, "forces: shape \(f.shape), expected [\(n), \(atoms), 3]")
        }
        func atomicNumbers(_ i: Int) throws -> [Int] {
            let base = perConformation ? i * atoms : 0
            return try (0..<atoms).map { a in
                let value = z.values[base + a]
                if let problem = Element.problem(withAtomicNumber: value) {
                    throw DataError(file: path, item: perConformation ? "\(numbers)[\(i), \(a)]" : "\(numbers)[\(a)]", problem)
                }
                return Int(value)
            }
        }
        let shared = perConformation ? nil : try atomicNumbers(0)
        var conformations: [Conformation] = []
        conformations.reserveCapacity(n)
        for i in 0..<n where e.values[i].isFinite {
            let base = i * atoms * 3
            let positions = (0..<atoms).map { SIMD3(r.values[base + 3 * $0], r.values[base + 3 * $0 + 1], r.values[base + 3 * $0 + 2]) * lengthScale }
            var forces = f.map { f in
                (0..<atoms).map { SIMD3(f.values[base + 3 * $0], f.values[base + 3 * $0 + 1], f.values[base + 3 * $0 + 2]) * (energyScale / lengthScale) }
            }
            if let fs = forces, fs.contains(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) { forces = nil }
            let conf = Conformation(atomicNumbers: try shared ?? atomicNumbers(i), positions: positions, energy: e.values[i] * energyScale,
                                    forces: forces, properties: ["index": String(i)])
            try conf.validate(file: path, item: "conformation \(i)")
            conformations.append(conf)
        }
        guard !conformations.isEmpty else { throw DataError(file: path, item: energy, "no finite energies") }
        return .init(conformations: conformations, isolatedAtomEnergies: [:], skippedNaNEnergies: n - conformations.count)
    }
}
