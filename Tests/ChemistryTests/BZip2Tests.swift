import Chemistry
import Foundation
import Testing

/// The bzip2 decoder on streams made by Python's `bz2.compress(…, 9)`: long runs (the initial
/// run-length encoding and RUNA/RUNB), 90 distinct bytes, NULs, concatenated streams, and
/// errors for damaged or foreign data.
@Suite struct BZip2Tests {
    /// `"a" × 300 + "NeuroChem " × 20 + chr(32 + 7i mod 90) for i < 500 + "bbbb" + "ccccc" + NUL × 260`.
    static let text: [UInt8] = {
        var s = String(repeating: "a", count: 300) + String(repeating: "NeuroChem ", count: 20)
        s += String((0..<500).map { Character(UnicodeScalar(UInt8(32 + ($0 * 7) % 90))) })
        s += "bbbb" + "ccccc" + String(repeating: "\0", count: 260)
        return Array(s.utf8)
    }()
    static let stream = "QlpoOTFBWSZTWYvjQ/gAANvfgOAAf//////////////gAAgwAPqkEVVBkGjQaDIGTIaADABDQNPSekAZADmmIyMmmTQDIaMhkyAAAGRpkaBhDIEVU1BoYg0AGgDagAA0NAAA09IybI1JYIE8pnnMi/kmwKFoYxkG2lxJUmjgjhDWxBz0kJoJojpDpjJGUmomqmsOuOwMsZibKTU1B1R1hpjCmumwmyMgJtjuDujvJvpwJwjRGkNMaibyhMqpWSuNgbI2h506E6Utj1D1j2D2p3JcTvGAa7BBhl0cK634RhYbyeKeSWQTKBIhrjCCUBoDOT8T9QbA2RlBJ40UtJYBI0kSMbYzgTnG4kqT0zMX/F3JFOFCQi+ND+A="
    /// `bz2.compress(b"first stream ") + bz2.compress(b"second")`.
    static let twoStreams = "QlpoOTFBWSZTWZ2tPQ4AAAIRgEAAIyIcACAAIgMEIMmIMDCRZMrxdyRThQkJ2tPQ4EJaaDkxQVkmU1kmigI0AAACgYAOAYgAIAAiGGgwBwKYXckU4UJAmigI0A=="

    static func bytes(_ base64: String) -> [UInt8] { [UInt8](Data(base64Encoded: base64)!) }

    @Test func decodesRunsAndText() throws {
        let out = try BZip2.decompress(Self.bytes(Self.stream), file: "t.bz2", item: "x")
        #expect(out.count == 1269)
        #expect(out == Self.text)
    }

    @Test func decodesConcatenatedStreams() throws {
        #expect(try BZip2.decompress(Self.bytes(Self.twoStreams), file: "t.bz2", item: "x") == Array("first stream second".utf8))
    }

    @Test func refusesDamagedData() throws {
        var damaged = Self.bytes(Self.stream)
        damaged[120] ^= 0x01
        #expect(throws: DataError.self) { _ = try BZip2.decompress(damaged, file: "t.bz2", item: "x") }
        var crc = Self.bytes(Self.stream)
        crc[10] ^= 0x01  // the stored block CRC
        #expect { _ = try BZip2.decompress(crc, file: "t.bz2", item: "x") } throws: {
            ($0 as? DataError)?.reason.contains("CRC") == true && ($0 as? DataError)?.item == "x"
        }
        let truncated = Array(Self.bytes(Self.stream).prefix(200))
        #expect(throws: DataError(file: "t.bz2", item: "x", "bzip2: truncated bzip2 data (200 bytes)")) {
            _ = try BZip2.decompress(truncated, file: "t.bz2", item: "x")
        }
        #expect(throws: DataError(file: "t.bz2", item: "x", "bzip2: not a bzip2 stream (no 'BZh' signature at byte 0)")) {
            _ = try BZip2.decompress(Array("PK\u{3}\u{4}".utf8), file: "t.bz2", item: "x")
        }
        var trailing = Self.bytes(Self.twoStreams)
        trailing += [0x42, 0x5A]
        #expect(throws: DataError.self) { _ = try BZip2.decompress(trailing, file: "t.bz2", item: "x") }
    }
}
