import Foundation

/// A tiny NeuroChem ANI ensemble on disk, for reader tests that need no TorchANI: species H
/// and O, a 7-feature AEV (2 radial shifts, one angular shift and angle), networks H 7-3-1
/// and O 7-2-1 with CELU between layers, `members` members (`train0`, …).
///
/// The `.nnf` files are `<length>=\n` + bzip2 of ``networkText(symbol:hidden:activation:)``;
/// the compressed streams were made once with Python's `bz2.compress(text, 9)` (a test checks
/// that they decompress to that text). Weights are `0.3 sin(k + 1 + 10 l + 100 member)`, biases
/// `0.1 cos(…)`, written as little-endian float32 (W in the file's `[out, in]` order).
public enum NeuroChemFixture {
    /// The `.params` file text.
    public static let parameters = """
        TM = 1
        Rcr = 3.0000e+00
        Rca = 2.5000e+00
        EtaR = [4.0000000e+00]
        ShfR = [1.0000000e+00,2.0000000e+00]
        Zeta = [2.0000000e+00]
        ShfZ = [5.0000000e-01]
        EtaA = [3.0000000e+00]
        ShfA = [1.2000000e+00]
        Atyp = [H,O]

        """
    /// The self-energy file text (Hartree).
    public static let selfEnergies = "H,0=-0.500000000000\nO,1=-75.000000000000\n"
    /// Hidden widths of the two networks.
    public static let hidden = ["H": 3, "O": 2]

    /// The network text of an element (7 inputs, `hidden` CELU or `activation` nodes, 1 output).
    public static func networkText(symbol: String, hidden: Int, activation: Int) -> String {
        var text = "inputsize=7;\natom_net \(symbol) $\n"
        for (nodes, act, block, l) in [(hidden, activation, 7, 1), (1, 6, hidden, 2)] {
            text += "layer [\nnodes=\(nodes);\nactivation=\(act);\ntype=0;\nblocksize=\(block);\ndropout=0;\nl2valu=0.000100;\n"
                + "weights=FILE:ANN-\(symbol).nnf-l\(l).wparam[\(nodes * block)];\nbiases=FILE:ANN-\(symbol).nnf-l\(l).bparam[\(nodes)];\n]\n"
        }
        return text + "$\n\0"
    }

    /// bzip2 of `networkText(symbol: "H", hidden: 3, activation: 9)`.
    public static let hydrogenStream = "QlpoOTFBWSZTWSfGhVoAAHHfgEAQRAN5uiNlAAq/79+wMADYBgDTQ0aMRkA0AGhhgDTQ0aMRkA0AGhgVU0ST1NME9Gmgj1MgBjSaRTboklE9qhr58lePeepnePjjIncsYlSFCH0hPP3VJwomg3Fiu26jGnSa7ZN0e7W6J8oRM8ziaDZecDibziYnIvXWxFKMHAwOaiq9BwYPtCit2l/OzBub5MzqwXunArl1XmgrWJWS65jUdzPaqZaLmtktiLWV36WctTlkiKO04p7qmpHZSxYyNHRpYmpjZlUv8XckU4UJAnxoVaA="
    /// bzip2 of `networkText(symbol: "O", hidden: 2, activation: 9)`.
    public static let oxygenStream = "QlpoOTFBWSZTWVFY3iEAAHHfgEAQRAN1uiMlgAq/79+wMADbRGANNDRoxGQDQAaGCVT2koyNGj1MmgNAAGhoFVE0o9TR6ZNR6nqep6mjyQBk/SmkZY2wQjRikY8uKrZkcCxu3bCNGC50KUUiLsMUOziEIg4agiPNW5MJ0V6EWnMqLRemRoN5oWmZoeBoeOZFxN7C/hGmlNmTOSSnzRM030ikqc4fzmmyeUG1qm9H7oVQ1ZFpUuQuhrtO46Vl6lXJg719aN6t1dqwVCknZnLkz9CBSNcPEiTmTYZi8UmAxkJP4u5IpwoSCisbxCA="
    /// bzip2 of `networkText(symbol: "H", hidden: 3, activation: 5)` (Gaussian: unsupported).
    public static let gaussianStream = "QlpoOTFBWSZTWZ40wvIAAHHfgEAQRAN7miNlAAq/79+wMADYBgDTQ0aMRkA0AGhhgDTQ0aMRkA0AGhgVU0SBMDRoCPUyNAY0mkU3Z5JRPcoa+vRgxcD2MzRoxET2K15UhQh9ITzX6k4UTQbytZh20Yk6ptu2bs5tbsn0QmehyM5ttOJyOByLzoWtlkRSi5xLjqoqtQcVz7QowPEv54XN7zkyu65a7cTBLutM5gVpVy75TUX2axUyUbGtjsiLGRh0sxYnLHEUeJxTmqakeFK1bGz9mleamJlVS/xdyRThQkJ40wvI"

    /// An `.nnf` file: the length header and a compressed stream (base64).
    public static func nnfFile(stream: String, length: Int = 340) -> Data {
        Data("\(length)=\n".utf8) + Data(base64Encoded: stream)!
    }

    /// The layer-l weights of a member's element network in the file's order (`[out, in]`).
    public static func weights(symbol: String, layer l: Int, member: Int, count: Int) -> [Float] {
        let offset = Double(10 * l + 100 * member + (symbol == "O" ? 1000 : 0))
        return (0..<count).map { Float(0.3 * sin(Double($0) + 1 + offset)) }
    }

    /// The layer-l biases.
    public static func biases(symbol: String, layer l: Int, member: Int, count: Int) -> [Float] {
        let offset = Double(10 * l + 100 * member + (symbol == "O" ? 1000 : 0))
        return (0..<count).map { Float(0.1 * cos(Double($0) + 1 + offset)) }
    }

    /// Little-endian float32 bytes.
    public static func bytes(_ values: [Float]) -> Data {
        var data = Data()
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// Writes the ensemble (`<params>`, `sae_linfit.dat`, `train<k>/networks/…`) into `directory`.
    public static func write(to directory: URL, members: Int = 2) throws {
        try parameters.write(to: directory.appendingPathComponent("rHO-3.0R_2-2.5A_a1-1.params"), atomically: true, encoding: .utf8)
        try selfEnergies.write(to: directory.appendingPathComponent("sae_linfit.dat"), atomically: true, encoding: .utf8)
        for m in 0..<members {
            let folder = directory.appendingPathComponent("train\(m)/networks")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (symbol, stream) in [("H", hydrogenStream), ("O", oxygenStream)] {
                try nnfFile(stream: stream).write(to: folder.appendingPathComponent("ANN-\(symbol).nnf"))
                let h = hidden[symbol]!
                for (l, (inputs, outputs)) in [(7, h), (h, 1)].enumerated() {
                    let name = "ANN-\(symbol).nnf-l\(l + 1)"
                    try bytes(weights(symbol: symbol, layer: l + 1, member: m, count: inputs * outputs))
                        .write(to: folder.appendingPathComponent("\(name).wparam"))
                    try bytes(biases(symbol: symbol, layer: l + 1, member: m, count: outputs))
                        .write(to: folder.appendingPathComponent("\(name).bparam"))
                }
            }
        }
    }
}
