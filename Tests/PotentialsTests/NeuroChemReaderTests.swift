import Autodiff
import Chemistry
import Descriptors
import Foundation
import Potentials
import Testing
import _TestSupport

/// The NeuroChem ensemble reader on a tiny fake ensemble (`NeuroChemFixture`): the layout of
/// the weights, the Hartree → eV conversion, and a `DataError` naming the file and item for
/// each malformed input. No TorchANI needed (the parity with TorchANI on the real ANI-1x
/// ensemble is `ANI1xImportTests` in TrainingTests).
@Suite struct NeuroChemReaderTests {
    static let water = Conformation(atomicNumbers: [8, 1, 1],
                                    positions: [SIMD3(0, 0, 0), SIMD3(0.96, 0, 0), SIMD3(-0.24, 0.93, 0.1)], energy: 0)

    /// A fresh fake ensemble directory.
    static func fixture(members: Int = 2) throws -> URL {
        let dir = try SharedData.temporaryDirectory("neurochem")
        try NeuroChemFixture.write(to: dir, members: members)
        return dir
    }

    @Test func fixtureStreamsDecompressToTheirText() throws {
        for (stream, symbol, hidden, activation) in [(NeuroChemFixture.hydrogenStream, "H", 3, 9), (NeuroChemFixture.oxygenStream, "O", 2, 9),
                                                     (NeuroChemFixture.gaussianStream, "H", 3, 5)] {
            let bytes = try BZip2.decompress([UInt8](Data(base64Encoded: stream)!), file: "fixture", item: symbol)
            #expect(bytes == Array(NeuroChemFixture.networkText(symbol: symbol, hidden: hidden, activation: activation).utf8))
        }
    }

    /// Energies of the imported member against a hand evaluation from the file layout:
    /// h = CELU_0.1(W_file x + b) with W_file `[out, in]` row-major, E = c (Σ e_sae + Σ out).
    @Test func memberEnergyFollowsTheFileLayoutAndUnits() throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ensemble = try NeuroChemEnsemble(directory: dir.path)
        #expect(ensemble.count == 2)
        #expect(ensemble.aev.species == [1, 8] && ensemble.aev.featureCount == 7 && ensemble.aev.shfR == [1, 2])
        #expect(ensemble.memberWidths[1] == [1: [7, 3, 1], 8: [7, 2, 1]])
        let c = NeuroChemEnsemble.torchaniHartreeToEV
        #expect(ensemble.selfEnergies.energies == [1: -0.5 * c, 8: -75 * c])

        let topology = try NeighbourTopology(conformation: Self.water, request: ensemble.aev.request, label: "water")
        let features = AEVComputer(ensemble.aev)(Tensor<Double>(positions: Self.water.positions), topology: topology).scalars
        #expect(features.contains { $0 != 0 })
        for member in 0..<2 {
            var expected = (-75 - 0.5 - 0.5) * c
            for (atom, z) in Self.water.atomicNumbers.enumerated() {
                let symbol = z == 1 ? "H" : "O", h = NeuroChemFixture.hidden[symbol]!
                let x = Array(features[(7 * atom)..<(7 * atom + 7)])
                let w1 = NeuroChemFixture.weights(symbol: symbol, layer: 1, member: member, count: 7 * h)
                let b1 = NeuroChemFixture.biases(symbol: symbol, layer: 1, member: member, count: h)
                let w2 = NeuroChemFixture.weights(symbol: symbol, layer: 2, member: member, count: h)
                let b2 = NeuroChemFixture.biases(symbol: symbol, layer: 2, member: member, count: 1)
                var out = Double(b2[0])
                for o in 0..<h {
                    let a = (0..<7).reduce(Double(b1[o])) { $0 + Double(w1[o * 7 + $1]) * x[$1] }
                    out += Double(w2[o]) * (max(0, a) + min(0, 0.1 * (exp(a / 0.1) - 1)))
                }
                expected += c * out
            }
            let potential = ensemble.potential(member: member)
            let energy = try potential.evaluate([Self.water], parameters: ensemble.memberParameters[member].converted(to: Double.self),
                                                withForces: false).energies.scalars[0]
            // The last layer × c is rounded to Float: |ΔE| ≲ c · 2⁻²⁴ · Σ|terms| ≈ 1e-6 eV here.
            #expect(abs(energy - expected) < 1e-5, "member \(member): \(energy) vs \(expected)")
        }
    }

    /// Writes the fixture, applies `change`, and expects a `DataError` for `file` (a path
    /// suffix) with `item` and a reason containing `reason`.
    func expectError(file: String, item: String?, reason: String, _ change: (URL) throws -> Void) throws {
        let dir = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        try change(dir)
        do {
            _ = try NeuroChemEnsemble(directory: dir.path)
            Issue.record("no error; expected \(file): \(item ?? "-"): \(reason)")
        } catch let error as DataError {
            #expect(error.file.hasSuffix(file), "\(error)")
            #expect(error.item == item, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    static func replace(_ dir: URL, _ name: String, _ old: String, _ new: String) throws {
        let url = dir.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        try #require(text.contains(old))
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    static let params = "rHO-3.0R_2-2.5A_a1-1.params", net = "train1/networks/"

    @Test func missingDirectoryAndFiles() throws {
        #expect(throws: DataError(file: "/nonexistent/ani-1x_8x", "not a directory (expected a NeuroChem ensemble such as torchani/resources/ani-1x_8x)")) {
            _ = try NeuroChemEnsemble(directory: "/nonexistent/ani-1x_8x")
        }
        try expectError(file: "", item: "*.params", reason: "no AEV constants file") {
            try FileManager.default.removeItem(at: $0.appendingPathComponent(Self.params))
        }
        try expectError(file: "sae_linfit.dat", item: nil, reason: "file does not exist") {
            try FileManager.default.removeItem(at: $0.appendingPathComponent("sae_linfit.dat"))
        }
        try expectError(file: "", item: "train0", reason: "no ensemble member") {
            try FileManager.default.moveItem(at: $0.appendingPathComponent("train0"), to: $0.appendingPathComponent("old0"))
        }
        try expectError(file: "ANN-O.nnf-l2.bparam", item: nil, reason: "file does not exist") {
            try FileManager.default.removeItem(at: $0.appendingPathComponent(Self.net + "ANN-O.nnf-l2.bparam"))
        }
    }

    @Test func malformedConstants() throws {
        try expectError(file: Self.params, item: "line 11 (Foo)", reason: "unknown constant") {
            try Self.replace($0, Self.params, "Atyp = [H,O]", "Atyp = [H,O]\nFoo = [1]")
        }
        try expectError(file: Self.params, item: "EtaR", reason: "2 values; MetaMLIP's AEV takes one") {
            try Self.replace($0, Self.params, "[4.0000000e+00]", "[4.0,5.0]")
        }
        try expectError(file: Self.params, item: "ShfA", reason: "'x' is not a finite number") {
            try Self.replace($0, Self.params, "[1.2000000e+00]", "[1.2,x]")
        }
        try expectError(file: Self.params, item: "Rca", reason: "0 < Rca (3.5) ≤ Rcr (3.0)") {
            try Self.replace($0, Self.params, "Rca = 2.5000e+00", "Rca = 3.5")
        }
        try expectError(file: Self.params, item: "Atyp", reason: "unknown element symbol 'Xx'") {
            try Self.replace($0, Self.params, "[H,O]", "[H,Xx]")
        }
        try expectError(file: "sae_linfit.dat", item: "O", reason: "no self-energy") {
            try Self.replace($0, "sae_linfit.dat", "O,1=-75.000000000000\n", "")
        }
        try expectError(file: "sae_linfit.dat", item: "line 2 (O)", reason: "index 0, but O is species 1") {
            try Self.replace($0, "sae_linfit.dat", "O,1=", "O,0=")
        }
        try expectError(file: "sae_linfit.dat", item: "line 2 (N)", reason: "species not in the AEV's species") {
            try Self.replace($0, "sae_linfit.dat", "O,1=", "N,1=")
        }
    }

    @Test func malformedNetworks() throws {
        try expectError(file: "ANN-H.nnf", item: "layer 1 activation", reason: "5 (Gaussian) is not supported") {
            try NeuroChemFixture.nnfFile(stream: NeuroChemFixture.gaussianStream).write(to: $0.appendingPathComponent(Self.net + "ANN-H.nnf"))
        }
        try expectError(file: "ANN-O.nnf", item: "atom_net", reason: "network for 'H', expected 'O'") {
            try NeuroChemFixture.nnfFile(stream: NeuroChemFixture.hydrogenStream).write(to: $0.appendingPathComponent(Self.net + "ANN-O.nnf"))
        }
        try expectError(file: "ANN-H.nnf", item: "header", reason: "states 341 bytes, the bzip2 stream holds 340") {
            try NeuroChemFixture.nnfFile(stream: NeuroChemFixture.hydrogenStream, length: 341).write(to: $0.appendingPathComponent(Self.net + "ANN-H.nnf"))
        }
        try expectError(file: "ANN-H.nnf", item: "network text", reason: "bzip2: block 0") {
            var data = NeuroChemFixture.nnfFile(stream: NeuroChemFixture.hydrogenStream)
            data[60] ^= 0x10
            try data.write(to: $0.appendingPathComponent(Self.net + "ANN-H.nnf"))
        }
        try expectError(file: "ANN-H.nnf", item: "inputsize", reason: "7, but the AEV has 9 features") {
            try Self.replace($0, Self.params, "ShfR = [1.0000000e+00,2.0000000e+00]", "ShfR = [1.0,2.0,2.5]")
        }
        try expectError(file: "ANN-H.nnf-l1.wparam", item: nil, reason: "80 bytes, expected 84 (21 float32 values") {
            try NeuroChemFixture.bytes(Array(repeating: 0.5, count: 20)).write(to: $0.appendingPathComponent(Self.net + "ANN-H.nnf-l1.wparam"))
        }
        try expectError(file: "ANN-O.nnf-l1.bparam", item: "value 1", reason: "non-finite value nan") {
            try NeuroChemFixture.bytes([0.1, .nan]).write(to: $0.appendingPathComponent(Self.net + "ANN-O.nnf-l1.bparam"))
        }
    }
}
