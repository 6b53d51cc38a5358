import Foundation
import Testing
import Autodiff
import Training

/// Reference values from the authors' `core-optimizer` 1.1.0 package (PyTorch 2.15 CPU,
/// float64; its single-tensor and foreach code paths agree exactly): parameter `[0.5, −1, 2]`,
/// the gradient sequence `coreGradients`, parameters after each of the 8 steps.
let coreGradients: [[Double]] = [
    [0.3, -0.2, 0.05], [0.25, 0.1, -0.4], [-0.1, 0.2, 0.3], [0.4, 0.15, 0.2],
    [0.05, -0.3, 0.1], [0.2, 0.2, -0.2], [0.3, 0.25, 0.1], [0.1, 0.3, 0.2],
]

/// `CoRe([p])` with all defaults.
let coreDefaultsReference: [[Double]] = [
    [0.498950000035, -0.998900000055, 1.99880000024],
    [0.4977119689501766, -0.9986714438440034, 1.999231599969939],
    [0.4970054312139465, -0.9990040114548557, 1.9991999135839638],
    [0.4956198320460701, -0.9995815373846213, 1.9989584416364776],
    [0.4942434051206955, -0.9994387375843121, 1.9986178722123409],
    [0.4924057586133122, -0.9995408473344308, 1.9986206215085809],
    [0.4898115008504807, -0.9998455391380673, 1.9985547727441646],
    [0.48701232842513015, -1.0003793310335343, 1.9983377581962543],
]
let coreDefaultsStepSizes = [0.003583180799999999, 0.0008317849499999999, 0.0005112011671875001]

/// `CoRe([p], lr=0.01, step_sizes=(1e-4, 0.05), weight_decay=0.05, score_history=2, frozen=0.34)`:
/// one of three weights frozen from step 3 on (the flat stretches).
let coreFreezingReference: [[Double]] = [
    [0.4897500003416666, -0.9895000005249999, 1.9890000021999994],
    [0.47766929349926845, -0.9873192003582508, 1.9938577377491784],
    [0.47766929349926845, -0.9908314606818169, 1.9935673417102495],
    [0.47766929349926845, -0.9969298345443937, 1.9913543485205303],
    [0.46834463135067367, -0.9969298345443937, 1.9882334180985706],
    [0.46834463135067367, -0.998391437365885, 1.9882643625537597],
    [0.46834463135067367, -1.002752521381289, 1.9876610015151843],
    [0.455174512080523, -1.002752521381289, 1.985672577741562],
]

/// `CoRe([p], lr=0.01, betas=(0.7375, 0.8125, 250.0, -1.0), weight_decay=0.0)`: sign updates.
let coreSignReference: [[Double]] = [
    [0.49, -0.99, 1.99],
    [0.48, -0.98, 1.997375],
    [0.47, -0.987375, 1.9919359374999999],
    [0.45999999999999996, -0.996225, 1.9854090624999998],
    [0.44999999999999996, -0.989698125, 1.9775768124999997],
    [0.43999999999999995, -0.9945116953124999, 1.9833530968749997],
    [0.42999999999999994, -1.0002879796875, 1.9790930871484371],
    [0.41999999999999993, -1.0072195209375, 1.973981075476562],
]

func checkAgainstReference(_ fresh: CoReOptimizer<Double>, _ reference: [[Double]]) -> CoReOptimizer<Double> {
    var opt = fresh
    var p = params([0.5, -1, 2])
    for (t, g) in coreGradients.enumerated() {
        opt.update(&p, along: params(g))
        for (a, b) in zip(p["w"].scalars, reference[t]) {
            #expect(abs(a - b) <= 1e-14 * max(1, abs(b)), "step \(t + 1): \(a) vs reference \(b)")
        }
    }
    return opt
}

@Suite struct CoReOptimizerTests {
    @Test func matchesReferencePackageWithDefaults() {
        let opt = checkAgainstReference(CoReOptimizer<Double>(), coreDefaultsReference)
        for (a, b) in zip(opt.stepSizes(of: "w")!, coreDefaultsStepSizes) { #expect(abs(a - b) <= 1e-15) }
    }

    @Test func matchesReferencePackageWithFreezing() {
        _ = checkAgainstReference(
            CoReOptimizer<Double>(learningRate: 0.01, stepSizes: (1e-4, 0.05), weightDecay: 0.05,
                                  scoreHistory: 2, frozenFraction: 0.34),
            coreFreezingReference)
    }

    @Test func matchesReferencePackageWithSignUpdates() {
        _ = checkAgainstReference(
            CoReOptimizer<Double>(learningRate: 0.01, betas: (0.7375, 0.8125, 250, -1), weightDecay: 0),
            coreSignReference)
    }

    @Test func minimisesRosenbrock() {
        // f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1); full-batch, so s_max = 0.1.
        var p = params([-1.5, 2])
        var opt = CoReOptimizer<Double>(stepSizes: (1e-6, 0.1), weightDecay: 0)
        for _ in 0..<2000 {
            let s = p["w"].scalars, x = s[0], y = s[1]
            opt.update(&p, along: params([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]))
        }
        let s = p["w"].scalars
        #expect(abs(s[0] - 1) < 1e-3 && abs(s[1] - 1) < 1e-3, "ended at \(s)")
    }

    @Test func freezingHoldsTheMostImportantWeightInFloat() {
        // Quadratic Σ w²: with 20 % of 5 weights frozen after a 50-step score history, the weight
        // with the largest score (the largest loss decrease so far) stops moving; the others converge.
        var p = ParameterSet<Float>([("w", Tensor<Float>([3, -2, 1, 0.5, -4]))])
        var opt = CoReOptimizer<Float>(stepSizes: (1e-6, 0.05), scoreHistory: 50, frozenFraction: 0.2)
        var atStep100: [Float] = []
        for t in 0..<3000 {
            opt.update(&p, along: p.map { $0 * 2 })
            if t == 99 { atStep100 = p["w"].scalars }
        }
        let w = p["w"].scalars
        let frozen = w.indices.filter { abs(w[$0]) > 1e-2 }
        #expect(frozen.count == 1, "ended at \(w)")
        if let i = frozen.first { #expect(w[i] == atStep100[i]) }
    }

    @Test func minimisesAQuadraticInFloat() {
        var p = ParameterSet<Float>([("w", Tensor<Float>([3, -2, 1, 0.5, -4]))])
        var opt = CoReOptimizer<Float>(stepSizes: (1e-6, 0.05))
        for _ in 0..<3000 { opt.update(&p, along: p.map { $0 * 2 }) }
        #expect(p.norm < 1e-2, "ended at \(p["w"].scalars)")
    }

    @Test func restoreMidRunIsBitIdentical() throws {
        let p0 = twoTensors(Double.self, [0.1, -0.4, 0.7, 1.2], [0.05, -0.3])
        let opt = CoReOptimizer<Double>(scoreHistory: 3, frozenFraction: 0.5)
        #expect(bitIdentical(try run(opt, from: p0, steps: 15, restoringAt: nil), try run(opt, from: p0, steps: 15, restoringAt: 6)))
        let pf = twoTensors(Float.self, [0.1, -0.4, 0.7, 1.2], [0.05, -0.3])
        let optf = CoReOptimizer<Float>(weightDecayByName: ["b": 0])
        #expect(bitIdentical(try run(optf, from: pf, steps: 15, restoringAt: nil), try run(optf, from: pf, steps: 15, restoringAt: 9)))
    }
}
