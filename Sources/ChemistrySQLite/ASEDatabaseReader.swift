import Chemistry
import Foundation

/// Reader for ASE SQLite databases (`.db` files written by `ase.db.connect(path).write(atoms, …)`).
///
/// ASE's schema (`ase/db/sqlite.py`, database version 9, unchanged from ASE 3.22 to 3.29): one
/// row per structure in table `systems`, with
///
/// | column | storage | read as |
/// |---|---|---|
/// | `id` | INTEGER | the row id named in errors, `properties["ase_db_id"]` |
/// | `numbers` | BLOB: int32, little-endian (ASE's `blob()` casts int64 to int32) | atomic numbers, n = bytes / 4 |
/// | `positions` | BLOB: float64 (n, 3), little-endian | Å |
/// | `cell` | BLOB: float64 (3, 3), lattice vectors as rows | Å |
/// | `pbc` | INTEGER: bit mask x = 1, y = 2, z = 4 | periodic directions |
/// | `energy` | REAL, NULL without one (SQLite stores a NaN as NULL) | the attached calculator's energy, eV |
/// | `forces` | BLOB: float64 (n, 3), NULL without forces | eV/Å |
/// | `key_value_pairs` | TEXT: a JSON object | `energyKey` looks the energy up here |
/// | `calculator` | TEXT, NULL without a calculator | `properties["calculator"]` |
///
/// Labels: without `energyKey`, the calculator's `energy` and `forces` columns (a row with
/// energy but NULL forces is an energy-only conformation, ``Conformation/forces`` nil). With
/// `energyKey`, the energy is that `key_value_pairs` entry (a number) and the forces are the
/// calculator's only when `forcesFromCalculator` is set (they belong to the calculator, which
/// may be another level of theory); otherwise the conformations are energy-only.
/// Energies are multiplied by `energyUnit` (default eV, ASE's unit) and forces by the same
/// factor (the unit per Å); positions and cells are Å.
///
/// A one-atom row without periodic directions is an isolated-atom energy, as in
/// ``ExtendedXYZReader``. A cell is kept when a direction is periodic or the cell is not all
/// zero (then with its pbc flags, as the extxyz reader keeps a `Lattice`).
///
/// Refused with a `DataError` naming the file and `row id=<id>` (or the table): a file that is
/// not SQLite, a database without table `systems` or one of the columns above, NULL or
/// wrongly sized blobs (a float64 array of n × 3 values is 24 n bytes), unknown atomic numbers,
/// a pbc mask outside 0…7, a periodic direction with a zero lattice vector, a row without
/// energy (or without the `energyKey` entry), NaN or infinite values, `key_value_pairs` that is
/// not a JSON object.
public struct ASEDatabaseReader: Sendable {
    /// The `key_value_pairs` entry holding the energy; `nil` takes the calculator's `energy`.
    public var energyKey: String?
    /// With `energyKey`: also take the calculator's `forces` column.
    public var forcesFromCalculator: Bool
    public var energyUnit: EnergyUnit

    /// The columns of `systems` the reader needs.
    public static let requiredColumns = ["id", "numbers", "positions", "cell", "pbc", "energy", "forces",
                                         "key_value_pairs", "calculator"]

    public init(energyKey: String? = nil, forcesFromCalculator: Bool = false, energyUnit: EnergyUnit = .eV) {
        self.energyKey = energyKey
        self.forcesFromCalculator = forcesFromCalculator
        self.energyUnit = energyUnit
    }

    /// Reads every row of `systems` in id order.
    /// - Throws: `DataError` naming the file and the row (see the type's documentation).
    public func read(path: String) throws -> ExtendedXYZReader.Contents {
        let database = try SQLiteDatabase(path: path)
        let tables = try database.tableNames()
        guard tables.contains("systems") else {
            throw DataError(file: path, item: "systems", "an SQLite file but not an ASE database: no table 'systems' (tables: \(tables.isEmpty ? "none" : tables.joined(separator: ", ")))")
        }
        let columns = Set(try database.columnNames(of: "systems"))
        let missing = Self.requiredColumns.filter { !columns.contains($0) }
        guard missing.isEmpty else {
            throw DataError(file: path, item: "systems", "missing column(s) \(missing.joined(separator: ", ")) of ASE's schema")
        }
        var contents = ExtendedXYZReader.Contents(conformations: [], isolatedAtomEnergies: [:])
        let sql = "SELECT " + Self.requiredColumns.joined(separator: ", ") + " FROM systems ORDER BY id"
        var rows = 0
        try database.forEachRow(sql, item: "systems") { row in
            rows += 1
            let item = "row id=\(row.integer(0))"
            let conformation = try conformation(row, file: path, item: item)
            if conformation.atomCount == 1 && !conformation.isPeriodic {
                contents.isolatedAtomEnergies[conformation.atomicNumbers[0]] = conformation.energy
            } else {
                contents.conformations.append(conformation)
            }
        }
        guard rows > 0 else { throw DataError(file: path, item: "systems", "the database has no rows") }
        return contents
    }

    private func conformation(_ row: SQLiteDatabase.Row, file: String, item: String) throws -> Conformation {
        let numbers = try Self.int32s(row.blob(1), column: "numbers", file: file, item: item)
        guard !numbers.isEmpty else { throw DataError(file: file, item: item, "numbers is empty (no atoms)") }
        for (a, z) in numbers.enumerated() {
            if let problem = Element.problem(withAtomicNumber: Double(z)) {
                throw DataError(file: file, item: "\(item), numbers[\(a)]", problem)
            }
        }
        let n = numbers.count
        let positions = try Self.vectors(row.blob(2), count: n, column: "positions", file: file, item: item)
        let pbcMask = row.isNull(4) ? 0 : row.integer(4)
        guard (0...7).contains(pbcMask) else {
            throw DataError(file: file, item: item, "pbc is \(pbcMask), expected a bit mask 0…7 (x = 1, y = 2, z = 4)")
        }
        let periodic = [pbcMask & 1 != 0, pbcMask & 2 != 0, pbcMask & 4 != 0]
        var cell: Cell?
        if let blob = row.blob(3), !blob.isEmpty {
            let vectors = try Self.vectors(blob, count: 3, column: "cell", file: file, item: item)
            guard vectors.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else {
                throw DataError(file: file, item: item, "cell contains NaN or infinity")
            }
            for (k, isPeriodic) in periodic.enumerated() where isPeriodic && vectors[k] == .zero {
                throw DataError(file: file, item: item, "direction \(k) is periodic but its cell vector is zero")
            }
            if periodic.contains(true) || vectors.contains(where: { $0 != .zero }) {
                cell = Cell(vectors: vectors, periodic: periodic)
            }
        } else if periodic.contains(true) {
            throw DataError(file: file, item: item, "pbc marks periodic directions but the cell is NULL or empty")
        }
        let scale = energyUnit.inElectronVolts
        var properties = ["ase_db_id": String(item.dropFirst("row id=".count))]
        if let calculator = row.text(8) { properties["calculator"] = calculator }
        let energy: Double
        var forces: [SIMD3<Double>]?
        if let energyKey {
            energy = try Self.keyValueEnergy(row.text(7), key: energyKey, file: file, item: item)
            if forcesFromCalculator, let blob = row.blob(6) {
                forces = try Self.vectors(blob, count: n, column: "forces", file: file, item: item)
            }
        } else {
            guard !row.isNull(5) else {
                throw DataError(file: file, item: item, "no energy (the energy column is NULL: no calculator results; SQLite also stores a NaN as NULL); pass an energy key naming a key_value_pairs entry, or leave the row out")
            }
            guard row.storageClass(5) == "real" || row.storageClass(5) == "integer" else {
                throw DataError(file: file, item: item, "energy is stored as \(row.storageClass(5)), expected a number")
            }
            energy = row.real(5)
            forces = try row.blob(6).map { try Self.vectors($0, count: n, column: "forces", file: file, item: item) }
        }
        let conformation = Conformation(atomicNumbers: numbers.map(Int.init), positions: positions, cell: cell,
                                        energy: energy * scale, forces: forces?.map { $0 * scale },
                                        properties: properties)
        try conformation.validate(file: file, item: item)
        return conformation
    }

    /// The energy under `key` in the row's `key_value_pairs` JSON object.
    static func keyValueEnergy(_ text: String?, key: String, file: String, item: String) throws -> Double {
        guard let text else { throw DataError(file: file, item: item, "key_value_pairs is NULL, expected a JSON object holding '\(key)'") }
        let pairs: [String: KeyValue]
        do { pairs = try JSONDecoder().decode([String: KeyValue].self, from: Data(text.utf8)) } catch {
            throw DataError(file: file, item: "\(item), key_value_pairs", "not a JSON object of numbers, strings and booleans (ASE writes a NaN or infinite value as a bare NaN/Infinity, which is no usable label): \(text.prefix(120))")
        }
        guard let value = pairs[key] else {
            throw DataError(file: file, item: item, "no key '\(key)' in key_value_pairs (keys: \(pairs.keys.sorted().joined(separator: ", ")))")
        }
        guard case .number(let number) = value, number.isFinite else {
            throw DataError(file: file, item: "\(item), key_value_pairs['\(key)']", "\(value) is not a finite number")
        }
        return number
    }

    /// A value of ASE's `key_value_pairs` (numbers, strings and booleans only).
    enum KeyValue: Decodable, CustomStringConvertible {
        case number(Double), bool(Bool), string(String), other

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) { self = .number(number) }
            else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
            else if let text = try? container.decode(String.self) { self = .string(text) }
            else { self = .other }
        }

        var description: String {
            switch self {
            case .number(let v): "\(v)"
            case .bool(let v): "\(v)"
            case .string(let v): "'\(v)'"
            case .other: "a JSON array or object"
            }
        }
    }

    /// A blob of little-endian int32 values.
    static func int32s(_ blob: Data?, column: String, file: String, item: String) throws -> [Int32] {
        guard let blob else { throw DataError(file: file, item: item, "\(column) is NULL") }
        guard blob.count % 4 == 0 else {
            throw DataError(file: file, item: item, "\(column) blob has \(blob.count) bytes, not a whole number of int32 values (4 bytes each)")
        }
        return blob.withUnsafeBytes { raw in
            (0..<(blob.count / 4)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        }
    }

    /// A blob of `count` × 3 little-endian float64 values as vectors.
    static func vectors(_ blob: Data?, count: Int, column: String, file: String, item: String) throws -> [SIMD3<Double>] {
        guard let blob else { throw DataError(file: file, item: item, "\(column) is NULL") }
        guard blob.count == 24 * count else {
            throw DataError(file: file, item: item, "\(column) blob has \(blob.count) bytes, expected \(24 * count) (float64 values, \(count) × 3)")
        }
        return blob.withUnsafeBytes { raw in
            (0..<count).map { a in
                SIMD3((0..<3).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * (3 * a + $0), as: UInt64.self))) })
            }
        }
    }
}
