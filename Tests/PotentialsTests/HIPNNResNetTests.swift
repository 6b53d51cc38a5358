import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
@testable import Potentials

/// HIP-NN's residual form (hippynn's default `resnet=True`, `ResNetWrapper`), checked by hand
/// and through the model file and manifest; the shared checks run on it in ``ConformanceTests``.
@Suite struct HIPNNResNetTests {
    @Test func twoAtomEnergyMatchesAHandComputation() throws {
        // O–H at 1.1 Å; three species, so block 0 (3 → 2 features) needs the adjust matrix A.
        let arch = HIPNNArchitecture(species: [1, 6, 8], width: 2, interactions: 1, atomLayers: 1, sensitivities: 3,
                                     softMin: 0.8, softMax: 3, cutoff: 4, resnet: true)
        let potential = HIPNNPotential(arch, selfEnergies: SelfEnergies(isolatedAtoms: [1: 0, 6: 0, 8: 0]))
        let p = HIPNNTests.randomised(potential, seed: 7)
        #expect(p.names == ["int0/muInv", "int0/sigma", "int0/Wsens", "int0/Wself", "int0/b",
                            "int0/res/W", "int0/res/b", "int0/adjust", "int0/atom1/W", "int0/atom1/b",
                            "int0/atom1/res/W", "int0/atom1/res/b", "readout0/w", "readout1/w", "readout1/b"])
        #expect(p["int0/adjust"].shape == [3, 2])
        let r = 1.1, direction = SIMD3(0.48, -0.6, 0.64)
        let conf = Conformation(atomicNumbers: [8, 1], positions: [SIMD3(0.3, 0.2, -0.1), SIMD3(0.3, 0.2, -0.1) + direction * r],
                                energy: 0)
        let model = try potential.evaluate([conf], parameters: p, withForces: false).energies.scalars[0]

        func v(_ name: String) -> [Double] { p[name].scalars }
        func softplus(_ x: Double) -> Double { log1p(exp(x)) }
        /// x M + c for x of width n and M `[n, 2]` (row-major), c of width 2 (or none).
        func affine(_ x: [Double], _ m: [Double], _ c: [Double]? = nil) -> [Double] {
            var y: [Double] = c ?? [0, 0]
            for o in 0..<2 {
                for k in 0..<x.count { y[o] += x[k] * m[k * 2 + o] }
            }
            return y
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double {
            var s = 0.0
            for k in 0..<a.count { s += a[k] * b[k] }
            return s
        }
        let z0: [[Double]] = [[0, 0, 1], [1, 0, 0]]   // atom 0 is O (species index 2), atom 1 is H
        var energy = 0.0
        for i in 0..<2 {
            let j = 1 - i
            var pre = affine(z0[i], v("int0/Wself"), v("int0/b"))
            for o in 0..<2 {
                for nu in 0..<3 {
                    let s = HIPNNSensitivity.value(r, inverseCentre: v("int0/muInv")[nu], sigma: v("int0/sigma")[nu], cutoff: 4)
                    for f in 0..<3 { pre[o] += s * z0[j][f] * v("int0/Wsens")[(nu * 3 + f) * 2 + o] }
                }
            }
            // z ← f(u) R + c + z A, then the on-site layer with the identity skip.
            let skip = affine(z0[i], v("int0/adjust"))
            let r1 = affine(pre.map(softplus), v("int0/res/W"), v("int0/res/b"))
            let z1: [Double] = [r1[0] + skip[0], r1[1] + skip[1]]
            let u = affine(z1, v("int0/atom1/W"), v("int0/atom1/b"))
            let r2 = affine(u.map(softplus), v("int0/atom1/res/W"), v("int0/atom1/res/b"))
            let z2: [Double] = [r2[0] + z1[0], r2[1] + z1[1]]
            energy += dot(z0[i], v("readout0/w")) + dot(z2, v("readout1/w")) + v("readout1/b")[0]
        }
        #expect(abs(model - energy) < 1e-12, "model \(model) hand \(energy)")
    }

    @Test func sameWidthBlocksHaveNoAdjustMatrix() {
        let potential = HIPNNPotential(HIPNNArchitecture(species: [1, 6], width: 2, interactions: 2, atomLayers: 0, resnet: true),
                                       selfEnergies: SelfEnergies(isolatedAtoms: [:]))
        var rng = SeededGenerator(seed: 1)
        let names = potential.initialParameters(Float.self, using: &rng).names
        #expect(!names.contains("int0/adjust") && !names.contains("int1/adjust"))
        #expect(names.contains("int1/res/W"))
        #expect(potential.layer(ofParameter: "int1/res/b") == 1)
    }

    @Test func manifestKeyAndModelFileRoundTrip() throws {
        let selfEnergies = SelfEnergies(isolatedAtoms: [1: -13.6, 8: -2042.0])
        let built = try ModelSpec(kind: "hipnn", width: 8, resnet: true)
            .makePotential(elements: [1, 8], selfEnergies: selfEnergies, file: "m.yaml")
        #expect((built as? HIPNNPotential)?.hyperparameters.resnet == true)
        #expect(throws: DataError.self) {
            try ModelSpec(kind: "ani", resnet: true).makePotential(elements: [1, 8], selfEnergies: selfEnergies, file: "m.yaml")
        }
        // resnet is written only when true; a file without the key reads as the plain form.
        let plain = HIPNNArchitecture(species: [1, 8], width: 8)
        let plainJSON = String(decoding: try JSONEncoder().encode(plain), as: UTF8.self)
        #expect(!plainJSON.contains("resnet"))
        #expect(try JSONDecoder().decode(HIPNNArchitecture.self, from: Data(plainJSON.utf8)) == plain)
        var residual = plain
        residual.resnet = true
        let json = try JSONEncoder().encode(ModelArchitecture.hipnn(residual))
        #expect(String(decoding: json, as: UTF8.self).contains("\"resnet\":true"))
        #expect(try JSONDecoder().decode(ModelArchitecture.self, from: json) == .hipnn(residual))
    }
}
