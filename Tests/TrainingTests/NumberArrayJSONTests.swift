import Foundation
import Testing
import Autodiff
import Chemistry
import Potentials
import Training
import _TestSupport

/// `NumberArrayJSON` writes exactly the bytes `JSONEncoder` (sorted keys) writes, only faster.
@Suite struct NumberArrayJSONTests {
    /// Floats of every kind JSON text must carry: tiny, huge, subnormal, −0, integers, ties.
    static func awkwardFloats(_ count: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        let special: [Float] = [0, -0.0, 1, -1, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                -.greatestFiniteMagnitude, 1e-5, 1e-7, 123456789, 0.1, 1.0 / 3, 16777217]
        return special + (0..<count).map { i in
            let mantissa = Float.random(in: -1...1, using: &g)
            return mantissa * Float(sign: .plus, exponent: (i % 80) - 40, significand: 1)
        }
    }

    func plainJSON<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    @Test func modelFileBytesMatchJSONEncoder() throws {
        let potential = ThreeBPA.smallPotential()
        var p = potential.initialParameters(seed: 3)
        let name = p.names[0]
        let values = Self.awkwardFloats(p[name].count - 14, seed: 1)
        p[name] = Tensor(shape: p[name].shape, scalars: values)
        let file = ModelFile(potential: potential, parameters: p)
        let fast = try NumberArrayJSON.encode(file)
        #expect(fast == (try plainJSON(file)))
        #expect(try plainJSON(JSONDecoder().decode(ModelFile.self, from: fast)) == plainJSON(file))
    }

    @Test func optimizerStateBytesMatchJSONEncoder() throws {
        var g = SeededGenerator(seed: 7)
        let doubles = (0..<500).map { i in Double.random(in: -1...1, using: &g) * pow(10, Double(i % 60 - 30)) }
            + [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, 1e-300]
        let state = OptimizerState(kind: "Adam", step: 12, learningRate: 1e-3, counters: ["k": ["W0": 3]],
                                   buffers: ["m": ["W0": doubles, "b0": [1, 2]], "v": ["W0": doubles.map { abs($0) }]])
        let fast = try NumberArrayJSON.encode(state)
        #expect(fast == (try plainJSON(state)))
        #expect(try JSONDecoder().decode(OptimizerState.self, from: fast) == state)
    }

    @Test func aNonFiniteElementThrowsWithItsPath() throws {
        var values = Self.awkwardFloats(100, seed: 2)
        values[70] = .nan
        let tensor = ModelFile.StoredTensor(name: "W1", shape: [values.count], values: values)
        do {
            _ = try NumberArrayJSON.encode([tensor])
            Issue.record("no error for NaN")
        } catch EncodingError.invalidValue(let bad, let context) {
            #expect((bad as? Float)?.isNaN == true)
            #expect(context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["0", "values", "70"])
        }
    }

    @Test func placeholderLookalikesInStringsSurvive() throws {
        // A name that looks like a placeholder (without this call's random nonce) is left alone.
        let tensor = ModelFile.StoredTensor(name: "@metamlip-numbers-x-0@", shape: [100], values: Self.awkwardFloats(86, seed: 4))
        #expect(try NumberArrayJSON.encode(tensor) == (try plainJSON(tensor)))
    }
}
