import Foundation
import Testing
import ZIPFoundation
import _TestSupport
@testable import Chemistry

@Suite struct NumPyReaderTests {
    @Test func removesPaddingAndKeepsValues() throws {
        let reader = PaddedNPZReader(energiesRelativeToFreeAtoms: true)
        let ch2o = try reader.read(path: SharedData.path("meuwly/ch2o_cc_avtz_3601.npz"))
        #expect(ch2o.conformations.count == 3601)
        #expect(ch2o.conformations.allSatisfy { $0.atomCount == 4 })
        #expect(ch2o.conformations[0].atomicNumbers == [6, 8, 1, 1])
        #expect(abs(ch2o.conformations[0].energy - -15.85676747) < 1e-8)
        #expect(ch2o.isolatedAtomEnergies == [1: 0, 6: 0, 8: 0])

        let acid = try reader.read(path: SharedData.path("meuwly/ch3cooh_mp2_avtz_10910.npz"))
        #expect(acid.conformations.count == 10910)
        #expect(acid.conformations[5].energy == -34.97789089110295)
        let f = try #require(acid.conformations[5].forces?[7])
        #expect(abs(f.x - -0.02993695) < 1e-8 && abs(f.z - 0.02457553) < 1e-8)
    }

    /// Writes a `.npz` with the given arrays (all `<f8`) for bad-input tests.
    static func writeNPZ(_ arrays: [String: (shape: [Int], values: [Double])], to url: URL,
                         compression: CompressionMethod = .deflate) throws {
        let archive = try Archive(url: url, accessMode: .create)
        for (name, array) in arrays {
            let shape = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
            var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
            data.append(header.data(using: .utf8)!)
            array.values.withUnsafeBytes { data.append(contentsOf: $0) }
            try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: compression) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    @Test func badArchivesNameTheFileAndArray() throws {
        let dir = try SharedData.temporaryDirectory()
        let notZip = dir.appendingPathComponent("not.npz")
        try Data("hello".utf8).write(to: notZip)
        #expect { try PaddedNPZReader().read(path: notZip.path) } throws: { error in
            (error as? DataError)?.reason.contains("not a zip") == true
        }

        let missing = dir.appendingPathComponent("missing.npz")
        try Self.writeNPZ(["R": ([1, 2, 3], Array(repeating: 0, count: 6)), "Z": ([1, 2], [1, 1])], to: missing)
        #expect { try PaddedNPZReader().read(path: missing.path) } throws: { error in
            let e = error as? DataError
            return e?.item == "E" && e?.reason.contains("array missing") == true && e?.file == missing.path
        }

        let mismatch = dir.appendingPathComponent("mismatch.npz")
        try Self.writeNPZ(["R": ([1, 3, 3], Array(repeating: 0, count: 9)), "Z": ([1, 2], [1, 1]),
                           "E": ([1], [-1])], to: mismatch)
        #expect { try PaddedNPZReader().read(path: mismatch.path) } throws: { error in
            (error as? DataError)?.item == "R"
        }

        let badPadding = dir.appendingPathComponent("padding.npz")
        try Self.writeNPZ(["R": ([1, 2, 3], Array(repeating: 0, count: 6)), "Z": ([1, 2], [1, 1]),
                           "E": ([1], [-1]), "N": ([1], [1])], to: badPadding)
        #expect { try PaddedNPZReader().read(path: badPadding.path) } throws: { error in
            (error as? DataError)?.item == "Z[0, 1]"
        }

        let truncated = dir.appendingPathComponent("truncated.npz")
        let full = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("meuwly/ch2o_cc_avtz_3601.npz")))
        try full.prefix(full.count / 2).write(to: truncated)
        #expect(throws: DataError.self) { try PaddedNPZReader().read(path: truncated.path) }
    }

    @Test func npyParserRejectsGarbage() {
        #expect(throws: DataError.self) { try NumPyArchive.parseNPY(Data([1, 2, 3]), file: "f", item: "a") }
    }
}

@Suite struct MLearnReaderTests {
    @Test func readsPeriodicSiliconAndGermanium() throws {
        let si = try MLearnJSONReader().read(path: SharedData.path("mlearn/Si/training.json"))
        #expect(si.count == 214)
        #expect(si[0].atomCount == 63)
        #expect(si[0].energy == -295.49753016)
        #expect(si[0].forces?[0] == SIMD3(-2.98187262, 0.6069187, 3.48143607))
        #expect(si[0].properties["config_type"] == "Vacancy")
        #expect(si.allSatisfy { $0.isPeriodic && $0.atomicNumbers.allSatisfy { $0 == 14 } })
        let ge = try MLearnJSONReader().read(path: SharedData.path("mlearn/Ge/training.json"))
        #expect(ge.count == 228)
        #expect(ge[0].energy == -278.40474351)
    }

    @Test func malformedRecordsAreNamed() throws {
        let dir = try SharedData.temporaryDirectory()
        let file = dir.appendingPathComponent("bad.json")
        let record = """
        [{"structure": {"lattice": {"matrix": [[1,0,0],[0,1,0],[0,0,1]]},
          "sites": [{"species": [{"element": "Qq", "occu": 1}], "xyz": [0,0,0]}]},
          "outputs": {"energy": -1.0, "forces": [[0,0,0]]}}]
        """
        try record.write(to: file, atomically: true, encoding: .utf8)
        #expect { try MLearnJSONReader().read(path: file.path) } throws: { error in
            let e = error as? DataError
            return e?.item == "record 0, site 0" && e?.reason.contains("Qq") == true
        }
        try "[{\"structure\": {}}]".write(to: file, atomically: true, encoding: .utf8)
        #expect { try MLearnJSONReader().read(path: file.path) } throws: { error in
            (error as? DataError)?.reason.contains("malformed mlearn JSON") == true
        }
    }
}
