import Chemistry
import ChemistryHDF5
import Foundation
import Testing
import _TestSupport

/// Atomic numbers in every HDF5 layout: integers 1…118, never truncated (6.6 → 6), padding
/// only where the layout defines it (trailing −1/0 in ANI-2x rows), checked in our own suite
/// format too. Each case writes one small file and expects a `DataError` naming the file,
/// the dataset and the index.
@Suite struct AtomicNumberCatalogueTests {
    enum Layout: String, Sendable { case ani1x, spice, pyanitools, ani2x, suite }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var layout: Layout
        /// Three atoms per conformation; ANI-2x and suites have two conformations.
        var numbers: [Double]
        /// Stored as float64 (else int64).
        var float = false
        var item: String
        var reason: String
        var testDescription: String { "\(layout.rawValue): \(name)" }
    }

    static let cases: [Case] = [
        Case(name: "6.6 is not carbon", layout: .ani1x, numbers: [6.6, 1, 1], float: true,
             item: "/mol/atomic_numbers", reason: "value 6.6 is not an integer atomic number (atom 0)"),
        Case(name: "NaN", layout: .ani1x, numbers: [6, .nan, 1], float: true,
             item: "/mol/atomic_numbers", reason: "value nan is not an integer atomic number (atom 1)"),
        Case(name: "1.5", layout: .spice, numbers: [8, 1, 1.5], float: true,
             item: "/mol/atomic_numbers", reason: "value 1.5 is not an integer atomic number (atom 2)"),
        Case(name: "−0.5", layout: .spice, numbers: [-0.5, 1, 1], float: true,
             item: "/mol/atomic_numbers", reason: "value -0.5 is not an integer"),
        Case(name: "numeric species 8.2", layout: .pyanitools, numbers: [8.2, 1, 1], float: true,
             item: "/set/mol00/species", reason: "value 8.2 is not an integer atomic number (atom 0)"),
        Case(name: "numeric species 1.9999", layout: .pyanitools, numbers: [8, 1, 1.9999], float: true,
             item: "/set/mol00/species", reason: "value 1.9999 is not an integer"),
        Case(name: "padding −1 before the atoms", layout: .ani2x, numbers: [-1, 6, 1, 6, 1, 1],
             item: "/003/species", reason: "atom 1 of conformation 0 (Z = 6) follows the padding at atom 0"),
        Case(name: "padding 0 before the atoms", layout: .ani2x, numbers: [0, 6, 1, 6, 1, 1],
             item: "/003/species", reason: "atom 1 of conformation 0 (Z = 6) follows the padding at atom 0"),
        Case(name: "padding between atoms", layout: .ani2x, numbers: [6, 1, 1, 6, -1, 8],
             item: "/003/species", reason: "atom 2 of conformation 1 (Z = 8) follows the padding at atom 1"),
        Case(name: "padding −5", layout: .ani2x, numbers: [-5, 6, 1, 6, 1, 1],
             item: "/003/species", reason: "species -5 (conformation 0, atom 0) is neither an atomic number nor the padding"),
        Case(name: "trailing −2", layout: .ani2x, numbers: [6, 1, 1, 6, 1, -2],
             item: "/003/species", reason: "species -2 (conformation 1, atom 2)"),
        Case(name: "padding only", layout: .ani2x, numbers: [6, 1, 1, -1, -1, -1],
             item: "/003/species", reason: "conformation 1 has no atoms (its species row is padding only)"),
        Case(name: "species 6.5", layout: .ani2x, numbers: [6.5, 1, 1, 6, 1, 1], float: true,
             item: "/003/species", reason: "value 6.5 is not an integer atomic number (conformation 0, atom 0)"),
        Case(name: "Z = 0", layout: .suite, numbers: [6, 1, 1, 0, 1, 1],
             item: "/tasks/t/atomic_numbers", reason: "unknown element with atomic number 0 (index 3: conformation 1, atom 0"),
        Case(name: "Z = 200", layout: .suite, numbers: [6, 1, 200, 6, 1, 1],
             item: "/tasks/t/atomic_numbers", reason: "atomic number 200 (index 2: conformation 0, atom 2"),
        Case(name: "Z = −3", layout: .suite, numbers: [6, 1, 1, 6, 1, -3],
             item: "/tasks/t/atomic_numbers", reason: "atomic number -3 (index 5: conformation 1, atom 2"),
        Case(name: "Z = 6.6", layout: .suite, numbers: [6.6, 1, 1, 6, 1, 1], float: true,
             item: "/tasks/t/atomic_numbers", reason: "value 6.6 is not an integer atomic number"),
    ]

    @Test(arguments: cases)
    func isRefused(_ c: Case) throws {
        let path = try temporaryPath("z-\(c.layout.rawValue).h5")
        let root = try HDF5File.create(path).root()
        try Self.write(c.layout, numbers: c.numbers, float: c.float, to: root)
        expectDataError(file: path, item: c.item, reason: c.reason) { try Self.read(c.layout, path) }
    }

    static func write(_ layout: Layout, numbers: [Double], float: Bool, to root: HDF5Group) throws {
        func put(_ group: HDF5Group, _ name: String, _ shape: [Int]) throws {
            if float { try group.createDataset(name, values: numbers, shape: shape) }
            else { try group.createDataset(name, values: numbers.map { Int64($0) }, shape: shape) }
        }
        let one = [Float](repeating: 0, count: 9).enumerated().map { Float($0.offset) * 0.4 }
        switch layout {
        case .ani1x:
            let g = try root.createGroup("mol")
            try put(g, "atomic_numbers", [3])
            try g.createDataset("coordinates", values: one, shape: [1, 3, 3])
            try g.createDataset("wb97x_dz.energy", values: [-40.0], shape: [1])
        case .spice:
            let g = try root.createGroup("mol")
            try put(g, "atomic_numbers", [3])
            try g.createDataset("conformations", values: one, shape: [1, 3, 3])
            try g.createDataset("dft_total_energy", values: [-76.0], shape: [1])
        case .pyanitools:
            let g = try root.createGroup("set").createGroup("mol00")
            try put(g, "species", [3])
            try g.createDataset("coordinates", values: one, shape: [1, 3, 3])
            try g.createDataset("energies", values: [-76.0], shape: [1])
        case .ani2x:
            let g = try root.createGroup("003")
            try put(g, "species", [2, 3])
            try g.createDataset("coordinates", values: one + one, shape: [2, 3, 3])
            try g.createDataset("energies", values: [-40.0, -40.1], shape: [2])
        case .suite:
            let t = try writeSuiteHeader(root)
            try t.writeAttribute("elements", [1, 6])
            try t.createDataset("atom_offsets", values: [Int64(0), 3, 6], shape: [3])
            try put(t, "atomic_numbers", [6])
            try t.createDataset("positions", values: (one + one).map(Double.init), shape: [6, 3])
            try t.createDataset("energies", values: [-1.0, -1.0], shape: [2])
        }
    }

    /// Root attributes of a suite and one task group "t" of two conformations (no datasets).
    static func writeSuiteHeader(_ root: HDF5Group) throws -> HDF5Group {
        try root.writeAttribute("format", "metamlip-suite")
        try root.writeAttribute("format_version", 1)
        try root.writeAttribute("name", "bad")
        let t = try root.createGroup("tasks", trackingOrder: true).createGroup("t")
        for (key, value) in [("name", "t"), ("level_of_theory", "L"), ("source_path", "p"), ("source_format", "f"), ("source_units", "eV")] {
            try t.writeAttribute(key, value)
        }
        try t.writeAttribute("conformation_count", 2)
        try t.writeAttribute("force_count", 0)
        return t
    }

    static func read(_ layout: Layout, _ path: String) throws {
        switch layout {
        case .ani1x: _ = try ANI1xReader.read(path)
        case .spice: _ = try SPICEReader.read(path)
        case .pyanitools: _ = try PyANIToolsReader.read(path)
        case .ani2x: _ = try ANI2xReader.read(path)
        case .suite: _ = try SuiteFile(path: path).loadSuite()
        }
    }

    /// Trailing padding is the layout's own: those atoms are dropped, the rest kept.
    @Test func trailingPaddingIsDropped() throws {
        let path = try temporaryPath("padded.h5")
        try Self.write(.ani2x, numbers: [6, 1, -1, 8, 1, 1], float: false, to: HDF5File.create(path).root())
        let task = try #require(ANI2xReader.read(path).first)
        #expect(task.conformations.map(\.atomicNumbers) == [[6, 1], [8, 1, 1]])
        #expect(task.conformations[0].positions.count == 2)
    }
}

/// Suite files whose task attributes or conformations are not valid data.
@Suite struct SuiteContentCatalogueTests {
    enum Defect: String, CaseIterable, Sendable { case elementZero, elementHuge, emptyConformation, nanEnergy, nanPosition }

    @Test(arguments: Defect.allCases)
    func isRefused(_ defect: Defect) throws {
        let path = try temporaryPath("suite-\(defect.rawValue).h5")
        let t = try AtomicNumberCatalogueTests.writeSuiteHeader(HDF5File.create(path).root())
        try t.writeAttribute("elements", defect == .elementZero ? [0, 1] : defect == .elementHuge ? [1, 300] : [1, 8])
        let offsets: [Int64] = defect == .emptyConformation ? [0, 0, 6] : [0, 3, 6]
        try t.createDataset("atom_offsets", values: offsets, shape: [3])
        try t.createDataset("atomic_numbers", values: [Int32(8), 1, 1, 8, 1, 1], shape: [6])
        var positions = (0..<18).map { Double($0) * 0.3 }
        if defect == .nanPosition { positions[4] = .nan }
        try t.createDataset("positions", values: positions, shape: [6, 3])
        try t.createDataset("energies", values: [-1.0, defect == .nanEnergy ? .nan : -1.0], shape: [2])
        let (item, reason): (String, String) = switch defect {
        case .elementZero: ("/tasks/t@elements", "unknown element with atomic number 0")
        case .elementHuge: ("/tasks/t@elements", "unknown element with atomic number 300")
        case .emptyConformation: ("/tasks/t[0]", "has no atoms")
        case .nanEnergy: ("/tasks/t[1]", "energy is not finite")
        case .nanPosition: ("/tasks/t[0]", "positions contain NaN")
        }
        expectDataError(file: path, item: item, reason: reason) { _ = try SuiteFile(path: path).loadSuite() }
    }
}
