import Foundation

/// Reader for the mlearn JSON records (Zuo et al., J. Phys. Chem. A 2020): a list of
/// `{structure: pymatgen Structure, num_atoms, group, outputs: {energy, forces}}`.
///
/// Cells are fully periodic; `energy` is the whole cell's energy in eV, forces in eV/Å.
/// The record's `group` (e.g. "Ab initio MD", "Vacancy") becomes `config_type`.
public struct MLearnJSONReader: Sendable {
    public init() {}

    private struct Record: Decodable {
        struct Structure: Decodable {
            struct Lattice: Decodable { var matrix: [[Double]] }
            struct Site: Decodable {
                struct Species: Decodable { var element: String }
                var species: [Species]
                var xyz: [Double]
            }
            var lattice: Lattice
            var sites: [Site]
        }
        struct Outputs: Decodable {
            var energy: Double?
            var forces: [[Double]]?
        }
        var structure: Structure
        var num_atoms: Int?
        var group: String?
        var outputs: Outputs
    }

    /// Reads every record; throws a `DataError` naming the file (missing, a directory, empty)
    /// or the record index.
    public func read(path: String) throws -> [Conformation] {
        let data = try InputFile.read(path)
        let records: [Record]
        do { records = try JSONDecoder().decode([Record].self, from: data) } catch let error as DecodingError {
            throw DataError(file: path, decoding: error, context: "malformed mlearn JSON")
        }
        return try records.enumerated().map { index, record in
            let item = "record \(index)"
            let lattice = record.structure.lattice.matrix
            guard lattice.count == 3, lattice.allSatisfy({ $0.count == 3 }) else {
                throw DataError(file: path, item: item, "lattice.matrix is not 3×3")
            }
            var numbers: [Int] = [], positions: [SIMD3<Double>] = []
            for (s, site) in record.structure.sites.enumerated() {
                guard site.species.count == 1, let element = Element(symbol: site.species[0].element) else {
                    throw DataError(file: path, item: "\(item), site \(s)",
                                    "unknown or mixed species \(site.species.map(\.element))")
                }
                guard site.xyz.count == 3 else { throw DataError(file: path, item: "\(item), site \(s)", "xyz needs 3 numbers") }
                numbers.append(element.atomicNumber)
                positions.append(SIMD3(site.xyz[0], site.xyz[1], site.xyz[2]))
            }
            if let declared = record.num_atoms, declared != numbers.count {
                throw DataError(file: path, item: item, "num_atoms \(declared) but \(numbers.count) sites")
            }
            guard let energy = record.outputs.energy else {
                throw DataError(file: path, item: item, "outputs.energy is missing")
            }
            var forces: [SIMD3<Double>]? = nil
            if let f = record.outputs.forces {
                guard f.count == numbers.count, f.allSatisfy({ $0.count == 3 }) else {
                    throw DataError(file: path, item: item, "outputs.forces has \(f.count) rows for \(numbers.count) atoms")
                }
                forces = f.map { SIMD3($0[0], $0[1], $0[2]) }
            }
            let cell = Cell(vectors: lattice.map { SIMD3($0[0], $0[1], $0[2]) })
            var properties = ["index": String(index)]
            if let group = record.group { properties["config_type"] = group }
            let conf = Conformation(atomicNumbers: numbers, positions: positions, cell: cell,
                                    energy: energy, forces: forces, properties: properties)
            try conf.validate(file: path, item: item)
            return conf
        }
    }
}
