import Autodiff
import Chemistry
import Descriptors
import Potentials
import Simulation
import _TestSupport

/// Small models and real structures shared by the simulation tests.
enum Fixtures {
    /// The first ethanol frame of the BOTNet set (9 atoms, C2H6O).
    static let ethanol: Conformation = {
        let path = SharedData.path("ethanol/botnet_pbe_def2svp_train.xyz")
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(11)
        return (try? ExtendedXYZReader().parse(lines.joined(separator: "\n"), file: path).conformations.first)
            ?? Conformation(atomicNumbers: [], positions: [], energy: 0)
    }()

    /// A small ANI model (ANI-1x AEV, one hidden layer of 8) for H, C, N, O with random
    /// Float64 parameters drawn from `seed`, its output scaled by `scale`.
    static func aniCalculator(seed: UInt64 = 7, scale: Double = 1) -> PotentialCalculator {
        let elements = [1, 6, 7, 8]
        let aev = AEVParameters.ani1x.with(species: elements)
        let potential = ANIPotential(aev: AEVComputer(aev),
                                     networks: ElementNetworks(elements: elements, widths: [aev.featureCount, 8, 1], alpha: 0.1),
                                     selfEnergies: SelfEnergies(isolatedAtoms: [1: -13.6, 6: -1029.5, 7: -1485.0, 8: -2042.0]))
        var rng = SeededGenerator(seed: seed)
        var parameters = potential.initialParameters(Double.self, using: &rng)
        if scale != 1 { parameters = parameters.scaled(by: scale) }
        return PotentialCalculator(potential: potential, parameters: parameters)
    }
}

/// Morse pairs between all atoms: E = Σ_{i<j} D (1 − e^{−a(r − r₀)})² − D, an analytic
/// test potential whose minimum is known-ish and whose forces are exact.
final class MorseCalculator: ForceCalculator {
    let depth: Double, width: Double, equilibrium: Double
    private(set) var calls = 0
    init(depth: Double = 1, width: Double = 1.5, equilibrium: Double = 1.5) {
        self.depth = depth; self.width = width; self.equilibrium = equilibrium
    }
    func calculate(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?) throws -> EnergyAndForces {
        calls += 1
        var energy = 0.0
        var forces = [SIMD3<Double>](repeating: .zero, count: positions.count)
        for i in positions.indices {
            for j in (i + 1)..<max(i + 1, positions.count) {
                let d = positions[j] - positions[i]
                let r = (d * d).sum().squareRoot()
                let e = exp(-width * (r - equilibrium))
                energy += depth * ((1 - e) * (1 - e) - 1)
                let dEdr = 2 * depth * width * e * (1 - e)
                forces[i] += dEdr * d / r
                forces[j] -= dEdr * d / r
            }
        }
        return EnergyAndForces(energy: energy, forces: forces)
    }
}

/// Harmonic springs of zero rest length along a closed ring: E = ½ k Σ |r_{i+1} − r_i|².
/// Quadratic in the positions with 3(N − 1) normal modes and exactly zero total force.
final class RingCalculator: ForceCalculator {
    let stiffness: Double
    private(set) var calls = 0
    init(stiffness: Double) { self.stiffness = stiffness }
    func calculate(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?) throws -> EnergyAndForces {
        calls += 1
        let n = positions.count
        var energy = 0.0
        var forces = [SIMD3<Double>](repeating: .zero, count: n)
        for i in 0..<n {
            let j = (i + 1) % n
            let d = positions[j] - positions[i]
            energy += 0.5 * stiffness * (d * d).sum()
            forces[i] += stiffness * d
            forces[j] -= stiffness * d
        }
        return EnergyAndForces(energy: energy, forces: forces)
    }
}

/// The largest |component| of `v`.
func maxAbs(_ v: SIMD3<Double>) -> Double { max(abs(v.x), abs(v.y), abs(v.z)) }

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
