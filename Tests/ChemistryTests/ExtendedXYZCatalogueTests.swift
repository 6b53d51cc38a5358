import Foundation
import Testing
import _TestSupport
@testable import Chemistry

/// Malformed extended XYZ: each is refused with the file, frame/atom and reason named —
/// none is read as something else.
@Suite struct ExtendedXYZCatalogueTests {
    static let lattice = "Lattice=\"5 0 0 0 5 0 0 0 5\""
    static let cases: [BadInput] = [
        BadInput(name: "atom count beyond Int arithmetic", text: "9223372036854775807\nenergy=1\nH 0 0 0\n",
                 item: "frame 0 (line 1)", reason: "file ends before the frame's 9223372036854775807 atom lines"),
        BadInput(name: "energy given twice", text: "2\nenergy=1.0 energy=2.0\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "key 'energy' appears twice"),
        BadInput(name: "pbc given twice", text: "2\n\(lattice) pbc=\"T T T\" energy=1 pbc=\"F F F\"\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "key 'pbc' appears twice"),
        BadInput(name: "Properties names a column twice",
                 text: "2\nProperties=species:S:1:pos:R:3:pos:R:3 energy=1\nH 0 0 0 1 1 1\nH 0 0 1 1 1 1\n",
                 item: "frame 0 (line 1)", reason: "names column pos twice"),
        BadInput(name: "Properties type is not S R I L",
                 text: "2\nProperties=species:S:1:pos:X:3 energy=1\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "type 'X' of pos"),
        BadInput(name: "species column two wide",
                 text: "2\nProperties=species:S:2:pos:R:3 energy=1\nH H 0 0 0\nH H 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "lacks species:S:1"),
        BadInput(name: "pbc flag that is not T or F", text: "2\n\(lattice) pbc=\"T T X\" energy=1\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "pbc flag 'X' is not T or F"),
        BadInput(name: "pbc yes/no", text: "2\n\(lattice) pbc=\"yes yes no\" energy=1\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "pbc flag 'yes'"),
        BadInput(name: "pbc garbage without Lattice", text: "2\npbc=\"X X X\" energy=1\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "pbc flag 'X'"),
        BadInput(name: "Lattice with a word among nine numbers",
                 text: "2\nLattice=\"5 0 0 0 5 0 0 0 five 5\" energy=1\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "Lattice has 10 numbers"),
        BadInput(name: "Lattice with NaN", text: "2\nLattice=\"5 0 0 0 5 0 0 0 nan\" energy=1\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "Lattice entry 'nan' is not a finite number"),
        BadInput(name: "Lattice with infinity", text: "2\nLattice=\"inf 0 0 0 5 0 0 0 5\" energy=1\nH 0 0 0\nH 0 0 1\n",
                 item: "frame 0 (line 1)", reason: "Lattice entry 'inf'"),
        BadInput(name: "row wider than Properties",
                 text: "2\nProperties=species:S:1:pos:R:3:forces:R:3 energy=1\nH 0 0 0 1 1 1 9\nH 0 0 1 1 1 1\n",
                 item: "atom 0 (line 3)", reason: "has 8 columns, Properties declares 7"),
        BadInput(name: "second frame row wider than Properties",
                 text: "1\nenergy=-1 config_type=IsolatedAtom\nH 0 0 0\n2\nProperties=species:S:1:pos:R:3 energy=1\nH 0 0 0\nH 0 0 1 0.5\n",
                 item: "frame 1 (line 4), atom 1 (line 7)", reason: "has 5 columns, Properties declares 4"),
        BadInput(name: "blank lines only", text: "\n   \n\t\n", item: "", reason: "holds no frames"),
        BadInput(name: "CRLF file truncated mid-frame", text: "3\r\nenergy=1\r\nH 0 0 0\r\nH 0 0 1\r\n",
                 item: "frame 0 (line 1)", reason: "file ends before the frame's 3 atom lines"),
        BadInput(name: "CRLF file with an unknown element", text: "2\r\nenergy=1\r\nH 0 0 0\r\nQq 0 0 1\r\n",
                 item: "atom 1 (line 4)", reason: "unknown element 'Qq'"),
    ]

    @Test(arguments: cases)
    func isRefused(_ input: BadInput) {
        expectDataError(file: "bad.xyz", item: input.item, reason: input.reason) {
            _ = try ExtendedXYZReader().parse(input.text, file: "bad.xyz")
        }
    }

    /// ASE reads Windows line endings; so do we, with identical results.
    @Test(.enabled(if: SharedData.isAvailable),
          arguments: ["3bpa/train_300K.xyz", "acac/test_dihedral.xyz", "solvents/solvent_xtb_train_200.xyz"])
    func crlfCopyReadsIdentically(_ relative: String) throws {
        let original = SharedData.path(relative)
        let text = try String(contentsOfFile: original, encoding: .utf8)
        let dir = try SharedData.temporaryDirectory("crlf")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = relative.hasPrefix("solvents") ? ExtendedXYZReader(energyKey: "energy_xtb", forcesKey: "forces_xtb")
                                                    : ExtendedXYZReader()
        let expected = try reader.read(path: original)
        for (name, ending) in [("crlf.xyz", "\r\n"), ("cr.xyz", "\r")] {
            let copy = dir.appendingPathComponent(name)
            try Data(text.replacingOccurrences(of: "\n", with: ending).utf8).write(to: copy)
            let read = try reader.read(path: copy.path)
            #expect(read.conformations == expected.conformations, "\(name)")
            #expect(read.isolatedAtomEnergies == expected.isolatedAtomEnergies, "\(name)")
        }
        #expect(!expected.conformations.isEmpty)
    }
}
