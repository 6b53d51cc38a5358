import Autodiff
import Chemistry
import Foundation
import Potentials
import Simulation
import Testing
import _TestSupport

@Suite struct CalculatorTests {
    /// One configuration through the calculator equals the batch evaluation of the model
    /// (energy with self-energies, forces), and every call is counted.
    @Test func matchesTheBatchEvaluationAndCountsCalls() throws {
        let conf = Fixtures.ethanol
        try #require(conf.atomCount == 9)
        let calculator = Fixtures.aniCalculator()
        let result = try calculator.calculate(atomicNumbers: conf.atomicNumbers, positions: conf.positions, cell: conf.cell)
        _ = try calculator.calculate(atomicNumbers: conf.atomicNumbers, positions: conf.positions.map { $0 * 1.01 }, cell: nil)
        #expect(calculator.calls == 2)
        let reference = try calculator.potential.evaluate([conf], parameters: calculator.parameters)
        #expect(abs(result.energy - reference.energies.scalars[0]) < 1e-9)
        let f = try #require(reference.forces).scalars
        for i in 0..<9 {
            #expect(maxAbs(result.forces[i] - SIMD3(f[3 * i], f[3 * i + 1], f[3 * i + 2])) < 1e-12)
        }
        // Forces are −∂E/∂R: a central difference along one coordinate.
        let h = 1e-5
        var plus = conf.positions, minus = conf.positions
        plus[4].y += h; minus[4].y -= h
        let ep = try calculator.calculate(atomicNumbers: conf.atomicNumbers, positions: plus, cell: nil).energy
        let em = try calculator.calculate(atomicNumbers: conf.atomicNumbers, positions: minus, cell: nil).energy
        #expect(abs(-(ep - em) / (2 * h) - result.forces[4].y) < 1e-6)
    }

    @Test func elementsTheModelLacksAreDataErrors() throws {
        let calculator = Fixtures.aniCalculator()
        #expect(throws: DataError.self) {
            try calculator.calculate(atomicNumbers: [1, 17], positions: [.zero, SIMD3(1.3, 0, 0)], cell: nil)
        }
        do {
            try calculator.checkElements([6, 1, 16], file: "in.xyz", item: "frame 3")
            Issue.record("sulfur accepted")
        } catch let error as DataError {
            #expect(error.file == "in.xyz" && error.item == "frame 3" && error.reason.contains("[\"S\"]"), "\(error)")
        }
        #expect(throws: DataError.self) { try ElementData.masses(of: [1, 55]) }
        #expect(ElementData.mass(of: 6) == 12.011 && ElementData.covalentRadius(of: 54) == 1.40)
        #expect(ElementData.masses.count == 54 && ElementData.covalentRadii.count == 54)
    }
}
