import Foundation

/// Reader for one DeePMD-kit system directory in the `deepmd/npy` layout (DeePMD-kit's
/// documentation, "Data: System"; what `dpdata.LabeledSystem.to("deepmd/npy", dir)` writes):
///
/// | file | shape | unit | read as |
/// |---|---|---|---|
/// | `type.raw` | N whitespace-separated integers ≥ 0 | — | each atom's type index |
/// | `type_map.raw` | one name per type | — | element symbols (required here: MetaMLIP needs elements) |
/// | `nopbc` | (present or not) | — | present: no periodic direction |
/// | `set.*/coord.npy` | (n, N · 3) | Å | positions |
/// | `set.*/box.npy` | (n, 9): a, b, c as rows (XX XY XZ YX …) | Å | the cell; required unless `nopbc` |
/// | `set.*/energy.npy` | (n,) or (n, 1) | eV | energies (required) |
/// | `set.*/force.npy` | (n, N · 3) | eV/Å | forces (optional: without it, energy-only) |
///
/// The `set.*` directories are read in name order (`set.000`, `set.001`, …); every frame of a
/// system has the same atoms. Energies and forces are multiplied by `energyUnit` (default eV).
/// With `nopbc`, a box that is not all zero is kept as a non-periodic cell (as the extxyz reader
/// keeps a `Lattice` with `pbc="F F F"`).
///
/// Refused with a `DataError` naming the file (and frame): a path that is not a directory,
/// missing `type.raw`, `type_map.raw` or `set.*` directories, a type index without a name or a
/// name that is not an element symbol, an array with the wrong shape for the set's frames or
/// the system's atoms, a missing `box.npy` in a periodic system, a zero lattice vector, NaN or
/// infinite values, and the mixed-type layout (`real_atom_types.npy`), which is not read.
public struct DeePMDSystemReader: Sendable {
    public var energyUnit: EnergyUnit

    public init(energyUnit: EnergyUnit = .eV) {
        self.energyUnit = energyUnit
    }

    /// True when `path` is a directory holding `type.raw` (what format detection asks).
    public static func looksLikeSystem(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("type.raw"))
    }

    /// Reads every frame of the system at directory `path`.
    public func read(path: String) throws -> ExtendedXYZReader.Contents {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, "directory does not exist")
        }
        guard isDirectory.boolValue else {
            throw DataError(file: path, "is a file; a DeePMD-kit system is a directory with type.raw, type_map.raw and set.*/ holding .npy arrays")
        }
        let directory = URL(fileURLWithPath: path)
        let numbers = try Self.atomicNumbers(in: directory)
        let periodic = !FileManager.default.fileExists(atPath: directory.appendingPathComponent("nopbc").path)
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw DataError(file: path, "cannot list the directory (\(error.localizedDescription))")
        }
        let sets = entries.filter { $0.hasPrefix("set.") }.sorted()
        guard !sets.isEmpty else { throw DataError(file: path, "no set.* directories (set.000, …) with the frames") }
        var conformations: [Conformation] = []
        for set in sets {
            conformations += try read(set: directory.appendingPathComponent(set), numbers: numbers, periodic: periodic)
        }
        guard !conformations.isEmpty else { throw DataError(file: path, "the sets hold no frames") }
        return .init(conformations: conformations, isolatedAtomEnergies: [:])
    }

    /// The atomic number of each atom, from `type.raw` and `type_map.raw`.
    static func atomicNumbers(in directory: URL) throws -> [Int] {
        let typePath = directory.appendingPathComponent("type.raw").path
        let mapPath = directory.appendingPathComponent("type_map.raw").path
        let typeTokens = try words(typePath)
        guard FileManager.default.fileExists(atPath: mapPath) else {
            throw DataError(file: mapPath, "file does not exist; MetaMLIP needs the element of each type (type_map.raw: one element symbol per line, type 0 first)")
        }
        let names = try words(mapPath)
        var numbers: [Int] = []
        for (a, token) in typeTokens.enumerated() {
            guard let type = Int(token), type >= 0 else {
                throw DataError(file: typePath, item: "atom \(a)", "'\(token)' is not a type index (an integer ≥ 0)")
            }
            guard type < names.count else {
                throw DataError(file: typePath, item: "atom \(a)", "type \(type) has no name in type_map.raw (\(names.count) names)")
            }
            guard let element = Element(symbol: names[type]) else {
                throw DataError(file: mapPath, item: "type \(type)", "'\(names[type])' is not an element symbol")
            }
            numbers.append(element.atomicNumber)
        }
        return numbers
    }

    /// The whitespace-separated words of a non-empty text file.
    static func words(_ path: String) throws -> [String] {
        let data = try InputFile.read(path)
        guard let text = String(data: data, encoding: .utf8) else { throw DataError(file: path, "not UTF-8 text") }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard !words.isEmpty else { throw DataError(file: path, "holds no entries") }
        return words
    }

    private func read(set: URL, numbers: [Int], periodic: Bool) throws -> [Conformation] {
        let atoms = numbers.count
        if FileManager.default.fileExists(atPath: set.appendingPathComponent("real_atom_types.npy").path) {
            throw DataError(file: set.path, item: "real_atom_types.npy", "the mixed-type system layout is not read; convert it to one system per formula (dpdata)")
        }
        let coord = try Self.array(set, "coord")
        guard coord.shape.count == 2, coord.shape[1] == 3 * atoms else {
            throw DataError(file: set.appendingPathComponent("coord.npy").path, "shape \(coord.shape), expected (frames, \(3 * atoms)) for the \(atoms) atoms of type.raw")
        }
        let frames = coord.shape[0]
        let energy = try Self.array(set, "energy")
        guard energy.shape == [frames] || energy.shape == [frames, 1] else {
            throw DataError(file: set.appendingPathComponent("energy.npy").path, "shape \(energy.shape), expected (\(frames),) for the frames of coord.npy")
        }
        let force = try Self.optionalArray(set, "force")
        if let force, force.shape != [frames, 3 * atoms] {
            throw DataError(file: set.appendingPathComponent("force.npy").path, "shape \(force.shape), expected (\(frames), \(3 * atoms))")
        }
        let box = try Self.optionalArray(set, "box")
        if let box, box.shape != [frames, 9] {
            throw DataError(file: set.appendingPathComponent("box.npy").path, "shape \(box.shape), expected (\(frames), 9)")
        }
        if periodic && box == nil {
            throw DataError(file: set.appendingPathComponent("box.npy").path, "file does not exist; the system is periodic (no nopbc file), so every set needs its box")
        }
        let scale = energyUnit.inElectronVolts
        func vectors(_ values: [Double], frame: Int, count: Int) -> [SIMD3<Double>] {
            let base = frame * 3 * count
            return (0..<count).map { SIMD3(values[base + 3 * $0], values[base + 3 * $0 + 1], values[base + 3 * $0 + 2]) }
        }
        var conformations: [Conformation] = []
        for i in 0..<frames {
            let item = "\(set.lastPathComponent) frame \(i)"
            var cell: Cell?
            if let box {
                let lattice = vectors(box.values, frame: i, count: 3)
                guard lattice.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else {
                    throw DataError(file: set.appendingPathComponent("box.npy").path, item: "frame \(i)", "box contains NaN or infinity")
                }
                if periodic, let k = lattice.firstIndex(of: .zero) {
                    throw DataError(file: set.appendingPathComponent("box.npy").path, item: "frame \(i)", "lattice vector \(k) is zero in a periodic system")
                }
                if periodic || lattice.contains(where: { $0 != .zero }) {
                    cell = Cell(vectors: lattice, periodic: [periodic, periodic, periodic])
                }
            }
            let conformation = Conformation(
                atomicNumbers: numbers, positions: vectors(coord.values, frame: i, count: atoms), cell: cell,
                energy: energy.values[i] * scale, forces: force.map { vectors($0.values, frame: i, count: atoms).map { $0 * scale } },
                properties: ["set": set.lastPathComponent, "frame": String(i)])
            try conformation.validate(file: set.deletingLastPathComponent().path, item: item)
            conformations.append(conformation)
        }
        return conformations
    }

    /// `<set>/<name>.npy`, which must exist.
    static func array(_ set: URL, _ name: String) throws -> NumPyArray {
        let path = set.appendingPathComponent(name + ".npy").path
        return try NumPyArchive.parseNPY(InputFile.read(path), file: path, item: name)
    }

    /// `<set>/<name>.npy`, or nil when the set has no such file.
    static func optionalArray(_ set: URL, _ name: String) throws -> NumPyArray? {
        FileManager.default.fileExists(atPath: set.appendingPathComponent(name + ".npy").path) ? try array(set, name) : nil
    }
}
