import Chemistry
import Foundation
import Simulation
import Testing

@Suite struct GeometryOptimizerTests {
    /// Six atoms in a distorted octahedron-ish cluster under all-pairs Morse.
    static let cluster = Conformation(
        atomicNumbers: Array(repeating: 6, count: 6),
        positions: [SIMD3(0, 0, 0), SIMD3(1.7, 0.1, 0), SIMD3(0.2, 1.4, 0.1), SIMD3(1.1, 1.2, 1.3),
                    SIMD3(-0.3, 0.4, 1.5), SIMD3(0.9, -0.9, 1.0)],
        energy: 0)

    @Test func morseForcesAreMinusTheGradient() throws {
        let calc = MorseCalculator()
        let conf = Self.cluster
        let f = try calc.calculate(atomicNumbers: conf.atomicNumbers, positions: conf.positions, cell: nil).forces
        let h = 1e-6
        for a in 0..<6 {
            for d in 0..<3 {
                var plus = conf.positions, minus = conf.positions
                plus[a][d] += h; minus[a][d] -= h
                let ep = try calc.calculate(atomicNumbers: conf.atomicNumbers, positions: plus, cell: nil).energy
                let em = try calc.calculate(atomicNumbers: conf.atomicNumbers, positions: minus, cell: nil).energy
                #expect(abs(-(ep - em) / (2 * h) - f[a][d]) < 1e-7)
            }
        }
    }

    /// Both optimisers reach fmax < 0.01 eV/Å on the Morse cluster, with or without fixed
    /// atoms, in exactly the steps ASE 3.29 takes with the same defaults and the same
    /// potential (a Python `Calculator` of this Morse form), to the same energy.
    @Test(arguments: [
        ("fire", [], 55, -13.979184299597874), ("fire", [0, 3], 72, -13.97724408092808),
        ("bfgs", [], 16, -13.979203451323032), ("bfgs", [0, 3], 28, -13.977258799264643),
    ] as [(String, Set<Int>, Int, Double)])
    func matchesASE(_ name: String, fixed: Set<Int>, aseSteps: Int, aseEnergy: Double) throws {
        let calc = MorseCalculator()
        let result = name == "fire"
            ? try FIRE().minimize(Self.cluster, calculator: calc, fmax: 0.01, maxSteps: 1000, fixed: fixed)
            : try BFGS().minimize(Self.cluster, calculator: calc, fmax: 0.01, maxSteps: 1000, fixed: fixed)
        #expect(result.converged && result.fmax < 0.01, "\(name): fmax \(result.fmax) after \(result.steps) steps")
        #expect(result.steps == aseSteps)
        #expect(abs(result.energy - aseEnergy) < 1e-9, "\(result.energy) vs ASE \(aseEnergy)")
        #expect(result.energies.count == result.steps + 1 && calc.calls == result.steps + 1)
        for i in fixed { #expect(result.structure.positions[i] == Self.cluster.positions[i]) }
        let check = try calc.calculate(atomicNumbers: result.structure.atomicNumbers, positions: result.structure.positions, cell: nil)
        #expect(abs(check.energy - result.energy) < 1e-12)
    }

    /// Fixed atoms never move and report zero force; the rest relax (on the ANI model).
    @Test(arguments: ["fire", "bfgs"])
    func fixedAtomsStayPut(_ name: String) throws {
        let conf = Fixtures.ethanol
        try #require(conf.atomCount == 9)
        let calc = Fixtures.aniCalculator()
        let fixed: Set<Int> = [0, 1, 2, 5]
        var observed = 0
        let observer: (OptimizationStep) throws -> Void = { step in
            observed += 1
            for i in fixed { #expect(step.positions[i] == conf.positions[i] && step.forces[i] == .zero) }
        }
        let result = name == "fire"
            ? try FIRE().minimize(conf, calculator: calc, fmax: 0.05, maxSteps: 60, fixed: fixed, observer: observer)
            : try BFGS().minimize(conf, calculator: calc, fmax: 0.05, maxSteps: 60, fixed: fixed, observer: observer)
        #expect(observed == result.steps + 1)
        for i in fixed { #expect(result.structure.positions[i] == conf.positions[i]) }
        let moved = (0..<9).filter { !fixed.contains($0) }.map { (result.structure.positions[$0] - conf.positions[$0]) }
            .map { ($0 * $0).sum().squareRoot() }
        #expect(moved.max()! > 0.01)
        #expect(result.energy < result.energies[0])
        #expect(throws: DataError.self) { try FIRE().minimize(conf, calculator: calc, fixed: [9]) }
    }

    @Test func maxStepBoundsEveryDisplacement() throws {
        // Far from the minimum both optimisers keep each step within maxstep.
        var stretched = Self.cluster
        stretched.positions = stretched.positions.map { $0 * 1.8 }
        for optimizer in [AnyStepLimit.fire, .bfgs] {
            var previous = stretched.positions
            let observer: (OptimizationStep) throws -> Void = { step in
                let shifts = zip(step.positions, previous).map { (($0 - $1) * ($0 - $1)).sum() }
                switch optimizer {
                case .fire: #expect(shifts.reduce(0, +).squareRoot() <= 0.1 + 1e-12)
                case .bfgs: #expect(shifts.max()!.squareRoot() <= 0.1 + 1e-12)
                }
                previous = step.positions
            }
            switch optimizer {
            case .fire: _ = try FIRE(maxStep: 0.1).minimize(stretched, calculator: MorseCalculator(), maxSteps: 20, observer: observer)
            case .bfgs: _ = try BFGS(maxStep: 0.1).minimize(stretched, calculator: MorseCalculator(), maxSteps: 20, observer: observer)
            }
        }
    }
    enum AnyStepLimit { case fire, bfgs }

    @Test func jacobiEigendecomposition() {
        let n = 12
        var g = SeededGenerator(seed: 4)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let x = g.unitDouble() * 2 - 1; a[i * n + j] = x; a[j * n + i] = x } }
        let (values, v) = symmetricEigendecomposition(a, dimension: n)
        for k in 0..<n {
            for i in 0..<n {
                var av = 0.0
                for j in 0..<n { av += a[i * n + j] * v[j * n + k] }
                #expect(abs(av - values[k] * v[i * n + k]) < 1e-12)
            }
            var norm = 0.0
            for i in 0..<n { norm += v[i * n + k] * v[i * n + k] }
            #expect(abs(norm - 1) < 1e-12)
        }
    }
}
