import Autodiff
import Chemistry
import Testing
@testable import Potentials

@Suite struct ElementNetworksTests {
    let model = ElementNetworks(widths: [1: [6, 5, 1], 6: [6, 4, 3, 1], 8: [6, 5, 1]])
    let molecules: [[Int]] = [[6, 1, 1, 1, 1], [8, 1, 1], [6, 8, 1, 1], [1, 1]]

    func setUp() -> (ParameterSet<Double>, Tensor<Double>, AtomBatch) {
        var rng = SeededGenerator(seed: 11)
        let parameters: ParameterSet<Double> = model.initialParameters(Double.self, using: &rng)
        let batch = AtomBatch(atomicNumbers: molecules)
        let features = Tensor<Double>.randomNormal(shape: [batch.atomCount, 6], standardDeviation: 1, using: &rng)
        return (parameters, features, batch)
    }

    @Test func parametersAreNamedPerElement() {
        var rng = SeededGenerator(seed: 1)
        let p: ParameterSet<Double> = model.initialParameters(Double.self, using: &rng)
        #expect(p.names == ["H/W0", "H/b0", "H/W1", "H/b1", "C/W0", "C/b0", "C/W1", "C/b1", "C/W2", "C/b2",
                            "O/W0", "O/b0", "O/W1", "O/b1"])
        #expect(model.unsupported([1, 6, 7, 8]) == [7])
    }

    @Test func batchEqualsSumOfSingles() {
        let (p, features, batch) = setUp()
        let together = model.energies(features: features, batch: batch, parameters: p).scalars
        for c in 0..<batch.conformationCount {
            let rows = Array(batch.offsets[c]..<batch.offsets[c + 1])
            let single = model.energies(features: features.gather(indices: rows),
                                        batch: AtomBatch(atomicNumbers: [molecules[c]]), parameters: p).scalars
            #expect(abs(single[0] - together[c]) < 1e-12)
        }
    }

    @Test func permutingAtomsLeavesEnergiesUnchanged() {
        let (p, features, batch) = setUp()
        let permutation = [3, 1, 4, 0, 2] + [6, 7, 5] + [10, 8, 11, 9] + [13, 12]
        let permutedNumbers = permutation.map { batch.atomicNumbers[$0] }
        let permuted = AtomBatch(atomicNumbers: [Array(permutedNumbers[0..<5]), Array(permutedNumbers[5..<8]),
                                                  Array(permutedNumbers[8..<12]), Array(permutedNumbers[12..<14])])
        let a = model.energies(features: features, batch: batch, parameters: p).scalars
        let b = model.energies(features: features.gather(indices: permutation), batch: permuted, parameters: p).scalars
        for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-12) }
    }

    @Test func elementsUseTheirOwnNetwork() {
        let (p, features, batch) = setUp()
        // Changing the oxygen network leaves the oxygen-free conformations unchanged.
        let changed = ParameterSet(zip(p.names, p.tensors).map { name, t in
            (name, name.hasPrefix("O/") ? t + 0.5 : t)
        })
        let a = model.energies(features: features, batch: batch, parameters: p).scalars
        let b = model.energies(features: features, batch: batch, parameters: changed).scalars
        #expect(a[0] == b[0] && a[3] == b[3])
        #expect(a[1] != b[1] && a[2] != b[2])
    }

    @Test func gradientsMatchFiniteDifferences() {
        let (p, features, batch) = setUp()
        let weights = Tensor<Double>([0.3, -1.2, 0.7, 2.0])
        func loss(_ p: ParameterSet<Double>, _ x: Tensor<Double>) -> Tensor<Double> {
            (model.energies(features: x, batch: batch, parameters: p) * weights).sum()
        }
        let leaves = p.requiringGrad()
        let x = features.requiringGrad()
        let l = loss(leaves, x)
        let gp = gradient(of: l, withRespectTo: leaves)
        let gx = gradient(of: l, withRespectTo: x).scalars
        let h = 1e-6
        for (k, tensor) in p.tensors.enumerated() {
            for i in [0, tensor.count - 1] {
                func shifted(_ d: Double) -> Double {
                    var values = tensor.scalars
                    values[i] += d
                    var tensors = p.tensors
                    tensors[k] = Tensor(shape: tensor.shape, scalars: values)
                    return loss(ParameterSet(Array(zip(p.names, tensors))), features).item
                }
                let numeric = (shifted(h) - shifted(-h)) / (2 * h)
                #expect(abs(gp[k].scalars[i] - numeric) < 1e-7 * max(1, abs(numeric)), "\(p.names[k])[\(i)]")
            }
        }
        for i in [0, 17, features.count - 1] {
            func shifted(_ d: Double) -> Double {
                var values = features.scalars
                values[i] += d
                return loss(p, Tensor(shape: features.shape, scalars: values)).item
            }
            let numeric = (shifted(h) - shifted(-h)) / (2 * h)
            #expect(abs(gx[i] - numeric) < 1e-7 * max(1, abs(numeric)), "feature \(i)")
        }
    }
}
