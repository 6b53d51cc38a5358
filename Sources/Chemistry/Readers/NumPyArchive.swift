import Foundation
import ZIPFoundation

/// A numeric array read from a `.npy` member: row-major values and shape.
public struct NumPyArray: Sendable {
    public var shape: [Int]
    /// Values converted to Double, row-major (C order).
    public var values: [Double]
    /// The NumPy dtype descriptor, e.g. "<f8".
    public var dtype: String
}

/// Reader for NumPy `.npz` archives (zip of `.npy` members, stored or deflated).
///
/// Supports little-endian `f8`, `f4`, `i8`, `i4`, `i2`, `u1`, `i1`, `b1` in C order,
/// `.npy` format versions 1–3. Object arrays and Fortran order are rejected with a
/// `DataError` naming the member. Every member read is checked against the CRC-32 and size
/// the archive records for it (as NumPy's `zipfile` does), so a corrupt copy is an error
/// naming the file and member rather than silently different numbers.
public struct NumPyArchive {
    public let path: String
    private let archive: Archive

    public init(path: String) throws {
        self.path = path
        try InputFile.requireRegularFile(path)  // ZIPFoundation hangs on a directory
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw DataError(file: path, "not a zip/npz archive or truncated (\(error))")
        }
    }

    /// Names of the arrays (member names without `.npy`).
    public var arrayNames: [String] {
        archive.map { $0.path }.filter { $0.hasSuffix(".npy") }.map { String($0.dropLast(4)) }
    }

    /// Reads array `name`; throws when it is missing or malformed.
    public func array(_ name: String) throws -> NumPyArray {
        try NumPyArchive.parseNPY(memberData(name), file: path, item: name)
    }

    /// The bytes of member `<name>.npy`, checked against the CRC-32 and uncompressed size the
    /// archive records for it.
    /// - Throws: `DataError` naming the file and the array when the member is missing, cannot
    ///   be extracted, or its bytes do not match the recorded size or CRC-32.
    public func memberData(_ name: String) throws -> Data {
        guard let entry = archive[name + ".npy"] else {
            throw DataError(file: path, item: name, "array missing (have: \(arrayNames.sorted().joined(separator: ", ")))")
        }
        var bytes = Data()
        let checksum: CRC32
        do {
            // ZIPFoundation computes the CRC-32 of what it extracts but does not compare it.
            checksum = try archive.extract(entry, skipCRC32: false) { bytes.append($0) }
        } catch {
            throw DataError(file: path, item: name, "cannot extract member \(entry.path) (truncated or corrupt: \(error))")
        }
        guard UInt64(bytes.count) == UInt64(entry.uncompressedSize) else {
            throw DataError(file: path, item: name, "member \(entry.path) holds \(bytes.count) bytes, the archive records \(entry.uncompressedSize) (corrupt file)")
        }
        guard checksum == entry.checksum else {
            throw DataError(file: path, item: name, "CRC-32 mismatch in member \(entry.path): the archive records "
                                + "\(String(entry.checksum, radix: 16)), the data give \(String(checksum, radix: 16)) (corrupt file)")
        }
        return bytes
    }

    /// Parses the bytes of one `.npy` file.
    static func parseNPY(_ data: Data, file: String, item: String) throws -> NumPyArray {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw DataError(file: file, item: item, "not a .npy array (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw DataError(file: file, item: item, "truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8)
        else { throw DataError(file: file, item: item, "truncated .npy header") }
        guard let dtype = capture(header, key: "descr", open: "'", close: "'") else {
            throw DataError(file: file, item: item, "no dtype in header")
        }
        if header.contains("'fortran_order': True") {
            throw DataError(file: file, item: item, "Fortran-ordered arrays are not supported")
        }
        guard let shapeText = capture(header, key: "shape", open: "(", close: ")") else {
            throw DataError(file: file, item: item, "no shape in header")
        }
        var shape: [Int] = []
        for token in shapeText.split(separator: ",") {
            let text = token.trimmingCharacters(in: .whitespaces)
            guard let dim = Int(text), dim >= 0 else {
                throw DataError(file: file, item: item, "shape (\(shapeText)) has a dimension '\(text)' that is not a count")
            }
            shape.append(dim)
        }
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= bytes.count else {
                throw DataError(file: file, item: item, "shape \(shape) needs more values than the member holds (\(bytes.count) bytes)")
            }
            count = product
        }
        let width: Int
        switch dtype.dropFirst() {
        case "f8", "i8", "u8": width = 8
        case "f4", "i4", "u4": width = 4
        case "i2", "u2": width = 2
        case "u1", "i1", "b1": width = 1
        default: throw DataError(file: file, item: item, "unsupported dtype \(dtype)")
        }
        if width > 1 && dtype.first == ">" {
            throw DataError(file: file, item: item, "big-endian dtype \(dtype) is not supported")
        }
        let start = headerStart + headerLength
        guard bytes.count - start >= count * width else {
            throw DataError(file: file, item: item, "holds \((bytes.count - start) / width) values, shape \(shape) needs \(count)")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!.advanced(by: start)
            func fill<T>(_: T.Type, _ convert: (T) -> Double) {
                for i in 0..<count { values[i] = convert(base.loadUnaligned(fromByteOffset: i * width, as: T.self)) }
            }
            switch dtype.dropFirst() {
            case "f8": fill(Double.self) { $0 }
            case "f4": fill(Float.self) { Double($0) }
            case "i8": fill(Int64.self) { Double($0) }
            case "u8": fill(UInt64.self) { Double($0) }
            case "i4": fill(Int32.self) { Double($0) }
            case "u4": fill(UInt32.self) { Double($0) }
            case "i2": fill(Int16.self) { Double($0) }
            case "u2": fill(UInt16.self) { Double($0) }
            case "i1": fill(Int8.self) { Double($0) }
            default: fill(UInt8.self) { Double($0) }
            }
        }
        return NumPyArray(shape: shape, values: values, dtype: dtype)
    }

    private static func capture(_ header: String, key: String, open: Character, close: Character) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") else { return nil }
        let rest = header[keyRange.upperBound...]
        guard let o = rest.firstIndex(of: open) else { return nil }
        let after = rest[rest.index(after: o)...]
        guard let c = after.firstIndex(of: close) else { return nil }
        return String(after[..<c])
    }
}

/// Reader for `.npz` molecule data: the padded-molecule layout of the Meuwly data below, and
/// the one-molecule MD17-family layouts (``MoleculeNPZLayout``).
///
/// The padded-molecule layout of the Meuwly data
/// (`R` (n, Nmax, 3) Å, `Z` (n, Nmax) zero-padded, `N` (n,), `E` (n,), `F` (n, Nmax, 3)).
///
/// Each row of `Z` is N real atomic numbers (whole numbers in 1…118, whatever the dtype)
/// followed by the padding 0 only; without `N`, the real atoms are those before the first 0.
/// `N` must hold whole numbers in 1…Nmax. Anything else is a `DataError` naming `Z[i, a]` or
/// `N[i]` — a 6.6 is never truncated to carbon.
public struct PaddedNPZReader: Sendable {
    public var energyUnit: EnergyUnit
    public var lengthUnit: LengthUnit
    /// True when `E` is relative to free atoms (then isolated-atom energies are 0).
    public var energiesRelativeToFreeAtoms: Bool

    /// Whether the caller stated `energyUnit` (the MD17-family layouts, which record no unit
    /// read here, are refused without it).
    public var energyUnitStated: Bool
    /// The arrays of a one-molecule file with other key names (``NPZKeys``); nil reads the
    /// padded layout or a layout recognised by its keys (``MoleculeNPZLayout``).
    public var keys: NPZKeys?

    public init(energyUnit: EnergyUnit = .eV, lengthUnit: LengthUnit = .angstrom,
                energiesRelativeToFreeAtoms: Bool = false, energyUnitStated: Bool = true, keys: NPZKeys? = nil) {
        self.energyUnit = energyUnit
        self.lengthUnit = lengthUnit
        self.energiesRelativeToFreeAtoms = energiesRelativeToFreeAtoms
        self.energyUnitStated = energyUnitStated
        self.keys = keys
    }

    /// The first `count` entries of one row of `Z` as atomic numbers; the rest must be the
    /// padding 0. Throws a `DataError` naming `Z[i, a]` for a non-integer (6.6 is not
    /// truncated), non-finite or unknown atomic number, padding among the atoms, or a
    /// non-zero entry in the padding.
    static func atomicNumbers(_ row: ArraySlice<Double>, count: Int, conformation i: Int, file: String) throws -> [Int] {
        var numbers: [Int] = []
        numbers.reserveCapacity(count)
        for (a, value) in row.enumerated() {
            if a < count {
                if let problem = Element.problem(withAtomicNumber: value) {
                    throw DataError(file: file, item: "Z[\(i), \(a)]",
                                    value == 0 ? "padding 0 among the first N = \(count) atoms" : problem)
                }
                numbers.append(Int(value))
            } else if value != 0 {
                throw DataError(file: file, item: "Z[\(i), \(a)]", "\(value) after the first \(count) atoms, where only the padding 0 may be")
            }
        }
        return numbers
    }

    /// Reads every conformation, dropping padding; conformations with a NaN energy are
    /// skipped, NaN forces make that conformation energy-only.
    /// Files with the keys of a one-molecule layout (``MoleculeNPZLayout``: sGDML/MD17,
    /// rMD17) are read as that layout; with ``keys``, the file is read with those keys.
    public func read(path: String) throws -> ExtendedXYZReader.Contents {
        let npz = try NumPyArchive(path: path)
        let names = Set(npz.arrayNames)
        if let keys {
            guard energyUnitStated else {
                throw DataError(file: path, "a file read with npz keys (\(keys)) records no energy unit MetaMLIP reads: pass --energy-unit (e.g. eV, kcal/mol), or energy_unit: in a recipe or train manifest")
            }
            return try keys.read(npz, path: path, energyScale: energyUnit.inElectronVolts, lengthScale: lengthUnit.inAngstrom)
        }
        if let layout = MoleculeNPZLayout.detect(names) {
            guard energyUnitStated else {
                throw DataError(file: path, "an \(layout.rawValue) file does not record its energy unit in a form MetaMLIP reads (the published MD17 and rMD17 sets are in kcal/mol): pass --energy-unit (e.g. kcal/mol), or energy_unit: in a recipe")
            }
            return try layout.keys.read(npz, path: path, energyScale: energyUnit.inElectronVolts, lengthScale: lengthUnit.inAngstrom)
        }
        guard names.contains("R") || names.contains("Z") else {   // else a padded file missing an array: named below
            throw DataError(file: path, "not a known npz layout (padded R Z E [N F], sGDML/MD17 z R E F, rMD17 nuclear_charges coords energies forces); the file has: \(names.sorted().joined(separator: ", ")). Name its arrays with --npz-keys numbers=…,positions=…,energy=…[,forces=…] (npz_keys: in a recipe or train manifest)")
        }
        let r = try npz.array("R"), z = try npz.array("Z"), e = try npz.array("E")
        let f = names.contains("F") ? try npz.array("F") : nil
        guard e.shape.count == 1 else { throw DataError(file: path, item: "E", "shape \(e.shape), expected (n,)") }
        let n = e.shape[0]
        guard z.shape.count == 2, z.shape[0] == n else {
            throw DataError(file: path, item: "Z", "shape \(z.shape) does not match \(n) energies")
        }
        let nMax = z.shape[1]
        guard nMax >= 1 else { throw DataError(file: path, item: "Z", "shape \(z.shape) has no atom slots") }
        guard r.shape == [n, nMax, 3] else {
            throw DataError(file: path, item: "R", "shape \(r.shape), expected [\(n), \(nMax), 3]")
        }
        if let f, f.shape != [n, nMax, 3] {
            throw DataError(file: path, item: "F", "shape \(f.shape), expected [\(n), \(nMax), 3]")
        }
        var declaredCounts: [Double]?
        if names.contains("N") {
            let nArray = try npz.array("N")
            guard nArray.shape == [n] else { throw DataError(file: path, item: "N", "shape \(nArray.shape), expected [\(n)]") }
            declaredCounts = nArray.values
        }
        let eScale = energyUnit.inElectronVolts, lScale = lengthUnit.inAngstrom
        var conformations: [Conformation] = []
        conformations.reserveCapacity(n)
        var elements = Set<Int>()
        for i in 0..<n where e.values[i].isFinite {
            let row = z.values[(i * nMax)..<((i + 1) * nMax)]
            let count: Int
            if let declared = declaredCounts?[i] {
                guard declared.isFinite, declared.rounded() == declared, declared >= 1, declared <= Double(nMax) else {
                    throw DataError(file: path, item: "N[\(i)]", "atom count \(declared) is not an integer in 1…\(nMax)")
                }
                count = Int(declared)
            } else {
                count = row.firstIndex(of: 0).map { $0 - i * nMax } ?? nMax  // real atoms, then zero padding
            }
            let numbers = try Self.atomicNumbers(row, count: count, conformation: i, file: path)
            let pos = (0..<count).map { a -> SIMD3<Double> in
                let b = (i * nMax + a) * 3
                return SIMD3(r.values[b], r.values[b + 1], r.values[b + 2]) * lScale
            }
            var forces: [SIMD3<Double>]? = f.map { f in
                (0..<count).map { a in
                    let b = (i * nMax + a) * 3
                    return SIMD3(f.values[b], f.values[b + 1], f.values[b + 2]) * (eScale / lScale)
                }
            }
            if let fs = forces, fs.contains(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
                forces = nil
            }
            let conf = Conformation(atomicNumbers: numbers, positions: pos, energy: e.values[i] * eScale,
                                    forces: forces, properties: ["index": String(i)])
            try conf.validate(file: path, item: "conformation \(i)")
            elements.formUnion(numbers)
            conformations.append(conf)
        }
        guard !conformations.isEmpty else { throw DataError(file: path, item: "E", "no finite energies") }
        let iso = energiesRelativeToFreeAtoms ? Dictionary(uniqueKeysWithValues: elements.map { ($0, 0.0) }) : [:]
        return .init(conformations: conformations, isolatedAtomEnergies: iso,
                     skippedNaNEnergies: n - conformations.count)
    }
}
