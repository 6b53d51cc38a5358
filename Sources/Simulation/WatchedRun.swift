// One MD run watched for stability: the loop `metamlip md`, a study's analysis stage and the
// transferability study share.

import Chemistry

/// Runs MD from a structure while a ``StabilityDetector`` watches every step, bond lengths are
/// accumulated per bond type and the largest bond stretch is tracked.
///
///     let outcome = try WatchedRun(structure, calculator: calculator,
///                                  settings: .init(thermostat: .langevin(temperature: 500, friction: 0.01),
///                                                  temperature: 500, steps: 4000, timeStep: 0.5)).run { state, event in
///         if event.isRecorded { try writer.write(state.conformation, info: [:]) }
///     }
///     outcome.stableTime   // fs until the first unphysical step, or the whole run
///
/// Units: fs, K, eV, Å.
public struct WatchedRun {
    public struct Settings: Sendable {
        public var thermostat: Thermostat
        /// Initial Maxwell–Boltzmann temperature, K.
        public var temperature: Double
        public var steps: Int
        /// Time step, fs.
        public var timeStep: Double
        /// Seeds the initial velocities and the Langevin noise.
        public var seed: UInt64
        /// Steps between recorded states (the last step and the first unphysical one are
        /// recorded too).
        public var every: Int
        /// Keep integrating after the structure became unphysical.
        public var keepGoing: Bool

        public init(thermostat: Thermostat, temperature: Double, steps: Int, timeStep: Double, seed: UInt64 = 0,
                    every: Int = 10, keepGoing: Bool = false) {
            precondition(steps >= 0 && timeStep > 0 && every > 0 && temperature >= 0)
            self.thermostat = thermostat; self.temperature = temperature; self.steps = steps
            self.timeStep = timeStep; self.seed = seed; self.every = every; self.keepGoing = keepGoing
        }
    }

    /// Why the observer is called for a step.
    public struct Event: Sendable {
        /// A recorded step (every `every`-th, the last, or the first unphysical one).
        public var isRecorded: Bool
        /// The instability found at this step, if this is the first unphysical step.
        public var instability: Instability?
    }

    /// What a finished run found.
    public struct Outcome: Sendable {
        /// Energies and temperature at every step from 0 (for drift and temperature statistics).
        public var samples: [MDSample]
        /// The first unphysical state and why, nil when the run stayed physical.
        public var instability: (sample: MDSample, reason: Instability)?
        /// Largest bond length over its reference length, over every step (≥ 1).
        public var maxBondStretch: Double
        /// Bond lengths per bond type over every step.
        public var bondStatistics: BondLengthStatistics
        /// Simulated time until the first unphysical step, or the whole run, fs.
        public var stableTime: Double { instability?.sample.time ?? (samples.last?.time ?? 0) }
        public var isStable: Bool { instability == nil }
    }

    public let structure: Conformation
    public let calculator: any ForceCalculator
    public let settings: Settings
    public let detector: StabilityDetector
    /// Atomic masses, amu (nil: standard atomic weights).
    public var masses: [Double]?

    /// - Throws: `DataError` when the structure's bonds cannot be found (e.g. no atoms).
    public init(_ structure: Conformation, calculator: any ForceCalculator, settings: Settings,
                masses: [Double]? = nil) throws {
        self.structure = structure
        self.calculator = calculator
        self.settings = settings
        self.masses = masses
        detector = try StabilityDetector(reference: structure)
    }

    /// Runs every step, checking stability and collecting bond statistics; `observer` sees each
    /// recorded or first-unphysical state.
    public func run(observer: ((MolecularDynamics, Event) throws -> Void)? = nil) throws -> Outcome {
        var md = try MolecularDynamics(structure, masses: masses, calculator: calculator, timeStep: settings.timeStep,
                                       thermostat: settings.thermostat, seed: settings.seed)
        md.setMaxwellBoltzmannVelocities(temperature: settings.temperature)
        var statistics = BondLengthStatistics(bonds: detector.bonds)
        var instability: (sample: MDSample, reason: Instability)?
        var maxStretch = 1.0
        let (every, steps, keepGoing) = (settings.every, settings.steps, settings.keepGoing)
        let samples = try md.run(steps: steps) { state in
            statistics.add(state.positions)
            for bond in detector.bonds.bonds {
                maxStretch = max(maxStretch, detector.bonds.length(of: bond, positions: state.positions) / bond.referenceLength)
            }
            var found: Instability?
            if instability == nil, let reason = try detector.check(state.positions) {
                instability = (state.sample, reason)
                found = reason
            }
            let recorded = state.step % every == 0 || state.step == steps || found != nil
            if recorded { try observer?(state, Event(isRecorded: true, instability: found)) }
            return instability == nil || keepGoing
        }
        return Outcome(samples: samples, instability: instability, maxBondStretch: maxStretch, bondStatistics: statistics)
    }
}
