import Chemistry
import Foundation
import Simulation
import Testing
import _TestSupport

@Suite struct DynamicsTests {
    /// NVE with velocity Verlet on a real ethanol frame and a random ANI model from 300 K
    /// (a violent run: the random surface heats the molecule to about 600 K in 100 fs):
    /// the total energy stays within tight bounds, and its largest excursion shrinks as Δt²
    /// (halving Δt divides it by about 4), which a first-order or wrong integrator fails.
    @Test func velocityVerletConservesEnergyToSecondOrder() throws {
        let conf = Fixtures.ethanol
        try #require(conf.atomCount == 9)
        func run(dt: Double, steps: Int) throws -> (EnergyDrift, [MDSample]) {
            var md = try MolecularDynamics(conf, calculator: Fixtures.aniCalculator(), timeStep: dt, seed: 11)
            md.setMaxwellBoltzmannVelocities(temperature: 300)
            let samples = try md.run(steps: steps)
            return (EnergyDrift(samples: samples, atomCount: conf.atomCount), samples)
        }
        let (coarse, samples) = try run(dt: 0.5, steps: 200)
        let (fine, _) = try run(dt: 0.25, steps: 400)
        #expect(samples.count == 201 && abs(samples.last!.time - 100) < 1e-9)
        // The run moves: potential energy changes by far more than the total does.
        let potentials = samples.map(\.potentialEnergy)
        #expect(potentials.max()! - potentials.min()! > 0.2, "potential energy range \(potentials.max()! - potentials.min()!) eV")
        #expect(abs(coarse.slope) < 2.0, "drift \(coarse.slope) meV/atom/ps at 0.5 fs")
        #expect(coarse.maximumDeviation < 0.3 && coarse.standardDeviation < 0.1,
                "deviation max \(coarse.maximumDeviation), std \(coarse.standardDeviation) meV/atom at 0.5 fs")
        #expect(fine.maximumDeviation < 0.08, "max deviation \(fine.maximumDeviation) meV/atom at 0.25 fs")
        let ratio = coarse.maximumDeviation / fine.maximumDeviation
        #expect(ratio > 3 && ratio < 5.5, "max-deviation ratio \(ratio) for Δt 0.5 / 0.25 fs")
    }

    /// Velocity Verlet is time-reversible: n steps forward, velocities negated, n steps
    /// back returns to the starting positions (to rounding).
    @Test func velocityVerletIsTimeReversible() throws {
        let conf = Fixtures.ethanol
        try #require(conf.atomCount == 9)
        var md = try MolecularDynamics(conf, calculator: Fixtures.aniCalculator(), timeStep: 0.5, seed: 5)
        md.setMaxwellBoltzmannVelocities(temperature: 500)
        let v0 = md.velocities
        try md.run(steps: 60)
        let moved = zip(md.positions, conf.positions).map { ($0 - $1) * ($0 - $1) }.map { $0.sum() }.max()!.squareRoot()
        #expect(moved > 0.1, "atoms moved only \(moved) Å")
        md.reverseVelocities()
        try md.run(steps: 60)
        let error = zip(md.positions, conf.positions).map { maxAbs($0 - $1) }.max()!
        #expect(error < 1e-8, "returned to within \(error) Å")
        let vError = zip(md.velocities, v0).map { maxAbs($0 + $1) }.max()!
        #expect(vError < 1e-8)
    }

    /// 100 velocity-Verlet steps of 1 fs on a six-carbon Morse cluster land where ASE 3.29's
    /// `VelocityVerlet` lands (same start, masses 12.011 amu; ASE's units use CODATA 2014, so
    /// the acceleration constant differs in the 8th digit).
    @Test func velocityVerletMatchesASE() throws {
        let start = GeometryOptimizerTests.cluster
        var v: [SIMD3<Double>] = [SIMD3(0.01, -0.02, 0.005), SIMD3(-0.01, 0, 0.01), SIMD3(0, 0.015, -0.01),
                                  SIMD3(0.005, 0.005, 0), SIMD3(-0.01, 0, 0), SIMD3(0.005, 0, -0.005)]
        v = MDUnits.removingCenterOfMassMotion(v, masses: Array(repeating: 12.011, count: 6))
        var md = try MolecularDynamics(start, velocities: v, calculator: MorseCalculator(), timeStep: 1.0)
        try md.run(steps: 100)
        let ase: [SIMD3<Double>] = [
            SIMD3(0.214702325701, -0.385712326143, -0.075253743601), SIMD3(1.743992783114, 0.161932772443, -0.133329522576),
            SIMD3(0.449710518057, 1.146604291038, 0.308814366033), SIMD3(0.669206224697, 1.283462953529, 1.378920152279),
            SIMD3(-0.423332576873, 0.116134668883, 1.044061922305), SIMD3(0.945720725305, -0.12242235975, 1.376786825559),
        ]
        let error = zip(md.positions, ase).map { maxAbs($0 - $1) }.max()!
        #expect(error < 1e-6, "positions differ from ASE by \(error) Å")
        #expect(abs(md.potentialEnergy - -12.46452427980043) < 1e-6)
        #expect(abs(md.kineticEnergy - 1.0795699268999868) < 1e-6)
    }

    /// Maxwell–Boltzmann velocities have zero total momentum and exactly the requested
    /// temperature over 3N − 3 degrees of freedom, and per-component variances k_B T / m.
    @Test func maxwellBoltzmannVelocities() throws {
        let masses = (0..<3000).map { $0 % 3 == 0 ? 12.011 : 1.008 }
        var g = SeededGenerator(seed: 1)
        let v = MDUnits.maxwellBoltzmannVelocities(masses: masses, temperature: 300, generator: &g)
        let momentum = zip(masses, v).reduce(SIMD3<Double>.zero) { $0 + $1.0 * $1.1 }
        #expect(maxAbs(momentum) < 1e-12)
        let t = MDUnits.temperature(kineticEnergy: MDUnits.kineticEnergy(velocities: v, masses: masses),
                                    degreesOfFreedom: 3 * masses.count - 3)
        #expect(abs(t - 300) < 1e-9)
        // ⟨v_x²⟩ = k_B T / m · 0.009648533 (Å/fs)² for hydrogen.
        let hydrogen = v.indices.filter { $0 % 3 != 0 }.map { v[$0].x * v[$0].x }
        let expected = MDUnits.boltzmann * 300 / 1.008 * MDUnits.accelerationPerForcePerMass
        let observed = hydrogen.reduce(0, +) / Double(hydrogen.count)
        #expect(abs(observed / expected - 1) < 0.06, "⟨v²⟩ \(observed) vs \(expected)")
        // Zero temperature: zero velocities.
        #expect(MDUnits.maxwellBoltzmannVelocities(masses: masses, temperature: 0, generator: &g).allSatisfy { $0 == .zero })
    }

    /// Langevin BAOAB on a ring of harmonic springs (exact equipartition known): the mean
    /// kinetic temperature is the target, the mean potential energy is ½ k_B T per mode
    /// (3(N − 1) modes), and the centre of mass neither moves nor drifts.
    @Test func langevinThermostatSamplesTheTargetTemperature() throws {
        let n = 32
        let positions = (0..<n).map { k -> SIMD3<Double> in
            let phi = 2 * Double.pi * Double(k) / Double(n)
            return SIMD3(3 * cos(phi), 3 * sin(phi), 0)
        }
        let numbers = Array(repeating: 6, count: n)
        var md = try MolecularDynamics(atomicNumbers: numbers, positions: positions, calculator: RingCalculator(stiffness: 5),
                                       timeStep: 1.0, thermostat: .langevin(temperature: 400, friction: 0.02), seed: 3)
        try md.run(steps: 1000)  // equilibrate
        let com0 = zip(md.masses, md.positions).reduce(SIMD3<Double>.zero) { $0 + $1.0 * $1.1 } / md.masses.reduce(0, +)
        let samples = try md.run(steps: 10000)
        let meanT = samples.map(\.temperature).reduce(0, +) / Double(samples.count)
        let meanU = samples.map(\.potentialEnergy).reduce(0, +) / Double(samples.count)
        let expectedU = 0.5 * MDUnits.boltzmann * 400 * Double(3 * (n - 1))
        #expect(abs(meanT / 400 - 1) < 0.04, "mean temperature \(meanT) K")
        #expect(abs(meanU / expectedU - 1) < 0.06, "mean potential \(meanU) eV, equipartition \(expectedU) eV")
        let com = zip(md.masses, md.positions).reduce(SIMD3<Double>.zero) { $0 + $1.0 * $1.1 } / md.masses.reduce(0, +)
        #expect(maxAbs(com - com0) < 1e-9)
        #expect(maxAbs(MDUnits.centerOfMassVelocity(md.velocities, masses: md.masses)) < 1e-14)
    }

    /// Langevin on the ANI model: same seed, same trajectory; another seed, another one;
    /// the centre of mass stays put.
    @Test func langevinIsSeededAndKeepsTheCenterOfMass() throws {
        let conf = Fixtures.ethanol
        try #require(conf.atomCount == 9)
        func run(seed: UInt64) throws -> MolecularDynamics {
            var md = try MolecularDynamics(conf, calculator: Fixtures.aniCalculator(), timeStep: 0.5,
                                           thermostat: .langevin(temperature: 300, friction: 0.05), seed: seed)
            md.setMaxwellBoltzmannVelocities(temperature: 300)
            try md.run(steps: 40)
            return md
        }
        let a = try run(seed: 1), b = try run(seed: 1), c = try run(seed: 2)
        #expect(a.positions == b.positions)
        #expect(a.positions != c.positions)
        let com = { (md: MolecularDynamics, r: [SIMD3<Double>]) in
            zip(md.masses, r).reduce(SIMD3<Double>.zero) { $0 + $1.0 * $1.1 } / md.masses.reduce(0, +)
        }
        #expect(maxAbs(com(a, a.positions) - com(a, conf.positions)) < 1e-6)
    }

    @Test func energyDriftIsTheLeastSquaresSlope() {
        // E_total = −100 eV + 2e-6 eV/fs · t + a zero-mean wiggle, 9 atoms.
        let times = (0...1000).map { Double($0) * 0.5 }
        let energies = times.map { -100 + 2e-6 * $0 + 1e-5 * (($0 / 0.5).truncatingRemainder(dividingBy: 2) == 0 ? 1 : -1) }
        let drift = EnergyDrift(times: times, totalEnergies: energies, atomCount: 9)
        // 2e-6 eV/fs / 9 atoms = 2e-6 · 1e6 / 9 meV/atom/ps.
        #expect(abs(drift.slope - 2.0 / 9) < 1e-3, "\(drift.slope)")
        #expect(abs(drift.duration - 500) < 1e-12)
        #expect(drift.maximumDeviation > 1e-3 * 9e-4 * 1000 / 9)
    }
}
