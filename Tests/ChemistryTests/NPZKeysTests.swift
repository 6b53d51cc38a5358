import Foundation
import Testing
import _TestSupport
@testable import Chemistry

/// One-molecule `.npz` files with other key names, read with an ``NPZKeys`` mapping
/// (`--npz-keys`, `npz_keys:`), written by NumPy itself and by the test's own writer.
@Suite struct NPZKeysTests {
    @Test func parsingNamesTheOffendingRole() throws {
        let keys = try NPZKeys(parsing: "numbers=Z, positions=xyz,energy=E,forces=F", file: "command line", item: "--npz-keys")
        #expect(keys == NPZKeys(numbers: "Z", positions: "xyz", energy: "E", forces: "F"))
        #expect(keys.description == "numbers=Z,positions=xyz,energy=E,forces=F")
        #expect(try NPZKeys(parsing: "energy=e,numbers=n,positions=p", file: "c", item: "k").forces == nil)
        for (text, reason) in [("numbers=Z,positions=R,energy=E,charge=Q", "unknown role 'charge' (roles: numbers, positions, energy, forces)"),
                               ("numbers=Z,positions=R", "missing role energy"),
                               ("numbers=Z,numbers=z,positions=R,energy=E", "role 'numbers' is given twice"),
                               ("numbers=Z,positions,energy=E", "'positions' is not role=key"),
                               ("numbers=,positions=R,energy=E", "role 'numbers' names no key")] {
            #expect { try NPZKeys(parsing: text, file: "command line", item: "--npz-keys") } throws: { error in
                let e = error as? DataError
                return e?.file == "command line" && e?.item == "--npz-keys" && e?.reason.hasPrefix(reason) == true
            }
        }
    }

    /// Arrays named like ASE/SchNetPack exports (`numbers`, `positions`, `energy`, `forces`),
    /// written by NumPy with int64 numbers and float32 positions.
    @Test func aFileWrittenByNumPy() throws {
        let python = try #require(PythonInterpreter.importing("numpy"), "no python3 with numpy (run scripts/setup.sh)")
        let dir = try SharedData.temporaryDirectory("npz-keys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("water_custom.npz").path
        let script = """
            import sys, numpy as np
            rng = np.random.default_rng(1)
            pos = (np.array([[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]], float)[None] + 0.01 * rng.standard_normal((5, 3, 3))).astype(np.float32)
            energy = np.array([-2079.1, -2079.0, np.nan, -2078.8, -2079.2])[:, None]
            forces = rng.standard_normal((5, 3, 3))
            np.savez_compressed(sys.argv[1], numbers=np.array([8, 1, 1], np.int64), positions=pos, energy=energy, forces=forces,
                                per_frame=np.tile(np.array([8, 1, 1]), (5, 1)), wrong=np.zeros((5, 2, 3)))
            print(" ".join(repr(float(x)) for x in pos[4].ravel()), repr(float(forces[3, 2, 1])))
            """
        let result = try PythonInterpreter.run(python, ["-c", script, path])
        try #require(result.status == 0, "\(result.output)")
        let printed = result.output.split(whereSeparator: \.isWhitespace).compactMap(Double.init)
        let keys = NPZKeys(numbers: "numbers", positions: "positions", energy: "energy", forces: "forces")
        let contents = try PaddedNPZReader(energyUnit: .eV, keys: keys).read(path: path)
        // The NaN energy is skipped; 4 conformations remain, with their file indices.
        #expect(contents.conformations.count == 4 && contents.skippedNaNEnergies == 1)
        let last = contents.conformations[3]
        #expect(last.atomicNumbers == [8, 1, 1] && last.properties["index"] == "4")
        #expect(last.positions.flatMap { [$0.x, $0.y, $0.z] } == Array(printed.prefix(9)))
        #expect(last.energy == -2079.2 && contents.conformations[2].forces![2].y == printed[9])
        // kcal/mol scales energies and forces alike.
        let kcal = try PaddedNPZReader(energyUnit: .kcalPerMol, keys: keys).read(path: path)
        #expect(abs(kcal.conformations[0].energy - -2079.1 * Units.kcalPerMol) < 1e-9)
        // Per-conformation atomic numbers (n, N) read the same.
        let perFrame = try PaddedNPZReader(keys: NPZKeys(numbers: "per_frame", positions: "positions", energy: "energy")).read(path: path)
        #expect(perFrame.conformations.map(\.atomicNumbers) == Array(repeating: [8, 1, 1], count: 4) && perFrame.conformations[0].forces == nil)

        // A key the file lacks names the file, the key and what the file has.
        #expect { try PaddedNPZReader(keys: NPZKeys(numbers: "Z", positions: "positions", energy: "energy")).read(path: path) } throws: { error in
            let e = error as? DataError
            return e?.file == path && e?.item == "Z" && e?.reason.contains("no array 'Z' for numbers") == true
                && e?.reason.contains("the file has: energy, forces, numbers, per_frame, positions, wrong") == true
        }
        // A shape that does not fit names the key.
        #expect { try PaddedNPZReader(keys: NPZKeys(numbers: "numbers", positions: "wrong", energy: "energy")).read(path: path) } throws: { error in
            let e = error as? DataError
            return e?.item == "wrong" && e?.reason == "positions: shape [5, 2, 3], expected [5, 3, 3]"
        }
        #expect { try PaddedNPZReader(keys: NPZKeys(numbers: "positions", positions: "positions", energy: "energy")).read(path: path) } throws: { error in
            (error as? DataError)?.item == "positions" && (error as? DataError)?.reason.hasPrefix("atomic numbers: shape [5, 3, 3]") == true
        }
        // Without a stated unit the mapping is refused, not read as eV.
        #expect { try PaddedNPZReader(energyUnit: .eV, energyUnitStated: false, keys: keys).read(path: path) } throws: { error in
            (error as? DataError)?.reason.contains("--energy-unit") == true
        }
        // Without a mapping, a file of unknown keys says how to name them.
        #expect { try PaddedNPZReader().read(path: path) } throws: { error in
            (error as? DataError)?.reason.contains("--npz-keys numbers=") == true
        }
    }

    /// The test's own writer (float64 members, stored and deflated): atomic numbers that are
    /// not whole numbers name the entry.
    @Test func aSwiftWrittenFixture() throws {
        let dir = try SharedData.temporaryDirectory("npz-keys-swift")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("h2.npz")
        try NumPyReaderTests.writeNPZ(["Zs": ([2], [1, 1]), "xyz": ([2, 2, 3], [0, 0, 0, 0.74, 0, 0, 0, 0, 0, 0.75, 0, 0]),
                                       "E": ([2], [-31.9, -31.95]), "grad": ([2, 2, 3], Array(repeating: 0.5, count: 12))], to: url)
        let keys = try NPZKeys(parsing: "numbers=Zs,positions=xyz,energy=E,forces=grad", file: "command line", item: "--npz-keys")
        let contents = try PaddedNPZReader(energyUnit: .eV, keys: keys).read(path: url.path)
        #expect(contents.conformations.count == 2 && contents.conformations[1].positions[1].x == 0.75)
        #expect(contents.conformations[1].energy == -31.95 && contents.conformations[0].forces![1] == SIMD3(0.5, 0.5, 0.5))

        let bad = dir.appendingPathComponent("bad.npz")
        try NumPyReaderTests.writeNPZ(["Zs": ([2], [1, 6.6]), "xyz": ([1, 2, 3], Array(repeating: 0, count: 6)), "E": ([1], [-1])],
                                      to: bad, compression: .none)
        #expect { try PaddedNPZReader(keys: NPZKeys(numbers: "Zs", positions: "xyz", energy: "E")).read(path: bad.path) } throws: { error in
            (error as? DataError)?.file == bad.path && (error as? DataError)?.item == "Zs[1]"
        }
    }
}
