// A bzip2 decompressor in Swift (no libbz2), for the compressed NeuroChem network files.

/// Decompresses bzip2 streams (Seward's format, as `bzip2` 0.9.5 – 1.0.8 and Python's `bz2`
/// write them): per block, Huffman-coded MTF/RLE2 symbols (2–6 tables switched every 50
/// symbols), the inverse Burrows–Wheeler transform from the block's origin pointer, and the
/// undoing of the initial run-length encoding (four equal bytes, then a repeat count 0…255).
/// Every block's CRC-32 (MSB-first, polynomial 0x04C11DB7) and the stream's combined CRC are
/// checked; concatenated streams are decoded one after another, as `bz2.decompress` does.
///
/// Malformed input throws a `DataError` naming `file`, `item` and the block; nothing traps.
/// Obsolete randomised blocks (bzip2 < 0.9.5) are refused.
public enum BZip2 {
    /// The decompressed bytes of the bzip2 data `bytes` (one or more concatenated streams).
    public static func decompress(_ bytes: [UInt8], file: String, item: String) throws -> [UInt8] {
        var reader = BitReader(bytes: bytes, file: file, item: item)
        var output: [UInt8] = []
        repeat {
            try decodeStream(&reader, into: &output)
            reader.alignToByte()
        } while !reader.isAtEnd
        return output
    }

    private static let blockMagic: UInt64 = 0x3141_5926_5359
    private static let endMagic: UInt64 = 0x1772_4538_5090

    private static func decodeStream(_ r: inout BitReader, into output: inout [UInt8]) throws {
        let start = r.position / 8
        guard try r.bits(8) == 0x42, try r.bits(8) == 0x5A, try r.bits(8) == 0x68 else {
            throw r.error("not a bzip2 stream (no 'BZh' signature at byte \(start))")
        }
        let level = try r.bits(8)
        guard (0x31...0x39).contains(level) else { throw r.error("bad block-size level \(level) (expected '1'…'9')") }
        let maxBlock = Int(level - 0x30) * 100_000
        var combined: UInt32 = 0
        var block = 0
        while true {
            let magic = UInt64(try r.bits(24)) << 24 | UInt64(try r.bits(24))
            if magic == endMagic {
                let stored = try r.bits(32)
                guard stored == combined else {
                    throw r.error("stream CRC \(hex(stored)) does not match the blocks' \(hex(combined))")
                }
                return
            }
            guard magic == blockMagic else { throw r.error("block \(block): bad block signature") }
            let stored = try r.bits(32)
            let data = try decodeBlock(&r, maxBlock: maxBlock, block: block)
            let crc = crc32(data)
            guard crc == stored else { throw r.error("block \(block): CRC \(hex(crc)) does not match the stored \(hex(stored))") }
            combined = (combined << 1 | combined >> 31) ^ crc
            output += data
            block += 1
        }
    }

    private static func decodeBlock(_ r: inout BitReader, maxBlock: Int, block: Int) throws -> [UInt8] {
        let here = "block \(block)"
        guard try r.bits(1) == 0 else { throw r.error("\(here): randomised blocks (bzip2 < 0.9.5) are not supported") }
        let origin = Int(try r.bits(24))
        // Symbol map: which byte values occur.
        let ranges = try r.bits(16)
        var used: [UInt8] = []
        for i in 0..<16 where ranges & (0x8000 >> UInt32(i)) != 0 {
            let bits = try r.bits(16)
            for j in 0..<16 where bits & (0x8000 >> UInt32(j)) != 0 { used.append(UInt8(i * 16 + j)) }
        }
        guard !used.isEmpty else { throw r.error("\(here): no symbols in use") }
        let alphabet = used.count + 2
        let groups = Int(try r.bits(3))
        guard (2...6).contains(groups) else { throw r.error("\(here): \(groups) Huffman tables (expected 2…6)") }
        let selectorCount = Int(try r.bits(15))
        guard selectorCount > 0 else { throw r.error("\(here): no Huffman table selectors") }
        var order = Array(0..<groups), selectors: [Int] = []
        for _ in 0..<selectorCount {
            var j = 0
            while try r.bits(1) == 1 {
                j += 1
                guard j < groups else { throw r.error("\(here): selector beyond the \(groups) tables") }
            }
            let g = order.remove(at: j)
            order.insert(g, at: 0)
            selectors.append(g)
        }
        var tables: [Huffman] = []
        for t in 0..<groups {
            var length = Int(try r.bits(5)), lengths: [Int] = []
            for _ in 0..<alphabet {
                while true {
                    guard (1...20).contains(length) else { throw r.error("\(here): table \(t): code length \(length) outside 1…20") }
                    if try r.bits(1) == 0 { break }
                    length += try r.bits(1) == 0 ? 1 : -1
                }
                lengths.append(length)
            }
            guard let table = Huffman(lengths: lengths) else { throw r.error("\(here): table \(t): code lengths are not a prefix code") }
            tables.append(table)
        }
        // Huffman → MTF/RLE2 → bytes in BWT order.
        var mtf = Array(0..<used.count).map { UInt8($0) }
        var last: [UInt8] = [], counts = [Int](repeating: 0, count: 256)
        var run = 0, runWeight = 1, decoded = 0
        func flush() throws {
            guard run > 0 else { return }
            guard last.count + run <= maxBlock else { throw r.error("\(here): more than \(maxBlock) bytes") }
            let byte = used[Int(mtf[0])]
            last += repeatElement(byte, count: run)
            counts[Int(byte)] += run
            run = 0; runWeight = 1
        }
        while true {
            guard decoded / 50 < selectors.count else { throw r.error("\(here): ran out of table selectors") }
            let symbol = try tables[selectors[decoded / 50]].decode(&r, block: here)
            decoded += 1
            guard symbol < alphabet else { throw r.error("\(here): symbol \(symbol) outside the alphabet") }
            if symbol <= 1 {  // RUNA (1 × weight) or RUNB (2 × weight), bijective base 2
                run += (symbol + 1) * runWeight
                runWeight <<= 1
                guard run <= maxBlock else { throw r.error("\(here): run longer than the block") }
                continue
            }
            try flush()
            if symbol == alphabet - 1 { break }
            let k = symbol - 1
            let value = mtf.remove(at: k)
            mtf.insert(value, at: 0)
            guard last.count < maxBlock else { throw r.error("\(here): more than \(maxBlock) bytes") }
            last.append(used[Int(value)])
            counts[Int(used[Int(value)])] += 1
        }
        guard origin < last.count else { throw r.error("\(here): origin pointer \(origin) beyond the \(last.count) bytes") }
        // Inverse BWT: next[cumulative[c] + rank] = i for the i-th byte of the last column.
        var start = [Int](repeating: 0, count: 256)
        for c in 1..<256 { start[c] = start[c - 1] + counts[c - 1] }
        var next = [Int](repeating: 0, count: last.count)
        for (i, c) in last.enumerated() { next[start[Int(c)]] = i; start[Int(c)] += 1 }
        var bwt: [UInt8] = []
        bwt.reserveCapacity(last.count)
        var p = next[origin]
        for _ in 0..<last.count { bwt.append(last[p]); p = next[p] }
        return try undoInitialRuns(bwt, error: { r.error("\(here): \($0)") })
    }

    /// Undoes RLE1: after four equal bytes the next byte counts further repeats.
    private static func undoInitialRuns(_ data: [UInt8], error: (String) -> DataError) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        var i = 0, same = 0
        var previous: UInt8? = nil
        while i < data.count {
            let c = data[i]
            if same == 4 {
                out += repeatElement(previous!, count: Int(c))
                same = 0; previous = nil
            } else {
                same = c == previous ? same + 1 : 1
                previous = c
                out.append(c)
            }
            i += 1
        }
        return out
    }

    private static let crcTable: [UInt32] = (0..<256).map { i in
        var c = UInt32(i) << 24
        for _ in 0..<8 { c = c & 0x8000_0000 != 0 ? c << 1 ^ 0x04C1_1DB7 : c << 1 }
        return c
    }

    /// bzip2's CRC-32 (MSB-first, polynomial 0x04C11DB7, initial and final XOR 0xFFFFFFFF).
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data { c = c << 8 ^ crcTable[Int(UInt8(c >> 24) ^ b)] }
        return ~c
    }

    private static func hex(_ x: UInt32) -> String { "0x" + String(x, radix: 16) }

    /// A canonical Huffman code (codes assigned by length, then symbol), decoded bit by bit.
    private struct Huffman {
        var countOfLength: [Int]  // index 1…20
        var symbols: [Int]  // sorted by (length, symbol)

        init?(lengths: [Int]) {
            countOfLength = [Int](repeating: 0, count: 21)
            for l in lengths { countOfLength[l] += 1 }
            symbols = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
            var room = 1  // Kraft: no length may be over-subscribed
            for l in 1...20 {
                room = 2 * room - countOfLength[l]
                if room < 0 { return nil }
            }
        }

        func decode(_ r: inout BitReader, block: String) throws -> Int {
            var code = 0, first = 0, index = 0
            for l in 1...20 {
                code |= Int(try r.bits(1))
                let count = countOfLength[l]
                if code - first < count { return symbols[index + code - first] }
                index += count; first += count
                first <<= 1; code <<= 1
            }
            throw r.error("\(block): invalid Huffman code")
        }
    }

    /// Reads bits most-significant first.
    private struct BitReader {
        let bytes: [UInt8]
        let file: String, item: String
        var position = 0  // in bits

        var isAtEnd: Bool { position >= bytes.count * 8 }

        mutating func bits(_ n: Int) throws -> UInt32 {
            guard position + n <= bytes.count * 8 else { throw error("truncated bzip2 data (\(bytes.count) bytes)") }
            var value: UInt32 = 0
            for _ in 0..<n {
                let bit = bytes[position >> 3] >> (7 - UInt8(position & 7)) & 1
                value = value << 1 | UInt32(bit)
                position += 1
            }
            return value
        }

        mutating func alignToByte() { position = (position + 7) / 8 * 8 }

        func error(_ reason: String) -> DataError { DataError(file: file, item: item, "bzip2: " + reason) }
    }
}
