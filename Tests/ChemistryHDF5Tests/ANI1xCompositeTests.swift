import Chemistry
import ChemistryHDF5
import Foundation
import Testing
import _TestSupport

/// Composite ANI-1x / ANI-1ccx levels: `hf_<basis>.energy + <method>_<basis>.corr_energy`.
/// Literal values were read with h5py from ../shared/datasets/ani-hdf5/ani1_n5.hdf5
/// (`repr(float(f[group][dataset][index]))`).
@Suite struct ANI1xCompositeTests {
    static let composites = ["mp2_dz", "mp2_qz", "mp2_tz", "npno_ccsd(t)_dz", "npno_ccsd(t)_tz", "tpno_ccsd(t)_dz"]

    /// |a − b| ≤ relative·|b|: sums in Ha then converted and conversions summed differ
    /// by rounding only (a few ulps, ~1e-16 relative).
    static func agree(_ a: Double, _ b: Double, relative: Double) -> Bool {
        Swift.abs(a - b) <= relative * Swift.abs(b)
    }

    /// The HF part of composite `level`: `hf_<basis>.energy`.
    static func hartreeFockPart(of level: String) -> String {
        "hf_\(level.split(separator: "_").last!).energy"
    }

    /// Conformations of the real file where both parts of `level` are finite, counted
    /// straight from the datasets (not through the reader's level logic).
    static func bothPartsFinite(_ level: String) throws -> Int {
        let root = try HDF5File.open(RealFiles.ani1x).root()
        var count = 0
        for name in try root.subgroupNames() {
            let group = try root.group(name)
            let hf = try group.dataset(hartreeFockPart(of: level)).readDoubles()
            let corr = try group.dataset(level + ".corr_energy").readDoubles()
            count += zip(hf, corr).filter { $0.isFinite && $1.isFinite }.count
        }
        return count
    }

    @Test(.enabled(if: RealFiles.available)) func realFileHasTheCompositeLevels() throws {
        let tasks = try ANI1xReader.read(RealFiles.ani1x)
        let composite = tasks.filter { $0.metadata["composite"] != nil }
        #expect(composite.map(\.levelOfTheory.name) == Self.composites)
        for task in composite {
            let level = task.levelOfTheory.name
            #expect(task.name == "ani1_n5@\(level)")
            #expect(task.source.selector == level)
            #expect(task.metadata["composite"] == "\(Self.hartreeFockPart(of: level)) + \(level).corr_energy")
            #expect(task.conformations.count == (try Self.bothPartsFinite(level)))
            #expect(task.conformations.count == 6)
            #expect(task.metadata["nan_energies"] == "2")  // C1H6N2O5 [1] and [2]: both parts NaN
            #expect(task.forceCount == 0 && task.conformations.allSatisfy { $0.forces == nil })
        }
        // The stored levels keep no composite mark.
        #expect(tasks.filter { $0.metadata["composite"] == nil }.map(\.levelOfTheory.name)
                == ["ccsd(t)_cbs", "hf_dz", "hf_qz", "hf_tz", "wb97x_dz", "wb97x_tz"])
    }

    @Test(.enabled(if: RealFiles.available)) func compositeEnergyIsHartreeFockPlusCorrelation() throws {
        let tasks = try ANI1xReader.read(RealFiles.ani1x, levels: ["mp2_tz", "tpno_ccsd(t)_dz"])
        #expect(tasks.map(\.levelOfTheory.name) == ["mp2_tz", "tpno_ccsd(t)_dz"])
        // h5py: f["C1H4N4O4"]["hf_tz.energy"][1] = -557.3375977897574 Ha,
        //       f["C1H4N4O4"]["mp2_tz.corr_energy"][1] = -1.9227664253782224 Ha
        let mp2 = try #require(tasks[0].conformations.first { $0.properties["group"] == "/C1H4N4O4" && $0.properties["index"] == "1" })
        let expected = -557.3375977897574 * Units.hartree + -1.9227664253782224 * Units.hartree
        #expect(Self.agree(mp2.energy, expected, relative: 1e-9), "\(mp2.energy) vs \(expected)")
        // h5py: f["C2H10N6O1"]["hf_dz.energy"][0] = -483.0812862121565 Ha,
        //       f["C2H10N6O1"]["tpno_ccsd(t)_dz.corr_energy"][0] = -1.571133676104905 Ha
        let tpno = try #require(tasks[1].conformations.last)
        #expect(tpno.properties["group"] == "/C2H10N6O1")
        let expectedTPNO = (-483.0812862121565 + -1.571133676104905) * Units.hartree
        #expect(Self.agree(tpno.energy, expectedTPNO, relative: 1e-9))
    }

    @Test(.enabled(if: RealFiles.available)) func unknownLevelListsCompositesToo() throws {
        let error = expectDataError(file: RealFiles.ani1x, item: "mp2_5z.energy", reason: "level mp2_5z not found") {
            _ = try ANI1xReader.read(RealFiles.ani1x, levels: ["mp2_5z"])
        }
        for level in Self.composites + ["wb97x_dz", "ccsd(t)_cbs"] {
            #expect(error?.reason.contains(level) == true, "\(String(describing: error)) should list \(level)")
        }
    }

    // MARK: - Synthetic files

    /// Creates an HDF5 file at a fresh path, letting `build` fill its root group.
    func makeFile(_ name: String, _ build: (HDF5Group) throws -> Void) throws -> String {
        let path = try temporaryPath(name)
        try build(HDF5File.create(path).root())
        return path
    }

    /// A CH4 formula group `name` of 3 conformations with `wb97x_dz.energy/forces` and the
    /// given extra energy datasets (Ha).
    func formulaGroup(_ root: HDF5Group, named name: String = "C1H4", _ datasets: [String: [Double]]) throws {
        let g = try root.createGroup(name)
        try g.createDataset("atomic_numbers", values: [UInt8(6), 1, 1, 1, 1], shape: [5])
        try g.createDataset("coordinates", values: (0..<45).map { Float($0) * 0.3 }, shape: [3, 5, 3])
        try g.createDataset("wb97x_dz.energy", values: [-40.5, -40.4, -40.3], shape: [3])
        try g.createDataset("wb97x_dz.forces", values: [Float](repeating: 0.01, count: 45), shape: [3, 5, 3])
        for (dataset, values) in datasets.sorted(by: { $0.key < $1.key }) {
            try g.createDataset(dataset, values: values, shape: [values.count])
        }
    }

    @Test func aNaNInEitherPartMasksTheConformation() throws {
        let path = try makeFile("composite-nan.h5") {
            try formulaGroup($0, ["hf_dz.energy": [-40.1, .nan, -40.3], "mp2_dz.corr_energy": [-0.2, -0.3, .nan]])
        }
        let tasks = try ANI1xReader.read(path)
        #expect(tasks.map(\.levelOfTheory.name) == ["hf_dz", "wb97x_dz", "mp2_dz"])
        let mp2 = tasks[2]
        #expect(mp2.conformations.map { $0.properties["index"] } == ["0"])
        #expect(Self.agree(mp2.conformations[0].energy, (-40.1 + -0.2) * Units.hartree, relative: 1e-12))
        #expect(mp2.metadata["nan_energies"] == "2")
        #expect(mp2.metadata["composite"] == "hf_dz.energy + mp2_dz.corr_energy")
        #expect(mp2.forceCount == 0)
        #expect(tasks[0].conformations.map { $0.properties["index"] } == ["0", "2"])  // hf_dz alone masks only its NaN
        // Requested explicitly, the same mask applies.
        #expect(try ANI1xReader.read(path, levels: ["mp2_dz"]).map(\.conformations.count) == [1])
    }

    @Test func allNaNCompositeIsAbsentUnlessRequested() throws {
        let path = try makeFile("composite-allnan.h5") {
            try formulaGroup($0, ["hf_tz.energy": [-40.1, -40.2, -40.3], "mp2_tz.corr_energy": [.nan, .nan, .nan]])
        }
        #expect(try ANI1xReader.read(path).map(\.levelOfTheory.name) == ["hf_tz", "wb97x_dz"])
        expectDataError(file: path, item: "hf_tz.energy + mp2_tz.corr_energy", reason: "level mp2_tz has no finite energies") {
            _ = try ANI1xReader.read(path, levels: ["mp2_tz"])
        }
    }

    @Test func aStoredEnergyWinsOverTheComposite() throws {
        // mp2_dz.energy stored in one group: no group of the file forms the composite mp2_dz.
        let path = try makeFile("composite-stored.h5") {
            try formulaGroup($0, named: "C1H4", ["hf_dz.energy": [-40.1, -40.2, -40.3], "mp2_dz.corr_energy": [-0.2, -0.2, -0.2],
                                   "mp2_dz.energy": [-40.0, -40.0, -40.0]])
            try formulaGroup($0, named: "C1H4b", ["hf_dz.energy": [-40.1, -40.2, -40.3], "mp2_dz.corr_energy": [-0.2, -0.2, -0.2]])
        }
        let mp2 = try #require(ANI1xReader.read(path, levels: ["mp2_dz"]).first)
        #expect(mp2.metadata["composite"] == nil)
        #expect(mp2.conformations.map(\.energy) == [Double](repeating: -40.0 * Units.hartree, count: 3))
        #expect(mp2.conformations.allSatisfy { $0.properties["group"] == "/C1H4" })
    }

    @Test func correlationWithoutItsHartreeFockIsNoLevel() throws {
        // hf_dz present but not hf_tz: mp2_tz is not formed; a name without a basis is ignored.
        let path = try makeFile("composite-nohf.h5") {
            try formulaGroup($0, ["hf_dz.energy": [-40.1, -40.2, -40.3], "mp2_tz.corr_energy": [-0.2, -0.2, -0.2],
                           "dz.corr_energy": [-0.2, -0.2, -0.2]])
        }
        #expect(try ANI1xReader.read(path).map(\.levelOfTheory.name) == ["hf_dz", "wb97x_dz"])
        let error = expectDataError(file: path, item: "mp2_tz.energy", reason: "level mp2_tz not found") {
            _ = try ANI1xReader.read(path, levels: ["mp2_tz"])
        }
        #expect(error?.reason.contains("levels in file: hf_dz, wb97x_dz") == true)
    }

    @Test func aCorrelationPartOfTheWrongShapeIsNamed() throws {
        let path = try makeFile("composite-shape.h5") {
            try formulaGroup($0, ["hf_dz.energy": [-40.1, -40.2, -40.3], "mp2_dz.corr_energy": [-0.2, -0.2]])
        }
        expectDataError(file: path, item: "/C1H4/mp2_dz.corr_energy", reason: "does not match 3 conformations") {
            _ = try ANI1xReader.read(path)
        }
    }
}
