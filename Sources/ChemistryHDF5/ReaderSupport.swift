import Chemistry
import Foundation

/// Helpers shared by the layout readers.
enum ReaderSupport {
    /// The groups directly under the root of `file`, in member order.
    /// - Throws: `DataError` "no groups (<layout> layout expected)" when there are none.
    static func rootGroups(_ file: HDF5File, path: String, layout: String) throws -> [HDF5Group] {
        let root = try file.root()
        let groups = try root.members().filter { $0.kind == .group }.map { try root.group($0.name) }
        guard !groups.isEmpty else { throw DataError(file: path, item: "/", "no groups (\(layout) layout expected)") }
        return groups
    }

    /// Reads `energies` (nc,) in Ha and the optional `forces` (nc, na, 3) in Ha/Å of
    /// `group`, converted to eV and eV/Å; shapes are checked against nc and na.
    static func hartreeEnergiesAndForces(
        _ group: HDF5Group, energies: String, forces: String, nc: Int, na: Int
    ) throws -> (energies: [Double], forces: [Double]?) {
        let energyData = try group.dataset(energies)
        try energyData.requireShape([nc], "\(nc) conformations")
        var forceValues: [Double]?
        if let forceData = try group.datasetIfPresent(forces) {
            try forceData.requireShape([nc, na, 3], "\(nc) conformations of \(na) atoms")
            forceValues = try forceData.readDoubles().map { $0 * Units.hartree }
        }
        return (try energyData.readDoubles().map { $0 * Units.hartree }, forceValues)
    }

    /// "ani1_n5" for "/data/ani1_n5.hdf5": the prefix of task names "<stem>@<level>".
    static func stem(of path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    /// Reads a 1-D dataset of atomic numbers (any integer type, or whole-valued floats), each
    /// checked to be 1…118.
    static func atomicNumbers(_ dataset: HDF5Dataset) throws -> [Int] {
        try dataset.requireShape([nil], "atoms")
        return try checkedNumbers(wholeNumbers(dataset), dataset: dataset)
    }

    /// All values of an integer dataset, or of a float dataset whose values are whole numbers.
    /// HDF5 itself would truncate 6.6 to 6 (carbon); here it is a `DataError` naming the
    /// dataset and the index ("conformation c, atom a" for a 2-D dataset).
    static func wholeNumbers(_ dataset: HDF5Dataset) throws -> [Int] {
        guard dataset.typeClass == .float else { return try dataset.readInts() }
        let columns = dataset.shape.count == 2 ? dataset.shape[1] : nil
        return try dataset.readDoubles().enumerated().map { i, value in
            guard value.isFinite, value.rounded() == value, Swift.abs(value) < 1e15 else {
                let at = columns.map { "conformation \(i / $0), atom \(i % $0)" } ?? "atom \(i)"
                throw dataset.error("value \(value) is not an integer atomic number (\(at))")
            }
            return Int(value)
        }
    }

    /// Checks atomic numbers; throws `DataError` naming the dataset and the atom.
    static func checkedNumbers(_ numbers: [Int], dataset: HDF5Dataset, row: Int? = nil) throws -> [Int] {
        if let i = numbers.firstIndex(where: { Element(atomicNumber: $0) == nil }) {
            let at = row.map { "conformation \($0), atom \(i)" } ?? "atom \(i)"
            throw dataset.error("unknown element with atomic number \(numbers[i]) (\(at); elements are 1…118)")
        }
        return numbers
    }

    /// The real atoms of one padded row of a (conformations, atoms) species dataset: atomic
    /// numbers 1…118 first, then only the padding −1 or 0 (TorchANI pads with −1). Padding
    /// before a real atom, a row of padding only, or any other value ≤ 0 is a `DataError`
    /// naming the dataset, conformation and atom.
    static func paddedRow(_ row: ArraySlice<Int>, dataset: HDF5Dataset, conformation c: Int) throws -> [Int] {
        var atoms: [Int] = []
        var padding: Int?
        for (a, z) in row.enumerated() {
            if z > 0 {
                if let p = padding {
                    throw dataset.error("atom \(a) of conformation \(c) (Z = \(z)) follows the padding at atom \(p): padding (−1 or 0) may only trail the real atoms")
                }
                atoms.append(z)
            } else if z == 0 || z == -1 {
                if padding == nil { padding = a }
            } else {
                throw dataset.error("species \(z) (conformation \(c), atom \(a)) is neither an atomic number nor the padding −1 or 0")
            }
        }
        guard !atoms.isEmpty else { throw dataset.error("conformation \(c) has no atoms (its species row is padding only)") }
        return try checkedNumbers(atoms, dataset: dataset, row: c)
    }

    /// Reads species given as element symbols (fixed/variable-length byte strings, e.g.
    /// pyanitools' `|S1`) or as atomic numbers; throws `DataError` for an unknown symbol or
    /// atomic number.
    static func species(_ dataset: HDF5Dataset) throws -> [Int] {
        try dataset.requireShape([nil], "atoms")
        if dataset.typeClass.isNumeric { return try checkedNumbers(wholeNumbers(dataset), dataset: dataset) }
        return try dataset.readStrings().enumerated().map { i, symbol in
            guard let element = Element(symbol: symbol) else {
                throw dataset.error("unknown element symbol '\(symbol)' (atom \(i))")
            }
            return element.atomicNumber
        }
    }

    /// Rows `index` of a flat (N, Na, 3) array as Na vectors, each multiplied by `scale`.
    static func vectors(_ flat: [Double], index: Int, atoms: Int, scale: Double) -> [SIMD3<Double>] {
        let base = index * atoms * 3
        return (0..<atoms).map { a in
            let o = base + 3 * a
            return SIMD3(flat[o], flat[o + 1], flat[o + 2]) * scale
        }
    }

    /// Builds the labelled conformations of one group: a conformation is kept only where
    /// its energy is finite; its forces attach only when every component is finite.
    ///
    /// - Parameters:
    ///   - numbers: atomic numbers of conformation `c`.
    ///   - positions: (Nc, Na, 3) in Å (already converted).
    ///   - energies: (Nc,) in eV (already converted).
    ///   - forces: (Nc, Na, 3) in eV/Å (already converted), or `nil`.
    ///   - keep: optional per-atom mask (conformation, atom) → keep; used to drop padding.
    static func conformations(
        file: String, group: String, count: Int, atoms: Int, numbers: (Int) -> [Int],
        positions: [Double], energies: [Double], forces: [Double]?,
        keep: ((Int, Int) -> Bool)? = nil, properties: [String: String] = [:]
    ) throws -> [Conformation] {
        var result: [Conformation] = []
        result.reserveCapacity(count)
        for c in 0..<count where energies[c].isFinite {
            var pos = vectors(positions, index: c, atoms: atoms, scale: 1)
            var frc = forces.map { vectors($0, index: c, atoms: atoms, scale: 1) }
            if let f = frc, f.contains(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) { frc = nil }
            if let keep {
                let kept = (0..<atoms).filter { keep(c, $0) }
                pos = kept.map { pos[$0] }
                frc = frc.map { f in kept.map { f[$0] } }
            }
            var props = properties
            props["group"] = group
            props["index"] = String(c)
            let conformation = Conformation(atomicNumbers: numbers(c), positions: pos, energy: energies[c],
                                            forces: frc, properties: props)
            try conformation.validate(file: file, item: "\(group)[\(c)]")
            result.append(conformation)
        }
        return result
    }

    /// Collects conformations per level, remembering the order in which levels appear.
    struct LevelCollector {
        var order: [String] = []
        var conformations: [String: [Conformation]] = [:]

        mutating func add(_ level: String, _ confs: [Conformation]) {
            if conformations[level] == nil { order.append(level); conformations[level] = [] }
            conformations[level]! += confs
        }

        /// One task per level with at least one conformation, named "<stem>@<level>".
        func tasks(path: String, format: String, units: String, selector: (String) -> String?) -> [QMTask] {
            order.compactMap { level in
                guard let confs = conformations[level], !confs.isEmpty else { return nil }
                return QMTask(name: "\(ReaderSupport.stem(of: path))@\(level)", levelOfTheory: LevelOfTheory(level),
                              source: TaskSource(path: path, format: format, units: units, selector: selector(level)),
                              conformations: confs)
            }
        }
    }
}
