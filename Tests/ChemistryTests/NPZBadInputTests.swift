import Foundation
import Testing
import ZIPFoundation
import _TestSupport
@testable import Chemistry

/// Corrupt members of real `.npz` files: a flipped byte inside a member's compressed data that
/// still inflates (to wrong numbers) must be caught by the member's CRC-32, as NumPy does.
@Suite struct NPZChecksumTests {
    struct Corruption: Sendable, CustomTestStringConvertible {
        var file: String, member: String
        /// Where in the member's compressed data the byte is flipped (fraction of its length).
        var numerator: Int, denominator: Int
        var testDescription: String { "\(file) \(member) at \(numerator)/\(denominator)" }
    }

    // Offsets checked to inflate without a zlib error (only the CRC-32 can tell).
    static let corruptions: [Corruption] = [
        .init(file: "ch2o_mp2_avtz_3601", member: "E", numerator: 1, denominator: 2),
        .init(file: "ch2o_mp2_avtz_3601", member: "E", numerator: 2, denominator: 3),
        .init(file: "ch2o_mp2_avtz_3601", member: "F", numerator: 1, denominator: 3),
        .init(file: "ch2o_mp2_avtz_3601", member: "R", numerator: 1, denominator: 2),
        .init(file: "ch2o_mp2_avtz_3601", member: "Z", numerator: 2, denominator: 3),
        .init(file: "ch2o_mp2_avtz_3601", member: "N", numerator: 1, denominator: 3),
        .init(file: "hono_cc_avtz_6406", member: "R", numerator: 1, denominator: 3),
        .init(file: "hono_cc_avtz_6406", member: "Z", numerator: 1, denominator: 2),
        .init(file: "ch3oh_cc_avtz_7201", member: "N", numerator: 1, denominator: 2),
        .init(file: "ch3oh_cc_avtz_7201", member: "F", numerator: 2, denominator: 3),
    ]

    /// The byte range of member `name`'s (compressed) data, from its local file header.
    static func dataRange(of name: String, in bytes: [UInt8]) -> Range<Int>? {
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        var offset = 0
        while offset + 30 <= bytes.count, u32(offset) == 0x0403_4b50 {
            let compressed = u32(offset + 18), nameLength = u16(offset + 26), extraLength = u16(offset + 28)
            let member = String(decoding: bytes[(offset + 30)..<(offset + 30 + nameLength)], as: UTF8.self)
            let start = offset + 30 + nameLength + extraLength
            if member == name + ".npy" { return start..<(start + compressed) }
            offset = start + compressed
        }
        return nil
    }

    @Test(.enabled(if: SharedData.isAvailable), arguments: corruptions)
    func flippedByteIsACRCError(_ c: Corruption) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedData.path("meuwly/\(c.file).npz"))))
        let range = try #require(Self.dataRange(of: c.member, in: bytes))
        bytes[range.lowerBound + range.count * c.numerator / c.denominator] ^= 0x01
        let dir = try SharedData.temporaryDirectory("npz-crc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("\(c.file).npz").path
        try Data(bytes).write(to: URL(fileURLWithPath: copy))
        expectDataError(file: copy, item: c.member, reason: "CRC-32 mismatch in member \(c.member).npy") {
            _ = try PaddedNPZReader().read(path: copy)
        }
    }

    /// A stored (uncompressed) member with one flipped value byte: only the CRC-32 tells.
    @Test func storedMemberWithAFlippedByteIsACRCError() throws {
        let dir = try SharedData.temporaryDirectory("npz-stored")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("stored.npz")
        try NumPyReaderTests.writeNPZ(["R": ([1, 2, 3], [0, 0, 0, 0, 0, 0.74]), "Z": ([1, 2], [1, 1]), "E": ([1], [-31.5])],
                                      to: url, compression: .none)
        #expect(try PaddedNPZReader().read(path: url.path).conformations[0].energy == -31.5)
        var bytes = [UInt8](try Data(contentsOf: url))
        let range = try #require(Self.dataRange(of: "E", in: bytes))
        bytes[range.upperBound - 2] ^= 0x10  // the energy's exponent byte
        try Data(bytes).write(to: url)
        expectDataError(file: url.path, item: "E", reason: "CRC-32 mismatch") { _ = try PaddedNPZReader().read(path: url.path) }
    }
}

/// Atomic numbers, counts and shapes of the padded npz layout: never truncated or ignored.
@Suite struct NPZAtomicNumberCatalogueTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var z: [Double]
        var n: [Double]?
        var item: String
        var reason: String
        var testDescription: String { name }
    }

    /// One conformation of three atom slots.
    static let cases: [Case] = [
        .init(name: "Z = 6.6 is not truncated to carbon", z: [6.6, 1, 1], n: [3], item: "Z[0, 0]", reason: "atomic number 6.6 is not an integer"),
        .init(name: "Z = 1.0000001", z: [6, 1.0000001, 1], n: [3], item: "Z[0, 1]", reason: "is not an integer"),
        .init(name: "Z = 200", z: [6, 200, 1], n: [3], item: "Z[0, 1]", reason: "atomic number 200 is outside 1…118"),
        .init(name: "Z = 119", z: [119, 1, 1], n: [3], item: "Z[0, 0]", reason: "atomic number 119 is outside"),
        .init(name: "Z = −1 among the atoms", z: [6, -1, 1], n: [3], item: "Z[0, 1]", reason: "atomic number -1 is outside"),
        .init(name: "Z = NaN", z: [6, .nan, 1], n: [3], item: "Z[0, 1]", reason: "not a finite number"),
        .init(name: "Z = 1e300", z: [6, 1e300, 1], n: [3], item: "Z[0, 1]", reason: "is outside"),
        .init(name: "padding 0 among N atoms", z: [6, 0, 1], n: [3], item: "Z[0, 1]", reason: "padding 0 among the first N = 3 atoms"),
        .init(name: "an atom in the padding", z: [6, 0, 8], n: [1], item: "Z[0, 2]", reason: "8.0 after the first 1 atoms"),
        .init(name: "an atom after the padding (no N)", z: [6, 0, 8], n: nil, item: "Z[0, 2]", reason: "after the first 1 atoms"),
        .init(name: "padding first (no N)", z: [0, 6, 8], n: nil, item: "Z[0, 1]", reason: "after the first 0 atoms"),
        .init(name: "N = 2.5", z: [6, 1, 0], n: [2.5], item: "N[0]", reason: "atom count 2.5 is not an integer in 1…3"),
        .init(name: "N = NaN", z: [6, 1, 0], n: [.nan], item: "N[0]", reason: "is not an integer in 1…3"),
        .init(name: "N = 1e20", z: [6, 1, 0], n: [1e20], item: "N[0]", reason: "is not an integer in 1…3"),
    ]

    @Test(arguments: cases)
    func isRefused(_ c: Case) throws {
        let dir = try SharedData.temporaryDirectory("npz-z")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.npz")
        var arrays: [String: (shape: [Int], values: [Double])] = [
            "R": ([1, 3, 3], [0, 0, 0, 0, 0, 1.1, 0, 1.1, 0]), "Z": ([1, 3], c.z), "E": ([1], [-10]),
        ]
        if let n = c.n { arrays["N"] = ([1], n) }
        try NumPyReaderTests.writeNPZ(arrays, to: url)
        expectDataError(file: url.path, item: c.item, reason: c.reason) { _ = try PaddedNPZReader().read(path: url.path) }
    }

    @Test func noAtomSlotsIsAnError() throws {
        let dir = try SharedData.temporaryDirectory("npz-empty")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("slots.npz")
        try NumPyReaderTests.writeNPZ(["R": ([1, 0, 3], []), "Z": ([1, 0], []), "E": ([1], [-1])], to: url)
        expectDataError(file: url.path, item: "Z", reason: "has no atom slots") { _ = try PaddedNPZReader().read(path: url.path) }
    }

    /// `.npy` headers whose shape is not a list of counts.
    @Test(arguments: [("(-1,)", "dimension '-1' that is not a count"), ("(3, x)", "dimension 'x'"),
                      ("(4611686018427387904, 4611686018427387904)", "needs more values than the member holds"),
                      ("(1000000,)", "needs more values than the member holds")])
    func badShapeIsRefused(_ shape: String, _ reason: String) {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        data.append(Data(repeating: 0, count: 24))
        expectDataError(file: "f.npz", item: "R", reason: reason) { _ = try NumPyArchive.parseNPY(data, file: "f.npz", item: "R") }
    }
}
