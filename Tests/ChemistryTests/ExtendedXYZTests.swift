import Foundation
import Testing
import _TestSupport
@testable import Chemistry

@Suite struct ExtendedXYZTests {
    @Test func reads3BPAWithForcesAndIsolatedAtoms() throws {
        let contents = try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz"))
        #expect(contents.conformations.count == 500)
        let first = contents.conformations[0]
        #expect(first.atomCount == 27)
        #expect(first.formula == "C12H12N2O")
        #expect(first.energy == -17660.461737861464)
        #expect(first.forces?[0] == SIMD3(0.17092934, 0.13274200, 0.79555789))
        #expect(first.positions[0] == SIMD3(0.32656990, -1.01286015, 0.72107275))
        #expect(first.cell?.isPeriodic == false)
        #expect(first.properties["dihedrals"] == "_JSON [209.44, 80.54, 59.96]")

        let iso = try ExtendedXYZReader().read(path: SharedData.path("3bpa/iso_atoms.xyz"))
        #expect(iso.conformations.isEmpty)
        #expect(iso.isolatedAtomEnergies[1] == -13.587222780835477)
        #expect(iso.isolatedAtomEnergies[6] == -1029.4889999855063)
        #expect(iso.isolatedAtomEnergies.keys.sorted() == [1, 6, 7, 8])
    }

    @Test func readsXTBKeysAndRecognisesIsolatedAtomRows() throws {
        let reader = ExtendedXYZReader(energyKey: "energy_xtb", forcesKey: "forces_xtb")
        let contents = try reader.read(path: SharedData.path("solvents/solvent_xtb_train_200.xyz"))
        #expect(contents.conformations.count == 200)
        #expect(contents.isolatedAtomEnergies[1] == -10.707211383396714)
        #expect(contents.isolatedAtomEnergies.count == 3)
        #expect(contents.conformations.allSatisfy { $0.forces != nil })
    }

    @Test func convertsKcalPerMol() throws {
        let reader = ExtendedXYZReader(energyUnit: .kcalPerMol)
        let contents = try reader.read(path: SharedData.path("ethanol/md17_pbe_vdwts_sample.xyz"))
        #expect(contents.conformations.count == 2000)
        let first = contents.conformations[0]
        #expect(first.energy == -97195.01189948035 * Units.kcalPerMol)
        #expect(first.forces![0].x == 26.23068692 * Units.kcalPerMol)
    }

    @Test func selectsConfigTypesAndReadsEnergyOnlyFrames() throws {
        let reader = ExtendedXYZReader(configTypes: ["dihedral_scan"])
        let contents = try reader.read(path: SharedData.path("acac/test_dihedral.xyz"))
        #expect(contents.conformations.count == 45)
        #expect(contents.conformations.allSatisfy { $0.forces == nil })
        #expect(contents.conformations[0].properties["dihedral_angle"] == "1.0")
    }

    @Test func periodicLatticeIsRead() throws {
        let text = """
        2
        Lattice="3.0 0 0 0 4.0 0 0 0 5.0" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 pbc="T T F"
        Si 0 0 0 0.1 0.2 0.3
        Si 1 1 1 -0.1 -0.2 -0.3

        """
        let contents = try ExtendedXYZReader().parse(text, file: "cell.xyz")
        let cell = try #require(contents.conformations.first?.cell)
        #expect(cell.periodic == [true, true, false])
        #expect(cell.vectors[1] == SIMD3(0, 4, 0))
        #expect(abs(cell.volume - 60) < 1e-12)
    }

    static let malformed: [(String, String, String)] = [
        ("x\ncomment\n", "frame 0 (line 1)", "expected an atom count"),
        ("2\nenergy=1.0\nH 0 0 0\n", "frame 0 (line 1)", "truncated"),
        ("1\nenergy=1.0 config_type=x\nXx 0 0 0\n", "atom 0 (line 3)", "unknown element 'Xx'"),
        ("2\nfoo=1.0\nH 0 0 0\nH 0 0 1\n", "frame 0 (line 1)", "no 'energy'"),
        ("2\nenergy=nan\nH 0 0 0\nH 0 0 1\n", "frame 0 (line 1)", "not a finite number"),
        ("2\nenergy=1.0\nH 0 0 abc\nH 0 0 1\n", "atom 0 (line 3)", "malformed number"),
        ("2\nenergy=1.0 note=\"open\nH 0 0 0\nH 0 0 1\n", "frame 0 (line 1)", "unterminated quote"),
        ("2\nProperties=species:S:1:pos:R:3:forces:R:3 energy=1\nH 0 0 0 1 1\nH 0 0 1 1 1 1\n",
         "atom 0 (line 3)", "Properties declares 7"),
        ("2\nLattice=\"1 0 0 0 1 0\" energy=1\nH 0 0 0\nH 0 0 1\n", "frame 0 (line 1)", "Lattice has 6"),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedFramesNameFileAndFrame(_ index: Int) {
        let (text, item, reason) = Self.malformed[index]
        do {
            _ = try ExtendedXYZReader().parse(text, file: "bad.xyz")
            Issue.record("expected an error for case \(index)")
        } catch let error as DataError {
            #expect(error.file == "bad.xyz")
            #expect(error.item?.contains(item) == true, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: DataError.self) { try ExtendedXYZReader().read(path: "/nonexistent/file.xyz") }
    }
}
