import Autodiff
import Chemistry
import Foundation
import Testing
import Descriptors

/// A water molecule (O–H 0.9572 Å, H–O–H 104.52°) and small ACSF parameters with every atom
/// inside the cutoff, for hand-checked values.
enum ACSFFixture {
    static let atomicNumbers = [8, 1, 1]
    static let positions: [SIMD3<Double>] = [.zero, SIMD3(0.9572, 0, 0), SIMD3(-0.2399872, 0.9266272, 0)]
    static let radial = [ACSFParameters.Radial(eta: 1.0, rs: 0.9), ACSFParameters.Radial(eta: 0.5, rs: 1.5)]
    static let angular = [ACSFParameters.Angular(eta: 0.1, zeta: 1, lambda: 1),
                          ACSFParameters.Angular(eta: 0.05, zeta: 4, lambda: -1)]
    static let acsf = ACSFParameters(cutoff: 3.0, radial: radial, angular: angular, species: [1, 8])
    static let eeacsf = EEACSFParameters(
        cutoff: 3.0, radial: radial, angular: angular, centralProperties: [.period, .valence],
        radialProperties: [.one, .period, .valenceComplement], angularSums: [.period, .valence],
        angularDifferences: [.period, .valence, .dElectrons], elements: [1, 8])

    static func features(_ compute: (Tensor<Double>, NeighbourTopology) -> Tensor<Double>,
                         request: NeighbourRequest) throws -> [[Double]] {
        let topology = try NeighbourTopology(positions: positions, atomicNumbers: atomicNumbers, cell: nil, request: request)
        let g = compute(Tensor(positions: positions), topology)
        let f = g.shape[1]
        return (0..<g.shape[0]).map { Array(g.scalars[($0 * f)..<(($0 + 1) * f)]) }
    }

    // Plain-Double reference terms, written from the formulas of Behler 2011.
    static func fc(_ r: Double) -> Double { r <= 3.0 ? 0.5 * (cos(Double.pi * r / 3.0) + 1) : 0 }
    static func g2(_ r: Double, _ p: ACSFParameters.Radial) -> Double { exp(-p.eta * (r - p.rs) * (r - p.rs)) * fc(r) }
    static func g5(_ rij: SIMD3<Double>, _ rik: SIMD3<Double>, _ p: ACSFParameters.Angular) -> Double {
        let a = (rij * rij).sum().squareRoot(), b = (rik * rik).sum().squareRoot()
        let c = (rij * rik).sum() / (a * b)
        return pow(2, 1 - p.zeta) * pow(1 + p.lambda * c, p.zeta) * exp(-p.eta * (a * a + b * b)) * fc(a) * fc(b)
    }
}

@Suite struct ACSFTests {
    @Test func valuesMatchTheFormulas() throws {
        let values = try ACSFFixture.features(ACSFComputer(ACSFFixture.acsf).callAsFunction, request: ACSFFixture.acsf.request)
        #expect(ACSFFixture.acsf.featureCount == 2 * 2 + 3 * 2)
        // Reference: loops over neighbours and unordered neighbour pairs.
        let z = ACSFFixture.atomicNumbers, r = ACSFFixture.positions
        let species = [1, 8]
        for i in 0..<3 {
            var expected = [Double](repeating: 0, count: 10)
            let others = (0..<3).filter { $0 != i }
            for j in others {
                let s = species.firstIndex(of: z[j])!
                for (m, p) in ACSFFixture.radial.enumerated() {
                    expected[s * 2 + m] += ACSFFixture.g2(((r[j] - r[i]) * (r[j] - r[i])).sum().squareRoot(), p)
                }
            }
            let (j, k) = (others[0], others[1])
            let (a, b) = (species.firstIndex(of: z[j])!, species.firstIndex(of: z[k])!)
            let pair = ACSFFixture.acsf.pairIndex(a, b)
            for (m, p) in ACSFFixture.angular.enumerated() {
                expected[4 + pair * 2 + m] += ACSFFixture.g5(r[j] - r[i], r[k] - r[i], p)
            }
            for f in 0..<10 { #expect(abs(values[i][f] - expected[f]) < 1e-12, "atom \(i) feature \(f)") }
        }
        // Independent check with Python (math module) for the oxygen: G2(H; η 1, r_s 0.9) =
        // 1.533275343895, G5(HH; η 0.1, ζ 1, λ 1) = 0.369049525368, G5(HH; η 0.05, ζ 4,
        // λ −1) = 0.165111859731; O has no O neighbours.
        #expect(abs(values[0][0] - 1.533275343895) < 1e-11)
        #expect(abs(values[0][4] - 0.369049525368) < 1e-11)
        #expect(abs(values[0][5] - 0.165111859731) < 1e-11)
        #expect(values[0][2] == 0 && values[0][3] == 0 && values[0][6] == 0 && values[0][9] == 0)
    }

    @Test func eeACSFValuesMatchTheFormulas() throws {
        let p = ACSFFixture.eeacsf
        let values = try ACSFFixture.features(EEACSFComputer(p).callAsFunction, request: p.request)
        #expect(p.featureCount == 2 + 3 * 2 + 5 * 2)
        // Raw lMLP properties (n, sp, d): H (1, 1, 0), O (2, 6, 0); maxima 5, 8, 10.
        func raw(_ z: Int) -> (n: Double, sp: Double, d: Double) { z == 1 ? (1, 1, 0) : (2, 6, 0) }
        let z = ACSFFixture.atomicNumbers, r = ACSFFixture.positions
        for i in 0..<3 {
            var expected = [raw(z[i]).n / 5, raw(z[i]).sp / 8]
            let others = (0..<3).filter { $0 != i }
            var radial = [Double](repeating: 0, count: 6)
            for j in others {
                let w = [1, raw(z[j]).n / 5, (9 - raw(z[j]).sp) / 8]
                let d = ((r[j] - r[i]) * (r[j] - r[i])).sum().squareRoot()
                for t in 0..<3 { for (m, q) in ACSFFixture.radial.enumerated() { radial[t * 2 + m] += w[t] * ACSFFixture.g2(d, q) } }
            }
            let (hj, hk) = (raw(z[others[0]]), raw(z[others[1]]))
            let h = [(hj.n + hk.n) / 10, (hj.sp + hk.sp) / 16,
                     (abs(hj.n - hk.n) + 1) / 5, (abs(hj.sp - hk.sp) + 1) / 8, 0]   // d: both 0 → no +1
            var angular = [Double](repeating: 0, count: 10)
            for t in 0..<5 {
                for (m, q) in ACSFFixture.angular.enumerated() {
                    angular[t * 2 + m] = h[t] * ACSFFixture.g5(r[others[0]] - r[i], r[others[1]] - r[i], q)
                }
            }
            expected += radial + angular
            for f in 0..<18 { #expect(abs(values[i][f] - expected[f]) < 1e-12, "atom \(i) feature \(f)") }
        }
    }

    @Test func eeACSFLengthDoesNotDependOnTheElements() throws {
        let few = EEACSFParameters.molecules.with(elements: [1, 8])
        let many = EEACSFParameters.molecules.with(elements: [1, 6, 7, 8, 14, 26, 54])
        #expect(few.featureCount == many.featureCount)
        #expect(few.featureCount == 182)
        // Declaring more elements changes nothing for a molecule of the first ones.
        let g1 = try ACSFFixture.features(EEACSFComputer(few).callAsFunction, request: few.request)
        let g2 = try ACSFFixture.features(EEACSFComputer(many).callAsFunction, request: many.request)
        #expect(g1 == g2)
        // ACSF, in contrast, grows with the species pairs.
        #expect(ACSFParameters.molecules.with(species: [1, 8]).featureCount == 2 * 8 + 3 * 12)
        #expect(ACSFParameters.molecules.featureCount == 152)
    }

    @Test(arguments: ["acsf", "eeacsf"])
    func gradientsMatchFiniteDifferences(_ kind: String) throws {
        // d/dR of Σ_{a,f} c_{af} G_{af}(R) with fixed pseudo-random c, central differences.
        func compute(_ r: Tensor<Double>, _ t: NeighbourTopology) -> Tensor<Double> {
            kind == "acsf" ? ACSFComputer(ACSFFixture.acsf)(r, topology: t) : EEACSFComputer(ACSFFixture.eeacsf)(r, topology: t)
        }
        let request = kind == "acsf" ? ACSFFixture.acsf.request : ACSFFixture.eeacsf.request
        let topology = try NeighbourTopology(positions: ACSFFixture.positions, atomicNumbers: ACSFFixture.atomicNumbers,
                                             cell: nil, request: request)
        let f = compute(Tensor(positions: ACSFFixture.positions), topology).shape[1]
        let c = Tensor<Double>(shape: [3, f], scalars: (0..<(3 * f)).map { sin(Double($0) * 1.7) })
        func objective(_ r: [SIMD3<Double>]) -> Double { (compute(Tensor(positions: r), topology) * c).sum().scalars[0] }
        let r = Tensor<Double>(positions: ACSFFixture.positions, requiresGrad: true)
        let g = gradient(of: (compute(r, topology) * c).sum(), withRespectTo: r).scalars
        let h = 1e-6
        for atom in 0..<3 {
            for axis in 0..<3 {
                var plus = ACSFFixture.positions, minus = ACSFFixture.positions
                plus[atom][axis] += h
                minus[atom][axis] -= h
                let numeric = (objective(plus) - objective(minus)) / (2 * h)
                #expect(abs(g[atom * 3 + axis] - numeric) < 1e-7 * max(1, abs(numeric)), "atom \(atom) axis \(axis)")
            }
        }
    }

    @Test func elementTableSpotChecks() {
        let carbon = ElementProperties.of(6), iron = ElementProperties.of(26), xenon = ElementProperties.of(54)
        #expect((carbon.period, carbon.valence, carbon.dElectrons) == (2, 4, 0))
        #expect((iron.period, iron.valence, iron.dElectrons) == (4, 2, 6))
        // lMLP counts d = 0 for main-group elements after the d block (filled d shell is core).
        #expect((xenon.period, xenon.valence, xenon.dElectrons) == (5, 8, 0))
        #expect(ElementProperties.of(2).valence == 8)                       // He as a closed shell
        #expect(ElementProperty.dComplement.value(of: 26) == 5)             // 11 − 6
        #expect(ElementProperty.dComplement.value(of: 6) == 0)              // main group
        #expect(ElementProperty.periodComplement.value(of: 1) == 5)         // 6 − 1
        #expect(ElementProperty.valenceComplement.value(of: 9) == 2)        // F: 9 − 7
        for z in 1...54 {
            for t in ElementProperty.allCases { #expect((0...1).contains(t.weight(of: z)), "Z \(z) \(t)") }
        }
        #expect(!ElementProperties.covers(55) && !ElementProperties.covers(0))
    }

    @Test func featureScalingStandardisesAndCompresses() {
        let zero = Tensor<Double>.zeros(shape: [1, 2])
        #expect(FeatureScaling.cubeRoot(zero).scalars == [0, 0])
        let g = Tensor<Double>(shape: [3, 2], scalars: [0, 5, 7, 5, 26, 5])      // (G + 1)^(1/3) = 1, 2, 3
        let s = FeatureScaling.fitted(to: g)
        #expect(abs(s.mean[0] - 3) < 1e-12 && s.scale[1] == 0.01)                // compressed 0, 3, 6; constant column
        let x = s(g).scalars
        #expect(abs(x[0] + x[2] + x[4]) < 1e-12 && abs(x[1]) < 1e-12)
        #expect(abs((x[0] * x[0] + x[2] * x[2] + x[4] * x[4]) / 3 - 1) < 1e-12)
        #expect(s.problem(featureCount: 3) != nil && s.problem(featureCount: 2) == nil)
    }
}
