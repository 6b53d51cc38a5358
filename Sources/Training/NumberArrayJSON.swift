// Large arrays of numbers in JSON files (model files, checkpoints) written ten times faster
// than Foundation's JSONEncoder writes them, with the same text.

import Foundation

/// Encodes values to JSON like `JSONEncoder` with `.sortedKeys`, except that large `[Float]` and
/// `[Double]` arrays whose encoders opt in (``ModelFile/StoredTensor``, ``OptimizerState``) are
/// written by a direct loop over their elements.
///
/// Foundation's encoder boxes every element into an intermediate value before writing it: about
/// 1 µs per number, so a checkpoint of the ANI-1x-size model (326,660 parameters plus Adam's two
/// moment buffers, ~1 M numbers) took ~1 s to encode, 20 % of a 3BPA training epoch and 35 % of a
/// short Reptile pretraining, all of it serial under MPI. Here an opted-in array is encoded as a
/// placeholder string (`"@metamlip-numbers-<nonce>-<k>@"`, the nonce random per call), and the
/// placeholders are then replaced by the arrays' text: `x.description` per element (without a
/// trailing ".0") joined by commas, exactly what `JSONEncoder` writes for `Float` and `Double`
/// (the same shortest round-trip digits), about 0.1 µs per number. Decoding is unchanged.
///
/// A non-finite element throws `EncodingError.invalidValue` with the element's coding path, as
/// `JSONEncoder` does.
public enum NumberArrayJSON {
    /// The placeholders of one encoding call (set while ``encode(_:)`` runs on this thread).
    @TaskLocal static var sink: Sink?

    /// The arrays set aside during one encoding call.
    final class Sink: @unchecked Sendable {
        let nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var arrays: [[UInt8]] = []

        /// A placeholder for `values`, whose text is formatted now. Throws like `JSONEncoder`
        /// for a non-finite element (its path is `codingPath` + the element's index).
        func placeholder<F: BinaryFloatingPoint & LosslessStringConvertible>(
            for values: [F], codingPath: [any CodingKey]
        ) throws -> String {
            var text: [UInt8] = []
            text.reserveCapacity(values.count * (F.self == Float.self ? 12 : 21) + 2)
            text.append(UInt8(ascii: "["))
            for (i, x) in values.enumerated() {
                guard x.isFinite else {
                    throw EncodingError.invalidValue(x, .init(codingPath: codingPath + [AnyCodingKey(intValue: i)],
                                                              debugDescription: "Unable to encode \(x) directly in JSON."))
                }
                if i > 0 { text.append(UInt8(ascii: ",")) }
                var s = x.description
                s.withUTF8 { utf8 in
                    // JSONEncoder writes whole numbers without the ".0" (1, not 1.0).
                    let whole = utf8.count > 2 && utf8[utf8.count - 2] == UInt8(ascii: ".") && utf8[utf8.count - 1] == UInt8(ascii: "0")
                    text.append(contentsOf: whole ? UnsafeBufferPointer(rebasing: utf8.dropLast(2)) : utf8)
                }
            }
            text.append(UInt8(ascii: "]"))
            arrays.append(text)
            return "@metamlip-numbers-\(nonce)-\(arrays.count - 1)@"
        }
    }

    /// Arrays with fewer elements are encoded by `JSONEncoder` itself.
    static let minimumCount = 64

    /// Encodes `value` for a container's `key`: as a placeholder during ``encode(_:)``, else as
    /// the plain array.
    static func encode<F: BinaryFloatingPoint & LosslessStringConvertible & Encodable, K: CodingKey>(
        _ values: [F], forKey key: K, in container: inout KeyedEncodingContainer<K>
    ) throws {
        if let sink, values.count >= minimumCount {
            try container.encode(sink.placeholder(for: values, codingPath: container.codingPath + [key]), forKey: key)
        } else {
            try container.encode(values, forKey: key)
        }
    }

    /// `value` as JSON with sorted keys, the opted-in arrays written directly.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let sink = Sink()
        let skeleton = try $sink.withValue(sink) { try encoder.encode(value) }
        guard !sink.arrays.isEmpty else { return skeleton }
        var out = Data()
        out.reserveCapacity(skeleton.count + sink.arrays.reduce(0) { $0 + $1.count })
        let prefix = Array("\"@metamlip-numbers-\(sink.nonce)-".utf8)
        var position = skeleton.startIndex
        while let found = skeleton.range(of: Data(prefix), in: position..<skeleton.endIndex) {
            // "…-<k>@" then the closing quote.
            var end = found.upperBound, k = 0
            while end < skeleton.endIndex, (48...57).contains(skeleton[end]) {
                k = 10 * k + Int(skeleton[end] - 48)
                end += 1
            }
            guard end + 1 < skeleton.endIndex, skeleton[end] == UInt8(ascii: "@"), skeleton[end + 1] == UInt8(ascii: "\""),
                  k < sink.arrays.count else {
                preconditionFailure("malformed number placeholder in encoded JSON")
            }
            out.append(skeleton[position..<found.lowerBound])
            out.append(contentsOf: sink.arrays[k])
            position = end + 2
        }
        out.append(skeleton[position..<skeleton.endIndex])
        return out
    }
}

/// A coding key of any name or array index: dictionary keys when encoding, and the names and
/// indices of error key paths (`….<name>.values.[i]`).
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
}
