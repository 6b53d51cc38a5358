import Chemistry
import ChemistrySQLite
import Foundation
import Testing
import _TestSupport

/// ASE `.db` files written by ASE itself (Fixtures/make_databases.py, run by a python3 that
/// imports ase), read back by ``ASEDatabaseReader``.
@Suite struct ASEDatabaseReaderTests {
    /// The databases of make_databases.py in a fresh directory, and the periodic rows' ids.
    static func databases() throws -> (directory: URL, ids: [String: Int], xyz: URL)? {
        guard SharedData.isAvailable, let python = PythonInterpreter.importing("ase, numpy") else { return nil }
        let directory = try SharedData.temporaryDirectory("ase-db")
        let xyz = try SharedData.write3BPA(frames: 0..<5, to: directory)
        let script = SharedData.packageRoot.appendingPathComponent("Tests/ChemistrySQLiteTests/Fixtures/make_databases.py").path
        let result = try PythonInterpreter.run(python, [script, xyz.path, directory.path])
        guard result.status == 0, let line = result.output.split(separator: "\n").last,
              let ids = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int]
        else { throw DataError(file: script, "failed: \(result.output)") }
        return (directory, ids, xyz)
    }

    static let skipReason: Comment = "needs ../shared/datasets and a python3 that imports ase and numpy (scripts/setup.sh installs python3-ase)"

    @Test func readsWhatASEWroteAsTheExtendedXYZReaderReadsTheSameFrames() throws {
        let made = try #require(try Self.databases(), Self.skipReason)
        defer { try? FileManager.default.removeItem(at: made.directory) }
        let contents = try ASEDatabaseReader().read(path: made.directory.appendingPathComponent("molecules.db").path)
        let reference = try ExtendedXYZReader().read(path: made.xyz.path).conformations
        #expect(contents.conformations.count == 5 + 3)
        for (read, expected) in zip(contents.conformations.prefix(5), reference) {
            // Doubles round-trip through ASE's float64 blobs bit for bit.
            #expect(read.atomicNumbers == expected.atomicNumbers)
            #expect(read.positions == expected.positions)
            #expect(read.energy == expected.energy)
            #expect(read.forces == expected.forces)
            #expect(read.cell == expected.cell)  // Lattice 50 Å with pbc F F F: a non-periodic cell
            #expect(read.properties["calculator"] == "unknown")
        }
        let byID = Dictionary(uniqueKeysWithValues: contents.conformations.map { (Int($0.properties["ase_db_id"]!)!, $0) })
        let si = try #require(byID[made.ids["si"]!])
        #expect(si.cell?.periodic == [true, true, true] && si.atomicNumbers == Array(repeating: 14, count: 8))
        #expect(abs((si.cell?.volume ?? 0) - pow(5.43, 3)) < 1e-9 && si.energy == -43.4 && si.forces?.count == 8)
        let slab = try #require(byID[made.ids["slab"]!])
        #expect(slab.cell?.periodic == [true, true, false] && slab.atomicNumbers.allSatisfy { $0 == 13 })
        let water = try #require(byID[made.ids["water"]!])
        #expect(water.forces == nil && water.energy == -14.2 && water.cell == nil)  // energy only; all-zero cell dropped
        #expect(contents.isolatedAtomEnergies == [1: -13.6])
    }

    @Test func energyKeyReadsKeyValuePairs() throws {
        let made = try #require(try Self.databases(), Self.skipReason)
        defer { try? FileManager.default.removeItem(at: made.directory) }
        let path = made.directory.appendingPathComponent("keyvalue.db").path
        let energyOnly = try ASEDatabaseReader(energyKey: "dft_energy").read(path: path).conformations
        #expect(energyOnly.map(\.energy) == [-2079.5, -2080.5] && energyOnly.allSatisfy { $0.forces == nil })
        let withForces = try ASEDatabaseReader(energyKey: "dft_energy", forcesFromCalculator: true).read(path: path).conformations
        #expect(withForces[1].forces == Array(repeating: SIMD3(repeating: 0.2), count: 3))
        let hartree = try ASEDatabaseReader(energyKey: "dft_energy", energyUnit: .hartree).read(path: path).conformations
        #expect(abs(hartree[0].energy - -2079.5 * Units.hartree) < 1e-9)
        for (key, phrase) in [("missing", "no key 'missing' in key_value_pairs (keys: converged, dft_energy, note)"),
                              ("note", "is not a finite number"), ("converged", "true is not a finite number")] {
            let error = #expect(throws: DataError.self) { try ASEDatabaseReader(energyKey: key).read(path: path) }
            #expect(error?.description.contains(phrase) == true && error?.description.contains("row id=1") == true,
                    "\(error?.description ?? "")")
        }
    }

    @Test func badInputNamesFileAndRow() throws {
        let made = try #require(try Self.databases(), Self.skipReason)
        defer { try? FileManager.default.removeItem(at: made.directory) }
        let cases: [(String, [String])] = [
            ("no_energy.db", ["row id=2", "no energy"]),
            ("nan_energy.db", ["row id=1", "no energy", "NaN as NULL"]),
            ("nan_forces.db", ["row id=1", "forces contain NaN"]),
            ("short_blob.db", ["row id=1", "forces blob has 40 bytes, expected 72"]),
            ("not_ase.db", ["systems", "not an ASE database", "molecules"]),
            ("no_columns.db", ["missing column(s) cell, pbc, energy, forces, key_value_pairs, calculator"]),
            ("not_sqlite.db", ["not an SQLite database"]),
            ("absent.db", ["file does not exist"]),
        ]
        for (name, phrases) in cases {
            let path = made.directory.appendingPathComponent(name).path
            let error = #expect(throws: DataError.self, "\(name)") { try ASEDatabaseReader().read(path: path) }
            let text = error?.description ?? ""
            #expect(text.contains(path) && phrases.allSatisfy(text.contains), "\(name): \(text)")
        }
    }
}
