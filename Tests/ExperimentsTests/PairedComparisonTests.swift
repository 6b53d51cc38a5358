import Foundation
import Testing
import Chemistry
@testable import Experiments
import Training

/// Paired differences to the baseline with bootstrap intervals, on errors whose answer is
/// known by construction.
@Suite struct PairedComparisonTests {
    /// Errors of 40 conformations: energies e_c, one force component per conformation f_c,
    /// both scaled by `scale`.
    static func errors(scale: Double, seed: UInt64) -> TestErrors {
        var g = SeededGenerator(seed: seed)
        let e = (0..<40).map { _ in (g.unitDouble() - 0.5) * 0.02 * scale }
        let f = (0..<40).map { _ in let x = (g.unitDouble() - 0.5) * 0.2 * scale; return x * x }
        return TestErrors(energyErrors: e, forceSquaredSums: f, forceComponents: Array(repeating: 1, count: 40))
    }

    static func result(_ variant: String, seed: UInt64, _ errors: TestErrors?) -> RefitResult {
        RefitResult(variant: variant, n: 10, seed: seed,
                    test: MetricsAccumulator().metrics,
                    epochs: 1, seconds: 0, testErrors: errors)
    }

    @Test func halvedErrorsAreClearlyLowerAndEqualOnesAreNot() throws {
        var results: [RefitResult] = []
        for s: UInt64 in 0..<3 {
            let base = Self.errors(scale: 1, seed: s)
            results.append(Self.result("scratch", seed: s, base))
            results.append(Self.result("halved", seed: s, Self.errors(scale: 0.5, seed: s)))
            results.append(Self.result("same", seed: s, base))
        }
        results.append(Self.result("legacy", seed: 0, nil))  // no per-conformation errors: not compared
        let d = PairedComparison.compare(results, baseline: "scratch", resamples: 500)
        #expect(Set(d.map(\.variant)) == ["halved", "same"] && d.count == 4)
        let halved = try #require(d.first { $0.variant == "halved" && $0.metric == "force_rmse_meV_per_A" })
        // Exactly half of each seed's RMSE, averaged over the three seeds.
        let expected = (0..<3).map { s in Self.errors(scale: 1, seed: UInt64(s)).forceRMSE(Array(0..<40)) }.reduce(0, +) / 3
        #expect(abs(halved.baselineValue - expected) < 1e-9 && abs(halved.difference + expected / 2) < 1e-9)
        #expect(halved.lower <= halved.difference && halved.difference <= halved.upper && halved.upper < 0)
        #expect(halved.verdict == "lower" && halved.seeds == [0, 1, 2] && halved.testConformations == 40)
        let same = try #require(d.first { $0.variant == "same" && $0.metric == "energy_rmse_meV" })
        #expect(same.difference == 0 && same.lower == 0 && same.upper == 0 && same.verdict == "no clear difference")
        // Reproducible, and written as CSV and Markdown.
        #expect(PairedComparison.compare(results, baseline: "scratch", resamples: 500) == d)
        #expect(PairedComparison.csv(d).split(separator: "\n").count == 5)
        #expect(PairedComparison.markdown(d).contains("| halved | 10 |"))
        // Several baselines: every variant against each, one table per baseline.
        let table = ResultsTable(results: results, baselines: ["scratch", "halved"])
        #expect(PairedComparison.baselines(of: table.comparisons) == ["scratch", "halved"])
        let doubled = try #require(table.comparisons.first { $0.baseline == "halved" && $0.variant == "scratch" && $0.metric == "force_rmse_meV_per_A" })
        #expect(abs(doubled.difference - expected / 2) < 1e-9 && doubled.verdict == "higher")
        #expect(table.markdown(title: "t").components(separatedBy: "Difference to").count == 3)
    }

    @Test func testErrorsFromPredictions() {
        let conformations = [
            Conformation(atomicNumbers: [1, 1], positions: [.zero, SIMD3(0.74, 0, 0)], energy: -1,
                         forces: [SIMD3(0.1, 0, 0), SIMD3(-0.1, 0, 0)]),
            Conformation(atomicNumbers: [1], positions: [.zero], energy: -0.5),
        ]
        let p = Predictions(energies: [-0.9, -0.6], forces: [[0.2, 0, 0, -0.1, 0, 0.3], nil])
        let e = TestErrors(p, against: conformations)
        #expect(abs(e.energyErrors[0] - 0.1) < 1e-12 && abs(e.energyErrors[1] + 0.1) < 1e-12)
        #expect(abs(e.forceSquaredSums[0] - (0.01 + 0.09)) < 1e-12 && e.forceComponents == [6, 0] && e.forceSquaredSums[1] == 0)
        let m = p.metrics(against: conformations)
        #expect(abs(e.forceRMSE([0, 1]) - m.forceRMSE) < 1e-9 && abs(e.energyRMSE([0, 1]) - m.energyRMSE) < 1e-9)
    }
}
