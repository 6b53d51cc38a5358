import Chemistry
import ChemistryHDF5
import Foundation
import Testing
import _TestSupport

/// Reader tests on the real files. Literal values were read with h5py from the files in
/// ../shared/datasets/ani-hdf5 (`h5py.File(...)[group][dataset][index]`, printed with repr).
@Suite(.enabled(if: RealFiles.available)) struct ReaderTests {
    @Test func ani1xLevelsAndCounts() throws {
        let tasks = try ANI1xReader.read(RealFiles.ani1x)
        // Stored levels first, then the composites hf_<basis> + <method>_<basis>.corr_energy.
        #expect(tasks.map(\.name) == ["ani1_n5@ccsd(t)_cbs", "ani1_n5@hf_dz", "ani1_n5@hf_qz", "ani1_n5@hf_tz",
                                      "ani1_n5@wb97x_dz", "ani1_n5@wb97x_tz",
                                      "ani1_n5@mp2_dz", "ani1_n5@mp2_qz", "ani1_n5@mp2_tz",
                                      "ani1_n5@npno_ccsd(t)_dz", "ani1_n5@npno_ccsd(t)_tz", "ani1_n5@tpno_ccsd(t)_dz"])
        // C1H6N2O5 has 3 conformations but ccsd(t)_cbs, hf_* and the correlation energies
        // only for the first (NaN otherwise).
        #expect(tasks.map(\.conformations.count) == [6, 6, 6, 6, 8, 8, 6, 6, 6, 6, 6, 6])
        #expect(tasks.map(\.forceCount) == [0, 0, 0, 0, 8, 8, 0, 0, 0, 0, 0, 0])
        #expect(tasks.map { $0.metadata["nan_energies"] } == ["2", "2", "2", "2", "0", "0", "2", "2", "2", "2", "2", "2"])
        for task in tasks {
            #expect(task.source.format == "ani1x-hdf5")
            #expect(task.source.selector == task.levelOfTheory.name)
            #expect(task.elements == [1, 6, 7, 8])
        }
        let ccsd = try #require(tasks.first { $0.levelOfTheory == "ccsd(t)_cbs" })
        #expect(ccsd.conformations.filter { $0.properties["group"] == "/C1H6N2O5" }.map { $0.properties["index"] } == ["0"])
        // h5py: f["C2H10N6O1"]["ccsd(t)_cbs.energy"][0] = -485.4651805997661 Ha
        #expect(ccsd.conformations.last!.energy == -485.4651805997661 * Units.hartree)
        #expect(ccsd.conformations.last!.formula == "C2H10N6O")
    }

    @Test func ani1xValuesAreConverted() throws {
        let dz = try #require(ANI1xReader.read(RealFiles.ani1x, levels: ["wb97x_dz"]).first)
        let first = dz.conformations[0], second = dz.conformations[1]
        // h5py: f["C1H4N4O4"]["wb97x_dz.energy"][:2] = [-559.9673266512569, -559.9878197137753] Ha
        #expect(first.energy == -559.9673266512569 * Units.hartree)
        #expect(second.energy == -559.9878197137753 * Units.hartree)
        #expect(first.atomicNumbers == [6, 1, 1, 1, 1, 7, 7, 7, 7, 8, 8, 8, 8])
        // float32 values are given as h5py's repr(float(x)), i.e. exactly widened to float64.
        // h5py: f["C1H4N4O4"]["coordinates"][0, 0] = [1.0234025716781616, 0.8291100263595581, 0.10283027589321136] Å
        #expect(first.positions[0] == SIMD3(1.0234025716781616, 0.8291100263595581, 0.10283027589321136))
        // h5py: f["C1H4N4O4"]["wb97x_dz.forces"][1, 12] = [-0.04311760887503624, 0.01823907531797886, -0.017295824363827705] Ha/Å
        let f = try #require(second.forces)[12]
        #expect(f == SIMD3(-0.04311760887503624, 0.01823907531797886, -0.017295824363827705) * Units.hartree)
    }

    @Test func ani1xLevelFilterKeepsRequestedOrder() throws {
        let tasks = try ANI1xReader.read(RealFiles.ani1x, levels: ["wb97x_tz", "hf_dz"])
        #expect(tasks.map(\.levelOfTheory.name) == ["wb97x_tz", "hf_dz"])
        // mp2_dz exists only as hf_dz.energy + mp2_dz.corr_energy: a composite level.
        #expect(try ANI1xReader.read(RealFiles.ani1x, levels: ["mp2_dz", "hf_dz"]).map(\.levelOfTheory.name) == ["mp2_dz", "hf_dz"])
        expectDataError(file: RealFiles.ani1x, item: "mp3_dz.energy", reason: "not found") {
            _ = try ANI1xReader.read(RealFiles.ani1x, levels: ["mp3_dz"])
        }
    }

    @Test func s66x8PyANIToolsLayout() throws {
        let tasks = try PyANIToolsReader.read(RealFiles.s66x8)
        #expect(tasks.count == 1)
        let task = tasks[0]
        #expect(task.name == "s66x8_wb97x6-31gd@wb97x/6-31g*")  // level from the `lot` datasets
        #expect(task.source.format == "pyanitools-hdf5")
        #expect(task.conformations.count == 528)
        #expect(task.forceCount == 528)
        #expect(task.elements == [1, 6, 7, 8])
        // h5py: f["s66x8/mol00/species"] = [b'O', b'H', b'H', b'O', b'H', b'H'];
        // energies[0] = -152.788639623 Ha; f["s66x8/mol65/energies"][7] = -344.036265363 Ha
        #expect(task.conformations[0].atomicNumbers == [8, 1, 1, 8, 1, 1])
        #expect(task.conformations[0].energy == -152.788639623 * Units.hartree)
        #expect(task.conformations[527].energy == -344.036265363 * Units.hartree)
        #expect(task.conformations[527].properties["group"] == "/s66x8/mol65")
    }

    @Test func ani2xTorchANILayout() throws {
        let task = try #require(ANI2xReader.read(RealFiles.ani2x).first)
        #expect(task.name == "ani2x_minimal@wb97x_631gd")
        #expect(task.source.format == "ani2x-hdf5")
        #expect(task.conformations.count == 5706)
        #expect(task.forceCount == 5706)
        #expect(task.elements.map { Element(atomicNumber: $0)!.symbol } == ["H", "C", "N", "O", "F", "S", "Cl"])
        // h5py: f["002/species"][0] = [6, 8], energies[0] = -113.278573616 Ha,
        // forces[0, 0, 2] = 0.14980901777744293 Ha/Å, coordinates[0, 1, 2] = 0.5021212697029114 Å (float32)
        let first = task.conformations[0]
        #expect(first.atomicNumbers == [6, 8])
        #expect(first.energy == -113.278573616 * Units.hartree)
        #expect(first.forces![0].z == 0.14980901777744293 * Units.hartree)
        #expect(first.positions[1].z == 0.5021212697029114)
        // h5py: species[-1] = [16, 16], energies[-1] = -796.272100137, forces[-1, 0, 2] = 0.09347248822450638
        let last = task.conformations[5705]
        #expect(last.atomicNumbers == [16, 16])
        #expect(last.energy == -796.272100137 * Units.hartree)
        #expect(last.forces![0].z == 0.09347248822450638 * Units.hartree)
    }

    @Test func spiceUnitsAreConverted() throws {
        let task = try #require(SPICEReader.read(RealFiles.spice).first)
        #expect(task.source.format == "spice-hdf5")
        #expect(task.conformations.count == 55)
        #expect(task.forceCount == 55)
        #expect(task.elements == [1, 6, 7, 11])
        let forceFactor = Units.hartree / Units.bohr
        // float32 values are given as h5py's repr(float(x)), i.e. exactly widened to float64.
        // h5py: f["103147721/conformations"][0, 0] = [1.3423489332199097, 4.156236171722412, -3.272456645965576] Bohr,
        // dft_total_energy[0] = -370.43397424571714 Ha,
        // dft_total_gradient[0, 0] = [-0.0017992175417020917, 0.031405963003635406, -0.019253332167863846] Ha/Bohr
        let first = task.conformations[0]
        #expect(first.properties["group"] == "/103147721")
        #expect(first.positions[0] == SIMD3(1.3423489332199097, 4.156236171722412, -3.272456645965576) * Units.bohr)
        #expect(first.energy == -370.43397424571714 * Units.hartree)
        let gradient = SIMD3(-0.0017992175417020917, 0.031405963003635406, -0.019253332167863846)
        #expect(first.forces![0] == -gradient * forceFactor)
        // h5py: f["C#C.[Na+]"]: atomic_numbers [6, 6, 1, 1, 11];
        // conformations[4, 4] = [0.0759480893611908, 2.808681011199951, 1.824965238571167] Bohr;
        // dft_total_gradient[4, 4] = [-0.0036682942882180214, -0.0006670011789537966, -0.0015909787034615874] Ha/Bohr;
        // dft_total_energy[4] = -239.52013294205506 Ha
        let last = task.conformations[54]
        #expect(last.atomicNumbers == [6, 6, 1, 1, 11])
        #expect(last.properties["smiles"] == "[H:3][C:1]#[C:2][H:4].[Na+:5]")
        #expect(last.positions[4] == SIMD3(0.0759480893611908, 2.808681011199951, 1.824965238571167) * Units.bohr)
        #expect(last.forces![4] == -SIMD3(-0.0036682942882180214, -0.0006670011789537966, -0.0015909787034615874) * forceFactor)
        #expect(last.energy == -239.52013294205506 * Units.hartree)
    }

    @Test func layoutDetection() throws {
        #expect(try HDF5Layout.detect(file: RealFiles.ani1x) == .ani1x)
        #expect(try HDF5Layout.detect(file: RealFiles.s66x8) == .pyanitools)
        #expect(try HDF5Layout.detect(file: RealFiles.ani2x) == .ani2x)
        #expect(try HDF5Layout.detect(file: RealFiles.spice) == .spice)
        #expect(try HDF5TaskReader.read(RealFiles.spice).map(\.source.format) == ["spice-hdf5"])
        #expect(try HDF5TaskReader.read(RealFiles.ani1x, levels: ["hf_qz"]).map(\.conformations.count) == [6])
        expectDataError(file: RealFiles.ani2x, item: "", reason: "level b3lyp not found") {
            _ = try HDF5TaskReader.read(RealFiles.ani2x, levels: ["b3lyp"])
        }
    }
}
