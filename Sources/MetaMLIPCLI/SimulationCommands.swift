import ArgumentParser
import Chemistry
import Foundation
import Potentials
import Simulation
import Training

/// The model and the starting structure of `md` and `optimize`.
struct SimulationInput: ParsableArguments {
    @Argument(help: "The model file (JSON, as `metamlip train` writes it).")
    var model: String
    @Argument(help: "The starting structure: extended XYZ (or plain XYZ; an energy is not needed).")
    var structure: String
    @Option(help: "Which structure of the file, 0-based (isolated-atom frames are not counted).")
    var frame = 0

    /// The model as a Float64 calculator and the chosen structure, with its elements checked.
    func load() throws -> (PotentialCalculator, Conformation) {
        let (potential, parameters) = try ModelFile.load(path: model)
        Console.shared.debug(modelSummary(model, potential, parameters))
        let calculator = PotentialCalculator(potential: potential, parameters: parameters)
        let conformation = try readStructure(path: structure, frame: frame)
        try calculator.checkElements(conformation.atomicNumbers, file: structure, item: "frame \(frame)")
        return (calculator, conformation)
    }
}

/// Structure `frame` (0-based) of an extended- or plain-XYZ file (see ``readStructures(path:)``).
///
/// - Throws: `DataError` for an unreadable or malformed file, or a frame out of range.
func readStructure(path: String, frame: Int) throws -> Conformation {
    let structures = try readStructures(path: path)
    guard structures.indices.contains(frame) else {
        throw DataError(file: path, item: "frame \(frame)",
                        "out of range: the file has \(structures.count) structure(s)" + (structures.isEmpty ? "" : ", 0...\(structures.count - 1)"))
    }
    return structures[frame]
}

/// Every structure of an extended- or plain-XYZ file, isolated atoms excepted. Frames without
/// an `energy` on their comment line read as energy 0 (a free-text comment line is replaced).
///
/// - Throws: `DataError` for an unreadable or malformed file.
func readStructures(path: String) throws -> [Conformation] {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
        throw DataError(file: path, "cannot read structure file (\(error.localizedDescription))")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var k = 0
    while k + 1 < lines.count {
        guard let n = Int(lines[k].trimmingCharacters(in: .whitespaces)), n > 0 else { k += 1; continue }
        if let keys = try? ExtXYZCommentKeys.keys(of: lines[k + 1]) {
            if !keys.contains("energy") { lines[k + 1] += " energy=0" }
        } else {
            lines[k + 1] = "energy=0"
        }
        k += n + 2
    }
    return try ExtendedXYZReader().parse(lines.joined(separator: "\n"), file: path).conformations
}

struct MDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "md",
        abstract: "Molecular dynamics with a model: NVE (velocity Verlet) or Langevin NVT; prints energy drift and stability.",
        discussion: """
            Units: Å, fs, eV, amu, K. Velocities start from a Maxwell–Boltzmann draw at --temperature with \
            zero total momentum. The run stops at the first unphysical structure (a starting bond longer \
            than 1.5 × the sum of covalent radii, two atoms closer than 0.6 Å) unless --keep-going; that \
            frame is printed and written too. Energy drift: slope of a least-squares line through the \
            total energy per atom against time (meV/atom/ps).
            """)

    enum ThermostatChoice: String, ExpressibleByArgument, CaseIterable { case nve, langevin }

    @OptionGroup var input: SimulationInput
    @Option(help: "Number of time steps.")
    var steps = 1000
    @Option(help: "Time step, fs.")
    var dt = 0.5
    @Option(help: "Initial (and, with Langevin, bath) temperature, K.")
    var temperature = 300.0
    @Option(help: "nve or langevin.")
    var thermostat = ThermostatChoice.nve
    @Option(help: "Langevin friction γ, 1/fs.")
    var friction = 0.01
    @Option(help: "Seed of the initial velocities and the Langevin noise.")
    var seed: UInt64 = 0
    @Option(help: "Extended XYZ file to write frames to.")
    var trajectory: String?
    @Option(help: "Write a frame and print a line every this many steps.")
    var every = 10
    @Flag(help: "Keep integrating after the structure became unphysical.")
    var keepGoing = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard steps >= 0 else { throw ValidationError("--steps must be ≥ 0") }
        guard dt > 0 else { throw ValidationError("--dt must be positive (fs)") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0 K") }
        guard friction > 0 else { throw ValidationError("--friction must be positive (1/fs)") }
        guard every > 0 else { throw ValidationError("--every must be positive") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        logging.configure()
        let console = Console.shared
        try MetaMLIP.reportingErrors {
            let (calculator, start) = try input.load()
            let masses = try ElementData.masses(of: start.atomicNumbers, file: input.structure, item: "frame \(input.frame)")
            let bath: Thermostat = thermostat == .nve ? .none : .langevin(temperature: temperature, friction: friction)
            let watched = try WatchedRun(start, calculator: calculator,
                                         settings: .init(thermostat: bath, temperature: temperature, steps: steps, timeStep: dt,
                                                         seed: seed, every: every, keepGoing: keepGoing),
                                         masses: masses)
            let writer = try trajectory.map { try TrajectoryWriter(path: $0) }
            console.info("\(start.formula) (\(start.atomCount) atoms) from \(input.structure) frame \(input.frame), model \(input.model)")
            console.info(String(format: "%@, Δt %.3g fs, %d steps, T0 %.1f K%@, seed %llu", thermostat == .nve ? "NVE" : "Langevin NVT",
                         dt, steps, temperature, thermostat == .nve ? "" : String(format: ", γ %.3g /fs", friction), seed))
            console.info("    step    time/fs        E_pot/eV    E_kin/eV        E_tot/eV      T/K")
            let t0 = Date()
            // Every k-th step, the last one, and the first unphysical one are printed and written.
            let outcome = try watched.run { state, event in
                if let reason = event.instability { console.info("unphysical at step \(state.step) (\(state.time) fs): \(reason)") }
                let s = state.sample
                console.info(String(format: "%8d %10.2f %15.6f %11.6f %15.6f %8.1f", s.step, s.time, s.potentialEnergy,
                             s.kineticEnergy, s.totalEnergy, s.temperature))
                try writer?.write(state, info: ["time_fs": String(state.time), "step": String(state.step)])
            }
            let samples = outcome.samples, instability = outcome.instability, statistics = outcome.bondStatistics
            let seconds = Date().timeIntervalSince(t0)
            let last = samples.last!
            console.result("summary")
            console.result(String(format: "  simulated %.2f fs in %d steps (%d force evaluations, %.1f s, %.1f ms/step)",
                         last.time, last.step, calculator.calls, seconds, 1000 * seconds / Double(max(last.step, 1))))
            let temperatures = samples.dropFirst().map(\.temperature)
            if !temperatures.isEmpty {
                let mean = temperatures.reduce(0, +) / Double(temperatures.count)
                let std = (temperatures.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(temperatures.count)).squareRoot()
                console.result(String(format: "  temperature mean %.1f K, std %.1f K", mean, std))
            }
            let drift = EnergyDrift(samples: samples, atomCount: start.atomCount)
            if thermostat == .nve {
                console.result(String(format: "  energy drift %+.4f meV/atom/ps; E_tot/atom std %.4f meV, max |ΔE| %.4f meV",
                             drift.slope, drift.standardDeviation, drift.maximumDeviation))
            } else {
                console.result("  total energy is not conserved under a thermostat (no drift reported)")
            }
            if let (sample, reason) = instability {
                console.result(String(format: "  stability: unphysical after %.2f fs (step %d): ", sample.time, sample.step) + "\(reason)")
            } else {
                console.result(String(format: "  stability: stable for %.2f fs (no bond beyond 1.5 × covalent radii, no contact < 0.6 Å)", last.time))
            }
            for type in statistics.types {
                let h = statistics.histograms[type]!
                console.result(String(format: "  bond %-6@ mean %.4f Å, std %.4f Å (%d lengths)", type as NSString, h.mean, h.standardDeviation, h.count))
            }
            if let writer { console.info("wrote \(writer.frameCount) frames to \(writer.path)") }
        }
    }
}

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Relax a structure with a model (FIRE or BFGS) and write it as extended XYZ.",
        discussion: """
            Units: Å, eV, eV/Å. Fixed atoms (--fix) never move; fix the four atoms of a dihedral to hold \
            it during a constrained relaxation.
            """)

    enum OptimizerChoice: String, ExpressibleByArgument, CaseIterable { case fire, bfgs }

    @OptionGroup var input: SimulationInput
    @Option(help: "fire or bfgs.")
    var optimizer = OptimizerChoice.bfgs
    @Option(help: "Convergence threshold on the largest force, eV/Å.")
    var fmax = 0.05
    @Option(help: "Most optimiser steps.")
    var steps = 1000
    @Option(help: "Atoms to hold fixed, 0-based, comma-separated (e.g. 0,1,2,3).")
    var fix: String?
    @Option(name: .shortAndLong, help: "Extended XYZ file for the relaxed structure.")
    var output: String
    @Option(help: "Extended XYZ file for every step.")
    var trajectory: String?
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard fmax > 0 else { throw ValidationError("--fmax must be positive (eV/Å)") }
        guard steps >= 0 else { throw ValidationError("--steps must be ≥ 0") }
    }

    func run() throws {
        logging.configure()
        let console = Console.shared
        try MetaMLIP.reportingErrors {
            let (calculator, start) = try input.load()
            var fixed = Set<Int>()
            for part in (fix ?? "").split(separator: ",") {
                guard let i = Int(part.trimmingCharacters(in: .whitespaces)), (0..<start.atomCount).contains(i) else {
                    throw DataError(file: input.structure, item: "--fix",
                                    "'\(part)' is not an atom index in 0..<\(start.atomCount) of frame \(input.frame)")
                }
                fixed.insert(i)
            }
            let writer = try trajectory.map { try TrajectoryWriter(path: $0) }
            let observer: (OptimizationStep) throws -> Void = { step in
                guard let writer else { return }
                var frame = start
                frame.positions = step.positions
                frame.energy = step.energy
                frame.forces = step.forces
                try writer.write(frame, info: ["step": String(step.step), "fmax": String(step.fmax)])
            }
            console.debug("\(optimizer.rawValue), fmax \(fmax) eV/Å, at most \(steps) steps, \(fixed.count) fixed atom(s)")
            let result = optimizer == .fire
                ? try FIRE().minimize(start, calculator: calculator, fmax: fmax, maxSteps: steps, fixed: fixed, observer: observer)
                : try BFGS().minimize(start, calculator: calculator, fmax: fmax, maxSteps: steps, fixed: fixed, observer: observer)
            var final = result.structure
            final.properties = [:]
            try TrajectoryWriter(path: output).write(final, info: [
                "converged": result.converged ? "T" : "F", "steps": String(result.steps), "fmax": String(result.fmax)])
            console.result(String(format: "%@ %@ in %d steps: E %.6f eV (ΔE %+.6f eV), fmax %.4f eV/Å%@",
                         optimizer.rawValue, result.converged ? "converged" : "did NOT converge", result.steps,
                         result.energy, result.energy - result.energies[0], result.fmax,
                         fixed.isEmpty ? "" : ", \(fixed.count) atoms fixed"))
            console.info("wrote \(output)" + (writer.map { ", \($0.frameCount) steps to \($0.path)" } ?? ""))
        }
    }
}
