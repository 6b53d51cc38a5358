import Foundation
import Testing
import _TestSupport
@testable import Chemistry

/// The energy/force keys of an extended-XYZ file when the user names none: exact reference
/// names first, never a model's prediction, and an error listing the candidates when two
/// are equally plausible.
@Suite struct LabelKeyGuessTests {
    /// A two-frame file (an isolated atom, then a molecule) whose molecule frame has `comment`
    /// and the per-atom columns `columns` (name, width) after species and pos.
    static func file(_ comment: String, columns: [String] = []) throws -> String {
        let dir = try SharedData.temporaryDirectory("keys")
        let spec = (["species:S:1", "pos:R:3"] + columns.map { "\($0):R:3" }).joined(separator: ":")
        let extra = String(repeating: " 0.1 0.2 0.3", count: columns.count)
        let text = "1\nProperties=species:S:1:pos:R:3 energy=-13.6 config_type=IsolatedAtom\nH 0 0 0\n"
            + "2\nProperties=\(spec) \(comment) pbc=\"F F F\"\nH 0 0 0\(extra)\nH 0 0 0.74\(extra)\n"
        let path = dir.appendingPathComponent("frames.xyz").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Malformed or ambiguous label keys: (comment line, force columns, reason).
    static let refused: [BadInput] = [
        BadInput(name: "energy and REF_energy", text: "energy=-1.0 REF_energy=-1.1", item: "frame 1 (line 4)",
                 reason: "ambiguous reference energy: energy, REF_energy"),
        BadInput(name: "REF_energy and dft_energy", text: "REF_energy=-1.0 dft_energy=-1.1", item: "frame 1",
                 reason: "ambiguous reference energy: REF_energy, dft_energy"),
        BadInput(name: "two methods, no reference name", text: "energy_xtb=-1.0 energy_pbe=-1.1", item: "frame 1",
                 reason: "candidates energy_pbe, energy_xtb"),
        BadInput(name: "only a MACE prediction", text: "energy_mace=-1.0", item: "frame 1",
                 reason: "not guessed (model predictions or statistics): energy_mace"),
        BadInput(name: "MACE and NequIP predictions", text: "MACE_energy=-1.0 nequip_energy=-1.1", item: "frame 1",
                 reason: "MACE_energy, nequip_energy"),
        BadInput(name: "ANI-2x prediction", text: "energy_ani2x=-1.0", item: "frame 1", reason: "energy_ani2x"),
        BadInput(name: "GAP and Allegro predictions", text: "gap_energy=-1 allegro_energy=-1", item: "frame 1",
                 reason: "allegro_energy, gap_energy"),
        BadInput(name: "a predicted energy", text: "predicted_energy=-1.0", item: "frame 1", reason: "predicted_energy"),
        BadInput(name: "a spread only", text: "energy_std=0.1", item: "frame 1", reason: "energy_std"),
        BadInput(name: "no energy at all", text: "charge=0", item: "frame 1", reason: "no reference energy key"),
        BadInput(name: "forces of other methods only", text: "energy_xtb=-1.0 forces_dft forces_b3lyp", item: "frame 1",
                 reason: "cannot tell which column holds the forces of energy_xtb (candidates: forces_b3lyp, forces_dft)"),
    ]

    @Test(arguments: refused)
    func isRefusedWithTheCandidates(_ input: BadInput) throws {
        // "forces_x" words at the end of the text are the per-atom force columns.
        let words = input.text.split(separator: " ").map(String.init)
        let columns = words.filter { !$0.contains("=") }
        let path = try Self.file(words.filter { $0.contains("=") }.joined(separator: " "), columns: columns)
        expectDataError(file: path, item: input.item, reason: input.reason) { _ = try ExtendedXYZLabelKeys.guess(path: path) }
    }

    @Test func guessesTheReferenceAndItsForces() throws {
        let cases: [(String, [String], String, String?)] = [
            ("energy=-1.0 energy_xtb=-2.0", ["forces", "forces_xtb"], "energy", "forces"),
            ("energy_mace=-1.0 energy_xtb=-2.0", ["force_mace", "forces_xtb"], "energy_xtb", "forces_xtb"),
            ("MACE_energy=-1.0 REF_energy=-2.0", ["MACE_forces", "REF_forces"], "REF_energy", "REF_forces"),
            ("energy_std=0.1 energy_pbe=-2.0", ["forces_pbe"], "energy_pbe", "forces_pbe"),
            ("dft_energy=-2.0 gap17_energy=-1.9", ["dft_forces", "gap17_forces"], "dft_energy", "dft_forces"),
            ("energy=-2.0", [], "energy", nil),
            ("energy=-2.0", ["REF_forces"], "energy", "REF_forces"),
        ]
        for (comment, columns, energy, forces) in cases {
            let guess = try #require(try ExtendedXYZLabelKeys.guess(path: Self.file(comment, columns: columns)))
            #expect(guess.energy == energy && guess.forces == forces, "\(comment) \(columns): \(guess)")
        }
    }

    @Test func modelNamesAreRecognisedAsWords() {
        for key in ["energy_mace", "MACE_energy", "mace_mp0_energy", "energy_ani1x", "ani_energy", "NequIP_forces",
                    "energy_gap17", "schnet_energy", "energy_nn", "ML_energy", "energy_pred"] {
            #expect(ExtendedXYZLabelKeys.namesModel(key), "\(key)")
        }
        for key in ["energy", "energy_xtb", "REF_energy", "dft_energy", "energy_organic", "free_energy", "energy_pbe0"] {
            #expect(!ExtendedXYZLabelKeys.namesModel(key), "\(key)")
        }
    }

    /// The real file with a MACE prediction next to the GFN2-xTB reference.
    @Test(.enabled(if: SharedData.isAvailable)) func maceFileGetsTheXTBReference() throws {
        let path = SharedData.path("solvents/mace02_md_100_xtb.xyz")
        let guess = try #require(try ExtendedXYZLabelKeys.guess(path: path))
        #expect(guess.energy == "energy_xtb" && guess.forces == "forces_xtb")
    }
}
