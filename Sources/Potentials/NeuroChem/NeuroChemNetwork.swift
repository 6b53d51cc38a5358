import Autodiff
import Chemistry
import Foundation

/// One trained NeuroChem element network (`ANN-<symbol>.nnf` with its `.wparam`/`.bparam`
/// files), read as TorchANI's `torchani.neurochem.load_atomic_network` reads it.
///
/// The `.nnf` file is `<length>=\n` followed by a bzip2 stream of `<length>` bytes of text
/// (the last a NUL) in this grammar:
///
///     inputsize = 384 ;
///     atom_net H $
///       layer [ nodes = 160 ; activation = 9 ; blocksize = 384 ; … ;
///               weights = FILE:ANN-H.nnf-l1.wparam[61440] ; biases = FILE:ANN-H.nnf-l1.bparam[160] ; ]
///       …
///     $
///
/// Layer l maps `blocksize` inputs to `nodes` outputs, y = x Wᵀ + b with W `[nodes, blocksize]`
/// stored row-major as little-endian float32 in the `.wparam` file and b (`nodes` float32) in the
/// `.bparam` file. Activation 9 is CELU with α = 0.1 and 6 is none (NeuroChem's numbering); the
/// other keys (dropout, norms, l2 …) configure training and are ignored, as TorchANI ignores them.
public struct NeuroChemNetwork {
    /// Layer widths from the input to the output, e.g. `[384, 160, 128, 96, 1]`.
    public var widths: [Int]
    /// Per layer: W `[in, out]` (MetaMLIP's `dense` layout, the transpose of the file's) and b `[out]`.
    public var layers: [(weight: [Float], bias: [Float])]

    /// The CELU α of NeuroChem's activation 9 (TorchANI: `torch.nn.CELU(alpha=0.1)`).
    public static let celuAlpha = 0.1
    /// NeuroChem activation codes: CELU between layers, none after the last.
    public static let celuActivation = 9, linearActivation = 6

    /// Reads `path` (an `ANN-<symbol>.nnf` file) and the parameter files it names (in its folder).
    /// - Throws: `DataError` naming the file and item: a missing file, a header or bzip2 error, a
    ///   grammar error, a network for another element than `symbol`, an input size other than
    ///   `inputSize`, layers that do not chain, an activation other than CELU between layers
    ///   and none after the last (e.g. 5, Gaussian), a parameter file whose size is not the count
    ///   the `.nnf` states, or a non-finite value.
    public init(path: String, symbol: String, inputSize: Int) throws {
        var t = try NNFTokens(text: try Self.text(path: path), file: path)
        try t.expect("inputsize"); try t.expect("=")
        let declared = try t.integer("inputsize"); try t.expect(";")
        guard declared == inputSize else {
            throw DataError(file: path, item: "inputsize", "\(declared), but the AEV has \(inputSize) features")
        }
        try t.expect("atom_net")
        let net = try t.word("atom_net")
        guard net == symbol else { throw DataError(file: path, item: "atom_net", "network for '\(net)', expected '\(symbol)'") }
        try t.expect("$")
        var specs: [[String: NNFTokens.Value]] = []
        while t.peek == "layer" {
            try t.expect("layer"); try t.expect("[")
            var spec: [String: NNFTokens.Value] = [:]
            while t.peek != "]" {
                let key = try t.word("layer \(specs.count + 1) key")
                try t.expect("=")
                let value = try t.value("layer \(specs.count + 1) \(key)")
                try t.expect(";")
                guard spec.updateValue(value, forKey: key) == nil else {
                    throw DataError(file: path, item: "layer \(specs.count + 1) \(key)", "given twice")
                }
            }
            try t.expect("]")
            specs.append(spec)
        }
        try t.expect("$")
        guard t.peek == nil else { throw DataError(file: path, item: "after atom_net", "unexpected '\(t.peek!)'") }
        guard !specs.isEmpty else { throw DataError(file: path, item: "atom_net \(symbol)", "no layers") }

        let folder = (path as NSString).deletingLastPathComponent
        widths = [inputSize]
        layers = []
        for (l, spec) in specs.enumerated() {
            let item = "layer \(l + 1)"
            func integer(_ key: String) throws -> Int {
                guard case .number(let x)? = spec[key] else { throw DataError(file: path, item: "\(item) \(key)", "missing or not a number") }
                guard let n = Int(exactly: x) else { throw DataError(file: path, item: "\(item) \(key)", "\(x) is not a whole number") }
                return n
            }
            func file(_ key: String) throws -> (String, Int) {
                guard case .file(let name, let count)? = spec[key] else { throw DataError(file: path, item: "\(item) \(key)", "missing or not FILE:name[count]") }
                return ((folder as NSString).appendingPathComponent(name), count)
            }
            let inputs = try integer("blocksize"), outputs = try integer("nodes"), activation = try integer("activation")
            guard inputs == widths.last! else {
                throw DataError(file: path, item: "\(item) blocksize", "\(inputs) inputs, but the layer before gives \(widths.last!)")
            }
            guard (1...(1 << 20)).contains(outputs) else {
                throw DataError(file: path, item: "\(item) nodes", "\(outputs) nodes (expected 1…\(1 << 20))")
            }
            let last = l == specs.count - 1
            let expected = last ? Self.linearActivation : Self.celuActivation
            guard activation == expected else {
                let names = [5: "Gaussian", 6: "none", 9: "CELU"]
                throw DataError(file: path, item: "\(item) activation",
                                "\(activation)\(names[activation].map { " (\($0))" } ?? " (unknown)") is not supported here: MetaMLIP's element networks "
                                + "take CELU (9) between layers and none (6) after the last")
            }
            if last, outputs != 1 { throw DataError(file: path, item: "\(item) nodes", "the last layer has \(outputs) nodes, expected 1 (an atomic energy)") }
            let (weightFile, weightCount) = try file("weights"), (biasFile, biasCount) = try file("biases")
            guard weightCount == inputs * outputs, biasCount == outputs else {
                throw DataError(file: path, item: "\(item) weights", "\(weightCount) weights and \(biasCount) biases for \(inputs) × \(outputs)")
            }
            let w = try Self.floats(path: weightFile, count: weightCount)
            let b = try Self.floats(path: biasFile, count: biasCount)
            // File: W[o][i] at o · inputs + i; MetaMLIP: W[i][o] at i · outputs + o.
            var transposed = [Float](repeating: 0, count: w.count)
            for o in 0..<outputs { for i in 0..<inputs { transposed[i * outputs + o] = w[o * inputs + i] } }
            layers.append((transposed, b))
            widths.append(outputs)
        }
    }

    /// The parameters `W0, b0, W1, b1, …` of an ``MLP`` with ``widths``; the last layer is
    /// multiplied by `outputScale` (Hartree → eV), each value rounded once to Float.
    public func parameters(outputScale: Double) -> ParameterSet<Float> {
        var entries: [(String, Tensor<Float>)] = []
        for (l, layer) in layers.enumerated() {
            let scale = l == layers.count - 1 ? outputScale : 1
            let w = layer.weight.map { Float(Double($0) * scale) }, b = layer.bias.map { Float(Double($0) * scale) }
            entries.append(("W\(l)", Tensor(shape: [widths[l], widths[l + 1]], scalars: w)))
            entries.append(("b\(l)", Tensor(shape: [widths[l + 1]], scalars: b)))
        }
        return ParameterSet(entries)
    }

    /// The network text of an `.nnf` file: the decimal length, `=`, one separator byte, then
    /// a bzip2 stream of exactly that many bytes; trailing NULs and white space are dropped.
    static func text(path: String) throws -> String {
        let bytes = [UInt8](try InputFile.read(path))
        guard let eq = bytes.prefix(32).firstIndex(of: UInt8(ascii: "=")), eq > 0,
              let length = Int(String(decoding: bytes[..<eq], as: UTF8.self)), eq + 2 <= bytes.count else {
            throw DataError(file: path, item: "header", "expected '<length>=' and a bzip2 stream (NeuroChem .nnf)")
        }
        let data = try BZip2.decompress(Array(bytes[(eq + 2)...]), file: path, item: "network text")
        guard data.count == length else {
            throw DataError(file: path, item: "header", "states \(length) bytes, the bzip2 stream holds \(data.count)")
        }
        guard let text = String(bytes: data.reversed().drop(while: { $0 == 0 }).reversed(), encoding: .ascii) else {
            throw DataError(file: path, item: "network text", "not ASCII text")
        }
        return text
    }

    /// `count` little-endian float32 values, all finite, from a file of exactly 4 · count bytes.
    static func floats(path: String, count: Int) throws -> [Float] {
        let data = try InputFile.read(path)
        guard data.count == 4 * count else {
            throw DataError(file: path, "\(data.count) bytes, expected \(4 * count) (\(count) float32 values, as the .nnf states)")
        }
        let values = data.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw DataError(file: path, item: "value \(i)", "non-finite value \(values[i])")
        }
        return values
    }
}
