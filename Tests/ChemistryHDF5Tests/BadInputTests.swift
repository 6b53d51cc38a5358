import Chemistry
import ChemistryHDF5
import Foundation
import Testing
import _TestSupport

/// Malformed inputs, built here with the HDF5 writer: every reader must throw a
/// `DataError` naming the file and the offending group or dataset.
@Suite struct BadInputTests {
    /// Creates an HDF5 file at a fresh path, letting `build` fill its root group.
    func makeFile(_ name: String, _ build: (HDF5Group) throws -> Void) throws -> String {
        let path = try temporaryPath(name)
        try build(HDF5File.create(path).root())
        return path
    }

    /// An ANI-1x-style formula group with 5 atoms and 2 conformations.
    func ani1xGroup(_ root: HDF5Group, coordinates: Bool = true, energyCount: Int = 2, forceAtoms: Int = 5,
                    ccsd: [Double] = [.nan, .nan], nanForcesInSecond: Bool = false) throws {
        let g = try root.createGroup("C1H4")
        try g.createDataset("atomic_numbers", values: [UInt8(6), 1, 1, 1, 1], shape: [5])
        if coordinates { try g.createDataset("coordinates", values: [Float](repeating: 0.5, count: 30), shape: [2, 5, 3]) }
        try g.createDataset("wb97x_dz.energy", values: Array([-40.5, -40.4, -40.3].prefix(energyCount)), shape: [energyCount])
        var forces = [Float](repeating: 0.01, count: 6 * forceAtoms)
        if nanForcesInSecond { forces[3 * forceAtoms + 4] = .nan }
        try g.createDataset("wb97x_dz.forces", values: forces, shape: [2, forceAtoms, 3])
        try g.createDataset("ccsd(t)_cbs.energy", values: ccsd, shape: [2])
        try g.createDataset("mp2_dz.corr_energy", values: [-0.1, -0.1], shape: [2])
    }

    @Test func ani1xGroupMissingCoordinates() throws {
        let path = try makeFile("nocoords.h5") { try ani1xGroup($0, coordinates: false) }
        expectDataError(file: path, item: "/C1H4/coordinates", reason: "missing") { _ = try ANI1xReader.read(path) }
    }

    @Test func ani1xMismatchedShapes() throws {
        let energies = try makeFile("energies.h5") { try ani1xGroup($0, energyCount: 3) }
        expectDataError(file: energies, item: "/C1H4/wb97x_dz.energy", reason: "shape (3,) does not match 2 conformations") {
            _ = try ANI1xReader.read(energies)
        }
        let forces = try makeFile("forces.h5") { try ani1xGroup($0, forceAtoms: 4) }
        expectDataError(file: forces, item: "/C1H4/wb97x_dz.forces", reason: "shape (2, 4, 3)") { _ = try ANI1xReader.read(forces) }
    }

    @Test func ani1xAllNaNLevelIsAbsentUnlessRequested() throws {
        let path = try makeFile("nan.h5") { try ani1xGroup($0) }
        let tasks = try ANI1xReader.read(path)
        #expect(tasks.map(\.levelOfTheory.name) == ["wb97x_dz"])  // ccsd(t)_cbs is all NaN; mp2_dz.corr_energy has no hf_dz
        #expect(tasks[0].conformations.count == 2 && tasks[0].forceCount == 2)
        expectDataError(file: path, item: "ccsd(t)_cbs.energy", reason: "level ccsd(t)_cbs has no finite energies") {
            _ = try ANI1xReader.read(path, levels: ["ccsd(t)_cbs"])
        }
    }

    @Test func ani1xPartialNaNMasksPerConformation() throws {
        let path = try makeFile("partial.h5") { try ani1xGroup($0, ccsd: [.nan, -40.6]) }
        let ccsd = try #require(ANI1xReader.read(path, levels: ["ccsd(t)_cbs"]).first)
        #expect(ccsd.conformations.map { $0.properties["index"] } == ["1"])
        #expect(ccsd.conformations[0].energy == -40.6 * Units.hartree && ccsd.forceCount == 0)
    }

    @Test func ani1xNaNForcesKeepTheEnergy() throws {
        let path = try makeFile("nanforces.h5") { try ani1xGroup($0, nanForcesInSecond: true) }
        let dz = try #require(ANI1xReader.read(path).first)
        #expect(dz.conformations.count == 2)
        #expect(dz.conformations[0].forces?[0] == SIMD3(repeating: Double(Float(0.01)) * Units.hartree))
        #expect(dz.conformations[1].forces == nil)
        #expect(dz.conformations[1].energy == -40.4 * Units.hartree)
    }

    /// A pyanitools-style molecule group under /set/mol00.
    func pyanitoolsGroup(_ root: HDF5Group, species: [String] = ["C", "H"], coordinates: Bool = true,
                         energies: Int = 2) throws {
        let g = try root.createGroup("set").createGroup("mol00")
        try g.createStringDataset("species", strings: species, fixedLength: true)
        if coordinates { try g.createDataset("coordinates", values: [Float](repeating: 1, count: 12), shape: [2, 2, 3]) }
        try g.createDataset("energies", values: Array([-38.0, -38.1, -38.2].prefix(energies)), shape: [energies])
    }

    @Test func pyanitoolsErrors() throws {
        let unknown = try makeFile("species.h5") { try pyanitoolsGroup($0, species: ["C", "Xx"]) }
        expectDataError(file: unknown, item: "/set/mol00/species", reason: "unknown element symbol 'Xx'") {
            _ = try PyANIToolsReader.read(unknown)
        }
        let noCoordinates = try makeFile("nocoords-pyani.h5") { try pyanitoolsGroup($0, coordinates: false) }
        expectDataError(file: noCoordinates, item: "/set/mol00/coordinates", reason: "missing") {
            _ = try PyANIToolsReader.read(noCoordinates)
        }
        let atoms = try makeFile("atoms.h5") { try pyanitoolsGroup($0, species: ["C", "H", "H"]) }
        expectDataError(file: atoms, item: "/set/mol00/coordinates", reason: "does not match 3 species") {
            _ = try PyANIToolsReader.read(atoms)
        }
        let energies = try makeFile("energies-pyani.h5") { try pyanitoolsGroup($0, energies: 3) }
        expectDataError(file: energies, item: "/set/mol00/energies", reason: "shape (3,)") { _ = try PyANIToolsReader.read(energies) }
        let good = try makeFile("good-pyani.h5") { try pyanitoolsGroup($0) }
        let task = try #require(PyANIToolsReader.read(good, level: "custom").first)
        #expect(task.levelOfTheory == "custom" && task.conformations.count == 2 && task.forceCount == 0)
    }

    @Test func ani2xAndSpiceErrors() throws {
        let species = try makeFile("ani2x.h5") { root in
            let g = try root.createGroup("002")
            try g.createDataset("species", values: [6, 200, 6, 8], shape: [2, 2])
            try g.createDataset("coordinates", values: [Float](repeating: 0, count: 12), shape: [2, 2, 3])
            try g.createDataset("energies", values: [-1.0, -2.0], shape: [2])
        }
        #expect(try HDF5Layout.detect(file: species) == .ani2x)
        expectDataError(file: species, item: "/002/species", reason: "unknown element with atomic number 200") {
            _ = try ANI2xReader.read(species)
        }
        let spice = try makeFile("spice.h5") { root in
            let g = try root.createGroup("mol")
            try g.createDataset("atomic_numbers", values: [Int16(1), 1], shape: [2])
            try g.createDataset("conformations", values: [Float](repeating: 0, count: 6), shape: [1, 2, 3])
            try g.createDataset("dft_total_energy", values: [-1.0], shape: [1])
            try g.createDataset("dft_total_gradient", values: [Float](repeating: 0, count: 9), shape: [1, 3, 3])
        }
        #expect(try HDF5Layout.detect(file: spice) == .spice)
        expectDataError(file: spice, item: "/mol/dft_total_gradient", reason: "shape (1, 3, 3)") { _ = try SPICEReader.read(spice) }
    }

    @Test func unknownLayoutIsAnError() throws {
        let path = try makeFile("unknown.h5") { root in
            try root.createGroup("stuff").createDataset("values", values: [1.0], shape: [1])
        }
        expectDataError(file: path, item: "/stuff", reason: "no known HDF5 layout") { _ = try HDF5Layout.detect(file: path) }
        let empty = try makeFile("empty.h5") { _ in }
        expectDataError(file: empty, item: "/", reason: "no known HDF5 layout") { _ = try HDF5Layout.detect(file: empty) }
        expectDataError(file: empty, item: "/@format", reason: "not a metamlip-suite file") { _ = try SuiteFile(path: empty) }
    }

    @Test func corruptSuiteShapesAreErrors() throws {
        let path = try makeFile("suite-bad.h5") { root in
            try root.writeAttribute("format", "metamlip-suite")
            try root.writeAttribute("format_version", 1)
            try root.writeAttribute("name", "bad")
            let t = try root.createGroup("tasks", trackingOrder: true).createGroup("t")
            for (key, value) in [("name", "t"), ("level_of_theory", "L"), ("source_path", "p"), ("source_format", "f"), ("source_units", "eV")] {
                try t.writeAttribute(key, value)
            }
            try t.writeAttribute("conformation_count", 2)
            try t.writeAttribute("force_count", 0)
            try t.writeAttribute("elements", [1])
            try t.createDataset("atom_offsets", values: [Int64(0), 2, 4], shape: [3])
            try t.createDataset("atomic_numbers", values: [Int32(1), 1, 1, 1], shape: [4])
            try t.createDataset("positions", values: [Double](repeating: 0, count: 9), shape: [3, 3])
            try t.createDataset("energies", values: [-1.0, -1.0], shape: [2])
        }
        let file = try SuiteFile(path: path)
        #expect(file.taskNames == ["t"])
        expectDataError(file: path, item: "/tasks/t/positions", reason: "shape (3, 3)") { _ = try file.loadTask(named: "t") }
    }
}
