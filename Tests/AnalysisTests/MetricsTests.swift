import Foundation
import Testing
@testable import Analysis

/// Synthetic curves with known answers.
@Suite struct MetricsTests {
    /// n uniform points of one period, s_k = 2πk/n.
    func periodicGrid(_ n: Int) -> [Double] { (0..<n).map { 2 * .pi * Double($0) / Double(n) } }

    /// Deterministic pseudo-noise in [−1, 1].
    func noise(_ n: Int, seed: UInt64 = 7) -> [Double] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(UInt64(1) << 53) * 2 - 1
        }
    }

    @Test func derivativesAreSecondOrderOnUnevenAndPeriodicGrids() {
        // An uneven grid s = x + x²/5 on [0, 4]; halving the spacing quarters the error.
        func worstError(_ n: Int) -> Double {
            let s = (0...n).map { 4 * Double($0) / Double(n) }.map { $0 + $0 * $0 / 5 }
            let d = PathStencils(s: s).derivative(s.map(sin))
            return zip(d, s).map { abs($0 - cos($1)) }.max()!
        }
        let coarse = worstError(40), fine = worstError(80)
        #expect(coarse < 3e-2)
        #expect(coarse / fine > 3.5)
        let g = periodicGrid(72)
        let periodic = PathStencils(s: g, period: 2 * .pi)
        let h = 2 * Double.pi / 72
        // Central difference of sin: cos(s)·sin(h)/h exactly.
        #expect(zip(periodic.derivative(g.map(sin)), g).allSatisfy { abs($0 - cos($1) * sin(h) / h) < 1e-12 })
    }

    @Test func roughnessOfACosineIsItsAnalyticValueAndGrowsWithNoise() {
        // E = A cos s over one period: (1/2π)∫(E'')² ds = A²/2; the 5° grid's second
        // difference scales E'' by (2 − 2cos h)/h² ≈ 1 − h²/12.
        let a = 0.05, g = periodicGrid(72)
        let clean = g.map { a * cos($0) }
        let m = ScanMetrics(s: g, period: 2 * .pi, energies: clean)
        let r = try! #require(m.roughness)
        #expect(abs(r - a * a / 2) / (a * a / 2) < 2e-3)
        #expect(m.highFrequencyShare! < 1e-20)
        #expect(m.extrema == 2 && m.referenceExtrema == 2 && m.spuriousExtrema == 0 && m.referenceIsSmoothFit)
        #expect(abs(m.energyRange - 100) < 1e-9)
        // Open grid over [0, π] of A cos 2s: (E'')² = 16A² cos² 2s, averaged over the
        // interior [h, π − h]: 16A² (1/2 − sin 4h / (4(π − 2h))).
        let open = (0...90).map { Double.pi * Double($0) / 90 }
        let hOpen = Double.pi / 90
        let mo = ScanMetrics(s: open, period: nil, energies: open.map { a * cos(2 * $0) })
        let exact = 16 * a * a * (0.5 - sin(4 * hOpen) / (4 * (Double.pi - 2 * hOpen)))
        #expect(abs(mo.roughness! - exact) / exact < 3e-3)
        #expect(mo.extrema == 1)
        // 1 meV noise: the curvature of the noise, ~(4σ/h²)², dominates.
        let noisy = zip(clean, noise(72)).map { $0 + 1e-3 * $1 }
        let mn = ScanMetrics(s: g, period: 2 * .pi, energies: noisy)
        #expect(mn.roughness! > 3 * r)
        #expect(mn.highFrequencyShare! > 1e-4)
        let louder = zip(clean, noise(72)).map { $0 + 3e-3 * $1 }
        #expect(ScanMetrics(s: g, period: 2 * .pi, energies: louder).roughness! > 2 * mn.roughness!)
    }

    @Test func highFrequencyShareSeparatesHarmonics() {
        let g = periodicGrid(72)
        #expect(Spectral.highFrequencyShare(g.map { cos(3 * $0) }, periodic: true, cutoff: 6) < 1e-20)
        #expect(abs(Spectral.highFrequencyShare(g.map { cos(3 * $0) + sin(12 * $0) }, periodic: true, cutoff: 6) - 0.5) < 1e-12)
        #expect(abs(Spectral.highFrequencyShare(g.map { cos(6 * $0) + cos(7 * $0) }, periodic: true, cutoff: 6) - 0.5) < 1e-12)
        // Open: a straight line plus one half-sine has no power above harmonic 1.
        let x = (0...60).map { Double($0) / 60 }
        #expect(Spectral.highFrequencyShare(x.map { 2 * $0 + sin(.pi * $0) }, periodic: false, cutoff: 1) < 1e-20)
        #expect(Spectral.highFrequencyShare(x.map { sin(.pi * $0) + sin(9 * .pi * $0) }, periodic: false, cutoff: 6) > 0.49)
    }

    @Test func extremaAreCountedAboveTheTolerance() {
        let g = periodicGrid(72)
        #expect(Extrema.count(g.map { 0.01 * cos($0) }, periodic: true, tolerance: 1e-3) == 2)
        #expect(Extrema.count(g.map { 0.01 * cos(3 * $0) }, periodic: true, tolerance: 1e-3) == 6)
        // Wiggles of 0.2 meV are below the 1 meV tolerance; wiggles of 5 meV are not.
        let small = g.map { 0.01 * cos(3 * $0) + 1e-4 * sin(17 * $0) }
        #expect(Extrema.count(small, periodic: true, tolerance: 1e-3) == 6)
        let wiggly = g.map { 0.1 * cos($0) + 5e-3 * sin(12 * $0) }
        #expect(Extrema.count(wiggly, periodic: true, tolerance: 1e-3) > 2)
        // Flat curves and monotonic open curves have none; end points never count.
        #expect(Extrema.count(g.map { 1e-4 * cos($0) }, periodic: true, tolerance: 1e-3) == 0)
        #expect(Extrema.count((0..<50).map { Double($0) }, periodic: false, tolerance: 1e-3) == 0)
        // Open: a double well, −x² + x⁴ on [−1.5, 1.5], has two minima and one maximum.
        let x = (0...100).map { -1.5 + 3 * Double($0) / 100 }
        #expect(Extrema.indices(x.map { -$0 * $0 + $0 * $0 * $0 * $0 }, tolerance: 1e-3).count == 3)
        // A staircase of plateaus rises monotonically: no extrema.
        #expect(Extrema.count([0, 0, 1, 1, 1, 2, 2, 3], periodic: false, tolerance: 0.5) == 0)
    }

    /// A Morse stretch curve has one minimum; its smooth fit keeps one even when the model
    /// curve wiggles, so the wiggles show up as spurious extrema.
    @Test func spuriousExtremaOfAWigglyMorseCurve() {
        let r0 = 1.1, r = (0..<120).map { 0.7 * r0 + 0.02 * Double($0) }
        let morse = r.map { 4.5 * pow(1 - exp(-2.0 * ($0 - r0)), 2) }
        let clean = ScanMetrics(s: r, period: nil, energies: morse)
        #expect(clean.extrema == 1 && clean.referenceExtrema == 1 && clean.spuriousExtrema == 0)
        let wiggly = zip(r, morse).map { $1 + 0.02 * sin(40 * $0) }
        let m = ScanMetrics(s: r, period: nil, energies: wiggly)
        #expect(m.referenceExtrema == 1 && m.referenceIsSmoothFit)
        #expect(m.extrema > 5 && m.spuriousExtrema == m.extrema - 1)
        // The wiggle adds about its own mean squared curvature, (0.02·40²)²/2 = 512 (eV/Å²)²
        // (less the grid's damping of the second difference, ~10%, plus cross terms).
        #expect(m.roughness! - clean.roughness! > 250)
        // Against reference energies: RMSE after removing the mean offset, in meV.
        let shifted = morse.map { $0 + 1.0 }
        let vsRef = ScanMetrics(s: r, period: nil, energies: wiggly, referenceEnergies: shifted)
        #expect(!vsRef.referenceIsSmoothFit && vsRef.referenceExtrema == 1)
        let expected = (r.map { pow(0.02 * sin(40 * $0), 2) }.reduce(0, +) / 120).squareRoot() * 1000
        #expect(abs(vsRef.referenceRMSE! - expected) < 0.2)
    }

    @Test func smoothingFitIsTheWhittakerSolution() {
        // (I + λDᵀD) z = y: a straight line is left unchanged, and the residual of a noisy
        // curve is smaller than the noise.
        let line = (0..<30).map { 0.5 * Double($0) - 2 }
        #expect(zip(Spectral.smoothingFit(line, cutoff: 3), line).allSatisfy { abs($0 - $1) < 1e-9 })
        let x = (0..<200).map { Double($0) / 199 }
        let truth = x.map { sin(2 * .pi * $0) }
        let noisy = zip(truth, noise(200)).map { $0 + 0.1 * $1 }
        let fit = Spectral.smoothingFit(noisy, cutoff: 6)
        let error = zip(fit, truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 200
        let noiseLevel = zip(noisy, truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 200
        #expect(error < 0.3 * noiseLevel)
        // Fourier fit of harmonics ≤ 3 drops harmonic 5 exactly.
        let g = periodicGrid(40)
        let fitted = Spectral.fourierFit(g.map { 1 + cos(2 * $0) + 0.3 * sin(5 * $0) }, order: 3)
        #expect(zip(fitted, g).allSatisfy { abs($0 - 1 - cos(2 * $1)) < 1e-12 })
    }
}
