#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Chemistry

/// How a run exchanges energy with a heat bath.
public enum Thermostat: Equatable, Sendable {
    /// None (NVE): velocity Verlet, which conserves the total energy up to O(Δt²)
    /// fluctuations and is time-reversible.
    case none
    /// Langevin dynamics (NVT) at `temperature` (K) with friction γ = `friction` (1/fs),
    /// integrated by the BAOAB splitting of Leimkuhler & Matthews,
    /// *Appl. Math. Res. Express* 2013, 34 (doi:10.1093/amrx/abs010).
    case langevin(temperature: Double, friction: Double)
}

/// One recorded point of a run: step, time (fs) and energies (eV), temperature (K).
public struct MDSample: Equatable, Sendable {
    public var step: Int
    /// Simulated time, fs.
    public var time: Double
    /// Potential energy, eV.
    public var potentialEnergy: Double
    /// Kinetic energy Σ ½ m v², eV.
    public var kineticEnergy: Double
    /// Instantaneous temperature 2K / (n_dof k_B), K.
    public var temperature: Double
    /// Potential + kinetic, eV.
    public var totalEnergy: Double { potentialEnergy + kineticEnergy }
}

/// Molecular dynamics of one structure: velocity Verlet (NVE) or Langevin BAOAB (NVT)
/// with a fixed time step.
///
/// Units: positions Å, velocities Å/fs, time fs, masses amu, energies eV, forces eV/Å;
/// the acceleration of force F on mass m is F/m · ``MDUnits/accelerationPerForcePerMass``
/// (1 eV/(Å·amu) = 0.009648533 Å/fs²). Positions are never wrapped into a cell, so
/// displacements and bonds stay continuous.
///
/// Velocity Verlet, one step of Δt:
///
///     v ← v + ½Δt a(x);  x ← x + Δt v;  v ← v + ½Δt a(x)
///
/// BAOAB: B (half kick), A (half drift), O (v ← c₁v + c₂ √(k_B T/m) ξ, c₁ = e^{−γΔt},
/// c₂ = √(1 − c₁²), ξ ~ N(0, 1) from the seeded generator), A, B. With
/// ``removesCenterOfMassMotion`` the O step's centre-of-mass velocity is removed
/// (ASE's `fixcm`), so the thermostat samples 3N − 3 degrees of freedom and the molecule
/// does not drift.
///
/// The state is a value; the calculator (a reference) counts evaluations, one per step.
public struct MolecularDynamics {
    /// Atomic numbers, shape (N,).
    public let atomicNumbers: [Int]
    /// Masses, shape (N,), amu.
    public let masses: [Double]
    /// The cell (`nil` for a molecule).
    public let cell: Cell?
    /// Energies and forces.
    public let calculator: any ForceCalculator
    /// Time step Δt, fs.
    public var timeStep: Double
    /// NVE or Langevin.
    public var thermostat: Thermostat
    /// Whether the centre-of-mass velocity is kept at zero (initial velocities, Langevin
    /// noise) and left out of the degrees of freedom of the temperature.
    public let removesCenterOfMassMotion: Bool
    /// Random stream of the Langevin noise and of ``setMaxwellBoltzmannVelocities(temperature:)``.
    public var generator: SeededGenerator

    /// Positions, shape (N,), Å.
    public private(set) var positions: [SIMD3<Double>]
    /// Velocities, shape (N,), Å/fs.
    public private(set) var velocities: [SIMD3<Double>]
    /// Forces at ``positions``, shape (N,), eV/Å.
    public private(set) var forces: [SIMD3<Double>]
    /// Potential energy at ``positions``, eV.
    public private(set) var potentialEnergy: Double
    /// Steps taken.
    public private(set) var step = 0
    /// Simulated time, fs (the sum of the time steps taken).
    public private(set) var time = 0.0

    /// A run starting at `positions` (Å) with `velocities` (Å/fs; zero when `nil`).
    ///
    /// - Parameters:
    ///   - timeStep: Δt in fs (0.25–1 fs for molecules with hydrogen).
    ///   - masses: amu; standard atomic weights (``ElementData``) when `nil`.
    ///   - seed: seeds ``generator`` (SplitMix64).
    /// - Throws: `DataError` for an element without mass, mismatched shapes, or from the
    ///   first evaluation.
    public init(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell? = nil,
                velocities: [SIMD3<Double>]? = nil, masses: [Double]? = nil,
                calculator: any ForceCalculator, timeStep: Double, thermostat: Thermostat = .none,
                removesCenterOfMassMotion: Bool = true, seed: UInt64 = 0) throws {
        let n = atomicNumbers.count
        guard positions.count == n, velocities.map({ $0.count == n }) ?? true, masses.map({ $0.count == n }) ?? true else {
            throw DataError(file: "molecular dynamics", "positions, velocities and masses need one row per atom (\(n))")
        }
        guard timeStep > 0, timeStep.isFinite else {
            throw DataError(file: "molecular dynamics", item: "time step", "must be positive, got \(timeStep) fs")
        }
        if case .langevin(let t, let gamma) = thermostat, !(t >= 0 && gamma >= 0) {
            throw DataError(file: "molecular dynamics", item: "thermostat", "temperature and friction must be ≥ 0")
        }
        self.atomicNumbers = atomicNumbers
        self.masses = try masses ?? ElementData.masses(of: atomicNumbers)
        self.cell = cell
        self.calculator = calculator
        self.timeStep = timeStep
        self.thermostat = thermostat
        self.removesCenterOfMassMotion = removesCenterOfMassMotion
        generator = SeededGenerator(seed: seed)
        self.positions = positions
        let v = velocities ?? Array(repeating: .zero, count: n)
        self.velocities = removesCenterOfMassMotion ? MDUnits.removingCenterOfMassMotion(v, masses: self.masses) : v
        let result = try calculator.calculate(atomicNumbers: atomicNumbers, positions: positions, cell: cell)
        forces = result.forces
        potentialEnergy = result.energy
    }

    /// A run starting from `conformation`'s atoms, positions and cell.
    public init(_ conformation: Conformation, velocities: [SIMD3<Double>]? = nil, masses: [Double]? = nil,
                calculator: any ForceCalculator, timeStep: Double, thermostat: Thermostat = .none,
                removesCenterOfMassMotion: Bool = true, seed: UInt64 = 0) throws {
        try self.init(atomicNumbers: conformation.atomicNumbers, positions: conformation.positions,
                      cell: conformation.cell, velocities: velocities, masses: masses, calculator: calculator,
                      timeStep: timeStep, thermostat: thermostat,
                      removesCenterOfMassMotion: removesCenterOfMassMotion, seed: seed)
    }

    /// Number of atoms N.
    public var atomCount: Int { atomicNumbers.count }
    /// Degrees of freedom of the temperature: 3N, less 3 with ``removesCenterOfMassMotion``.
    public var degreesOfFreedom: Int {
        MDUnits.degreesOfFreedom(atomCount: atomCount, centerOfMassFixed: removesCenterOfMassMotion)
    }
    /// Kinetic energy, eV.
    public var kineticEnergy: Double { MDUnits.kineticEnergy(velocities: velocities, masses: masses) }
    /// Instantaneous temperature, K.
    public var temperature: Double {
        MDUnits.temperature(kineticEnergy: kineticEnergy, degreesOfFreedom: degreesOfFreedom)
    }
    /// The current step, time and energies.
    public var sample: MDSample {
        MDSample(step: step, time: time, potentialEnergy: potentialEnergy, kineticEnergy: kineticEnergy,
                 temperature: temperature)
    }
    /// The current structure as a conformation with the model's energy (eV) and forces (eV/Å).
    public var conformation: Conformation {
        Conformation(atomicNumbers: atomicNumbers, positions: positions, cell: cell, energy: potentialEnergy,
                     forces: forces)
    }

    /// Draws Maxwell–Boltzmann velocities at `temperature` (K) from ``generator``, with zero
    /// total momentum, scaled so that ``temperature`` (over ``degreesOfFreedom``) is exactly
    /// `temperature`.
    public mutating func setMaxwellBoltzmannVelocities(temperature: Double) {
        var v = MDUnits.maxwellBoltzmannVelocities(masses: masses, temperature: temperature, generator: &generator,
                                                   exactTemperature: false)
        let t = MDUnits.temperature(kineticEnergy: MDUnits.kineticEnergy(velocities: v, masses: masses),
                                    degreesOfFreedom: degreesOfFreedom)
        if t > 0 { v = v.map { $0 * (temperature / t).squareRoot() } }
        velocities = v
    }

    /// Negates every velocity (for time-reversal checks).
    public mutating func reverseVelocities() {
        velocities = velocities.map { -$0 }
    }

    /// Advances one time step (one force evaluation).
    public mutating func advance() throws {
        let dt = timeStep
        let n = atomCount
        let kick = (0..<n).map { 0.5 * dt * MDUnits.accelerationPerForcePerMass / masses[$0] }
        for i in 0..<n { velocities[i] += kick[i] * forces[i] }
        switch thermostat {
        case .none:
            for i in 0..<n { positions[i] += dt * velocities[i] }
        case .langevin(let temperature, let friction):
            for i in 0..<n { positions[i] += 0.5 * dt * velocities[i] }
            let c1 = exp(-friction * dt), c2 = (1 - c1 * c1).squareRoot()
            let kT = MDUnits.boltzmann * temperature * MDUnits.accelerationPerForcePerMass
            for i in 0..<n {
                let xi = SIMD3(MDUnits.normal(&generator), MDUnits.normal(&generator), MDUnits.normal(&generator))
                velocities[i] = c1 * velocities[i] + c2 * (kT / masses[i]).squareRoot() * xi
            }
            if removesCenterOfMassMotion {
                velocities = MDUnits.removingCenterOfMassMotion(velocities, masses: masses)
            }
            for i in 0..<n { positions[i] += 0.5 * dt * velocities[i] }
        }
        let result = try calculator.calculate(atomicNumbers: atomicNumbers, positions: positions, cell: cell)
        forces = result.forces
        potentialEnergy = result.energy
        for i in 0..<n { velocities[i] += kick[i] * forces[i] }
        step += 1
        time += dt
    }

    /// Runs `steps` steps, recording a sample at the start and after every `every`-th step.
    ///
    /// - Parameter observer: called with the state at each recorded sample (after it is
    ///   recorded); return `false` to stop the run early (e.g. when it became unstable).
    /// - Returns: the recorded samples, the first at the starting step.
    @discardableResult
    public mutating func run(steps: Int, every: Int = 1,
                             observer: ((MolecularDynamics) throws -> Bool)? = nil) throws -> [MDSample] {
        precondition(every > 0, "sampling interval must be positive")
        var samples = [sample]
        if let observer, try !observer(self) { return samples }
        guard steps > 0 else { return samples }
        for s in 1...steps {
            try advance()
            if s % every == 0 || s == steps {
                samples.append(sample)
                if let observer, try !observer(self) { break }
            }
        }
        return samples
    }
}
