import Testing
@testable import Chemistry

/// Energy units: the known ones convert with CODATA factors; anything else is an error that
/// lists the accepted spellings — never a silent eV.
@Suite struct EnergyUnitCatalogueTests {
    static let unknown = ["kcal", "hartrees", "foo", "MeV", "MEV", "eV/atom", "", "J", "kcal/mole", "Hartree/Bohr", "kJ"]

    @Test(arguments: unknown)
    func unknownUnitIsAnErrorNamingTheKey(_ text: String) {
        #expect(EnergyUnit(parsing: text) == nil)
        expectDataError(file: "recipe.yaml", item: "sources[0].energy_unit", reason: "unknown energy unit '\(text)'") {
            _ = try EnergyUnit.parse(text, file: "recipe.yaml", item: "sources[0].energy_unit")
        }
        do { _ = try EnergyUnit.parse(text, file: "f", item: nil) } catch let error as DataError {
            for spelling in ["eV", "meV", "Ha", "kcal/mol", "kJ/mol"] { #expect(error.reason.contains(spelling)) }
        } catch { Issue.record("\(error)") }
    }

    @Test(arguments: ["nm", "bohrs", "pm", "m"])
    func unknownLengthUnitIsAnError(_ text: String) {
        expectDataError(file: "r.yaml", item: "length_unit", reason: "unknown length unit '\(text)' (accepted: Å") {
            _ = try LengthUnit.parse(text, file: "r.yaml", item: "length_unit")
        }
    }

    @Test func knownSpellingsAndCODATAFactors() throws {
        let spellings: [(String, EnergyUnit)] = [
            ("eV", .eV), ("ev", .eV), ("meV", .meV), ("Ha", .hartree), ("ha", .hartree), ("hartree", .hartree),
            ("Hartree", .hartree), ("Eh", .hartree), ("Ry", .rydberg), ("rydberg", .rydberg),
            ("kcal/mol", .kcalPerMol), ("kcal / mol", .kcalPerMol), ("kcal_per_mol", .kcalPerMol),
            ("kJ/mol", .kJPerMol), ("kj/mol", .kJPerMol), ("kj_per_mol", .kJPerMol),
        ]
        for (text, unit) in spellings { #expect(try EnergyUnit.parse(text, file: "f", item: nil) == unit, "\(text)") }
        #expect(EnergyUnit.hartree.inElectronVolts == 27.211386245988)
        #expect(EnergyUnit.meV.inElectronVolts == 0.001)
        #expect(abs(EnergyUnit.rydberg.inElectronVolts - 13.605693122994) < 1e-12)
        #expect(abs(EnergyUnit.kcalPerMol.inElectronVolts - 0.0433641043) < 1e-10)
        #expect(abs(EnergyUnit.kJPerMol.inElectronVolts - 0.01036426965) < 1e-11)
        #expect(LengthUnit.bohr.inAngstrom == 0.529177210903)
        // Every case parses back from its own raw value.
        for unit in EnergyUnit.allCases { #expect(EnergyUnit(parsing: unit.rawValue) == unit) }
    }

    @Test func meVEnergiesAndForcesAreScaled() throws {
        let text = "2\nProperties=species:S:1:pos:R:3:forces:R:3 energy=-1500\nH 0 0 0 100 0 0\nH 0 0 0.74 -100 0 0\n"
        let eV = try ExtendedXYZReader().parse(text, file: "m.xyz").conformations[0]
        let meV = try ExtendedXYZReader(energyUnit: .meV).parse(text, file: "m.xyz").conformations[0]
        #expect(meV.energy == eV.energy * 0.001 && meV.forces![0].x == 0.1)
    }
}
