import Foundation
import Testing
@testable import Reports

@Suite struct AxisTicksTests {
    func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) }
    }

    @Test func logTicksSitAtDecadesWithMinorTicksBetween() {
        let t = AxisTicks.logarithmic(from: 10, to: 1000)
        #expect(t.lower == 10 && t.upper == 1000)
        #expect(close(t.major, [10, 100, 1000]))
        #expect(close(t.minor, [20, 30, 40, 50, 60, 70, 80, 90, 200, 300, 400, 500, 600, 700, 800, 900]))
        #expect(close(t.labelled, [10, 100, 1000]))
        #expect(t.label(10) == "10" && t.label(1000) == "1000")
    }

    @Test func logRangeSnapsToMantissasAndLabelsTwoAndFiveWithinOneDecade() {
        // Force RMSEs of the fixture: 61 … 309 meV/Å.
        let t = AxisTicks.logarithmic(from: 61.1, to: 309.1)
        #expect(abs(t.lower - 60) < 1e-9 && abs(t.upper - 400) < 1e-9)
        #expect(close(t.major, [100]))
        #expect(close(t.minor, [60, 70, 80, 90, 200, 300, 400]))
        #expect(close(t.labelled, [100, 200]))
    }

    @Test func logTicksWithinADecadeLabelEveryMinor() {
        let t = AxisTicks.logarithmic(from: 0.0032, to: 0.0041)
        #expect(abs(t.lower - 0.003) < 1e-12 && abs(t.upper - 0.005) < 1e-12)
        #expect(t.major.isEmpty)
        #expect(close(t.labelled, [0.003, 0.004, 0.005]))
        #expect(t.label(0.004) == "0.004")
    }

    @Test func logTicksAcrossSmallValuesAndLabels() {
        let t = AxisTicks.logarithmic(from: 2e-7, to: 3e-5)
        #expect(close(t.major, [1e-6, 1e-5]))
        #expect(t.label(1e-6) == "1e-6" && t.label(2e-7) == "2e-7" && t.label(1e6) == "1e6" && t.label(0.01) == "0.01")
        // A degenerate range still spans two mantissa steps; non-positive input falls back to 1…10.
        let single = AxisTicks.logarithmic(from: 50, to: 50)
        #expect(single.lower == 50 && single.upper == 60)
        let bad = AxisTicks.logarithmic(from: -1, to: 5)
        #expect(bad.lower == 1 && bad.upper == 10)
    }

    @Test func linearTicksUseNiceSteps() {
        let t = AxisTicks.linear(from: -3.2, to: 17.5)
        #expect(t.step == 5)
        #expect(close(t.major, [-5, 0, 5, 10, 15, 20]))
        #expect(t.lower == -5 && t.upper == 20)
        #expect(t.label(-5) == "-5")
        let small = AxisTicks.linear(from: 0.013, to: 0.061)
        #expect(abs(small.step - 0.01) < 1e-15)
        #expect(small.label(0.05) == "0.05")
        #expect(small.major.first! <= 0.013 && small.major.last! >= 0.061)
        let flat = AxisTicks.linear(from: 3, to: 3)
        #expect(flat.lower < 3 && flat.upper > 3)
    }
}
