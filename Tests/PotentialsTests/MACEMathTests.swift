import Autodiff
import Foundation
import Testing
@testable import Potentials

/// The equivariant building blocks of MACE against e3nn / mace-torch values
/// (`Fixtures/mace_parity.json`) and against their defining properties.
@Suite struct MACEMathTests {
    @Test func sphericalHarmonicsMatchE3NN() throws {
        let math = try MACEFixture.load().math
        let sh = SphericalHarmonics(lmax: 3)
        for (v, expected) in zip(math.vectors, math.harmonics) {
            let y = sh.values(SIMD3(v[0], v[1], v[2]))
            for (a, b) in zip(y, expected) { #expect(abs(a - b) < 1e-12) }
        }
        // The tensor version agrees and normalises its inputs (scaled vectors, same values).
        let vectors = Tensor<Double>(shape: [math.vectors.count, 3], scalars: math.vectors.flatMap { $0.map { 2.5 * $0 } })
        let y = sh(vectors).scalars
        for (i, expected) in math.harmonics.enumerated() {
            for (k, b) in expected.enumerated() { #expect(abs(y[i * 16 + k] - b) < 1e-12) }
        }
    }

    @Test func sphericalHarmonicsAreComponentNormalised() {
        let sh = SphericalHarmonics(lmax: 6)
        let y = sh.values(SIMD3(0.3, -1.2, 0.7))
        for l in 0...6 {
            let norm = (l * l..<(l + 1) * (l + 1)).reduce(0) { $0 + y[$1] * y[$1] }
            #expect(abs(norm - Double(2 * l + 1)) < 1e-11, "l = \(l)")
        }
    }

    @Test func wigner3jMatchesE3NN() throws {
        for w in try MACEFixture.load().math.wigner3j {
            let c = Wigner3j.coefficients(w.l[0], w.l[1], w.l[2])
            #expect(c.count == w.values.count)
            let worst = zip(c, w.values).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-13, "\(w.l)")
        }
    }

    /// The coupling property behind the tensor product: for l₁ + l₂ + l₃ even,
    /// Σ C[m₁, m₂, m₃] Y_{l₁m₁}(r̂) Y_{l₂m₂}(r̂) is proportional to Y_{l₃m₃}(r̂) at every
    /// direction (the constant is the same for all m₃ and directions); for odd sums it vanishes.
    @Test func wigner3jCouplesHarmonics() {
        let sh = SphericalHarmonics(lmax: 4)
        let directions = [SIMD3(0.3, -1.2, 0.7), SIMD3(-0.5, 0.1, 0.9), SIMD3(1, 2, -0.4)]
        for (l1, l2, l3) in [(1, 1, 2), (1, 2, 3), (2, 2, 2), (1, 3, 4), (2, 2, 4), (1, 1, 1), (1, 2, 2), (2, 3, 2)] {
            let c = Wigner3j.coefficients(l1, l2, l3)
            var ratio: Double?
            for v in directions {
                let y = sh.values(v)
                for m3 in 0..<(2 * l3 + 1) {
                    var sum = 0.0
                    for m1 in 0..<(2 * l1 + 1) { for m2 in 0..<(2 * l2 + 1) {
                        sum += c[(m1 * (2 * l2 + 1) + m2) * (2 * l3 + 1) + m3] * y[l1 * l1 + m1] * y[l2 * l2 + m2]
                    } }
                    let target = y[l3 * l3 + m3]
                    if (l1 + l2 + l3) % 2 == 1 { #expect(abs(sum) < 1e-12); continue }
                    if abs(target) > 1e-3 {
                        if let r = ratio { #expect(abs(sum / target - r) < 1e-10, "\(l1) \(l2) \(l3)") } else { ratio = sum / target }
                    }
                }
            }
        }
    }

    @Test func couplingBasesMatchMACE() throws {
        let messages = (0...3).map { Irrep.sphericalHarmonic($0) }
        for reference in try MACEFixture.load().math.coupling {
            let basis = CouplingBasis(coupling: messages, output: try #require(Irrep(reference.output)), correlation: reference.correlation)
            #expect(basis.pathCount == reference.paths)
            let k = basis.pathCount, rows = basis.values.count / k
            for path in 0..<k {
                var squares = 0.0, probe = 0.0
                for r in 0..<rows {
                    let x = basis.values[r * k + path]
                    squares += x * x
                    probe += x * cos(0.37 * Double(r))
                }
                #expect(abs(squares - reference.squares[path]) < 1e-10 * max(1, reference.squares[path]))
                #expect(abs(probe - reference.probes[path]) < 1e-10 * max(1, abs(reference.probes[path])))
            }
        }
    }

    @Test func irrepsParseAndSortAsE3NN() throws {
        let irreps = try #require(Irreps("8x1o + 8x0e+ 3x0o + 1e"))
        #expect(irreps.dimension == 8 * 3 + 8 + 3 + 3)
        #expect(irreps.sorted().description == "3x0o+8x0e+8x1o+1x1e")
        #expect(Irreps("8x0e+8x0e")!.simplified().description == "16x0e")
        #expect(Irreps("8y0e") == nil && Irrep("2x") == nil)
        #expect(Irrep(1, -1).product(Irrep(2, 1)) == [Irrep(1, -1), Irrep(2, -1), Irrep(3, -1)])
    }
}
