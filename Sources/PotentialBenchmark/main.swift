// Times the ANI-1x-size potential on 3BPA: energy inference, energy+force inference, and a
// training step on an energy + force loss (double backward + Adam), the three measurements
// of ../shared/peers/bench_torchani.py, so the two can be compared side by side.
//
//     swift run -c release PotentialBenchmark [--data FILE] [--batch 32] [--threads 1] [--reps 15]
//                                             [--model ani|hipnn|mace|deeppot] [--preset NAME]
//                                             [--width 128] [--tile K]
//                                             [--step-threads N] [--alternate-threads] [--parts] [--only NAME]
//
// `--model hipnn` times HIP-NN with hippynn's ANI-1x sizes (2 interactions, 3 atom layers,
// 20 sensitivities, cutoff 6.5 Å) at feature width `--width` instead, in hippynn's residual
// form (`--preset resnet`, the default, as the peer script) or the paper's (`plain`); `--model mace`
// (`--preset small|medium`) and `--model deeppot` (`--preset typical|experiment`) the sizes
// of scripts/mace_torch_timing.py and scripts/deepmd_timing.py (see BenchmarkModels.swift).
import Autodiff
import Chemistry
import Descriptors
import Dispatch
import Foundation
import Potentials
import Training

func argument(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return fallback
}

/// Stops with a message on stderr and exit status 2 (a bad argument or a missing file).
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("PotentialBenchmark: \(message)\n".utf8))
    exit(2)
}

/// A positive whole-number option, or a clear stop.
func count(_ name: String, _ fallback: String) -> Int {
    let text = argument(name, fallback)
    guard let value = Int(text), value > 0 else { fail("\(name) needs a positive whole number, not '\(text)'") }
    return value
}

/// The 3BPA file under the data root (`METAMLIP_DATA`, default ../shared/datasets), or `--data`.
let dataPath = argument("--data", (ProcessInfo.processInfo.environment["METAMLIP_DATA"] ?? "../shared/datasets")
                                   + "/3bpa/train_300K.xyz")
guard FileManager.default.fileExists(atPath: dataPath) else {
    fail("\(dataPath): file does not exist (run from the repository, set METAMLIP_DATA, or pass --data)")
}
let batchSize = count("--batch", "32")
let threads = count("--threads", "1")
let reps = count("--reps", "15")
let batchCount = count("--batches", "4")
setBLASThreads(threads)

/// `--tile K`: each conformation becomes K copies 100 Å apart in one structure (no copy sees
/// another), so cost per atom at K× the atoms shows whether the step is linear in atoms.
let tile = count("--tile", "1")
let all = try ExtendedXYZReader().read(path: dataPath).conformations.map { c -> Conformation in
    guard tile > 1 else { return c }
    var t = c
    t.atomicNumbers = Array((0..<tile).map { _ in c.atomicNumbers }.joined())
    t.positions = (0..<tile).flatMap { k in c.positions.map { $0 + SIMD3(100 * Double(k), 0, 0) } }
    t.forces = c.forces.map { f in Array((0..<tile).map { _ in f }.joined()) }
    t.energy = c.energy * Double(tile)
    return t
}
let selfEnergies = try SelfEnergies.fit(all)
let modelKind = argument("--model", "ani")
let (potential, modelDescription) = try benchmarkPotential(
    model: modelKind, preset: CommandLine.arguments.contains("--preset") ? argument("--preset", "") : nil,
    width: count("--width", "128"), conformations: all, selfEnergies: selfEnergies)
var rng = SeededGenerator(seed: 0)
var parameters: ParameterSet<Float> = potential.initialParameters(using: &rng)
let loss = EnergyForceLoss(energyWeight: 1, forceWeight: 0.1)

struct Batch {
    var conformations: [Conformation]
    var topology: NeighbourTopology
    var atoms: AtomBatch
    var positions: Tensor<Float>
    var referenceEnergies: Tensor<Float>
    var referenceForces: Tensor<Float>
}
let batches: [Batch] = try (0..<batchCount).map { b in
    let confs = Array(all[(b * batchSize)..<((b + 1) * batchSize)])
    let forces = confs.flatMap { $0.forces! }.flatMap { [Float($0.x), Float($0.y), Float($0.z)] }
    return Batch(conformations: confs, topology: try potential.topology(of: confs),
                 atoms: AtomBatch(confs), positions: Tensor(positions: confs.flatMap(\.positions)),
                 referenceEnergies: Tensor(confs.map { Float($0.energy) }),
                 referenceForces: Tensor(shape: [forces.count / 3, 3], scalars: forces))
}
let atomsPerBatch = Double(batches[0].atoms.atomCount)

func seconds(_ body: () -> Void) -> Double {
    let t0 = DispatchTime.now()
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

/// Seconds of CPU time used by the process (all threads): on a loaded machine, steadier than wall time.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// `--only NAME` runs just that measurement (for profiling one phase).
let only = argument("--only", "")

func measure(_ name: String, _ step: (Batch) -> Void) {
    guard only.isEmpty || only == name else { return }
    for b in batches { step(b) }  // warm-up
    var times: [Double] = [], cpu: [Double] = []
    for r in 0..<reps {
        let c0 = processCPUSeconds()
        times.append(seconds { step(batches[r % batches.count]) })
        cpu.append(processCPUSeconds() - c0)
    }
    let t = median(times)
    print(name.padding(toLength: 28, withPad: " ", startingAt: 0)
        + String(format: "%10.1f conf/s %11.1f atoms/s %8.2f ms/iter %8.2f cpu-ms/iter", Double(batchSize) / t, atomsPerBatch / t,
                 t * 1000, median(cpu) * 1000))
}

var adam = Adam<Float>(learningRate: 1e-3)
print("MetaMLIP \(modelDescription) potential, \(parameters.scalarCount) parameters, \((dataPath as NSString).lastPathComponent) (\(batches[0].atoms.atomCount / batchSize) atoms), batch \(batchSize), \(threads) BLAS thread(s), Float32, median of \(reps)")
measure("energy_inference") { b in
    _ = potential(positions: b.positions, topology: b.topology, batch: b.atoms, parameters: parameters, withForces: false).energies.scalars
}
measure("energy_force_inference") { b in
    _ = potential(positions: b.positions, topology: b.topology, batch: b.atoms, parameters: parameters).forces!.scalars
}
measure("train_step_energy_force") { b in
    let leaves = parameters.requiringGrad()
    let out = potential(positions: b.positions, topology: b.topology, batch: b.atoms, parameters: leaves, createGraph: true)
    let terms = loss(predictedEnergies: out.energies, referenceEnergies: b.referenceEnergies,
                     atomCounts: b.atoms.atomCounts, predictedForces: out.forces, referenceForces: b.referenceForces)
    let g = gradient(of: terms.total, withRespectTo: leaves)
    adam.update(&parameters, along: g)
}

// The Trainer's step (FittingSet batches, chunks of ≤ 16 conformations, Adam) on
// `--step-threads` threads (default 1): compare with train_step_energy_force for the cost of
// chunking, and across thread counts for the parallel speed-up.
let stepThreads = count("--step-threads", "1")
let fittingSet = try FittingSet(Array(all[0..<(batchCount * batchSize)]), selfEnergies: selfEnergies, potential: potential,
                                requireForces: true, label: "benchmark")
var trainerAdam = Adam<Float>(learningRate: 1e-3)
var trainerParameters = parameters
var batchIndex = 0
/// The Trainer's step on batch `b` of `fittingSet`: the data-parallel gradient, then Adam.
func trainerStep(batch b: Int, _ p: inout ParameterSet<Float>, _ optimizer: inout Adam<Float>) {
    let indices = Array((b * batchSize)..<((b + 1) * batchSize))
    let (_, g) = loss.dataParallelGradient(potential: potential, parameters: p, set: fittingSet, indices: indices, forces: true)
    optimizer.update(&p, along: g)
}
StepParallelism.threads = stepThreads
measure("trainer_step_\(stepThreads)_thread\(stepThreads == 1 ? "" : "s")") { _ in
    trainerStep(batch: batchIndex, &trainerParameters, &trainerAdam)
    batchIndex = (batchIndex + 1) % batchCount
}
StepParallelism.threads = 1

// With --alternate-threads: the Trainer's step on 1 and on 2 threads in alternating blocks of
// five steps on the same batches (the first step of a block, whose caches the other setting
// left behind, is not counted), so the VM's slow and fast spells fall on both alike; prints
// each median and the median of the per-block ratios (1 thread ÷ 2 threads).
if CommandLine.arguments.contains("--alternate-threads") {
    var blocks: [(one: Double, two: Double)] = []
    var p1 = parameters, p2 = parameters, adam1 = Adam<Float>(learningRate: 1e-3), adam2 = adam1
    func block(_ threads: Int, _ p: inout ParameterSet<Float>, _ optimizer: inout Adam<Float>) -> Double {
        StepParallelism.threads = threads
        defer { StepParallelism.threads = 1 }
        var times: [Double] = []
        for b in 0..<5 {
            let t = seconds { trainerStep(batch: b % batchCount, &p, &optimizer) }
            if b > 0 { times.append(t) }
        }
        return median(times)
    }
    _ = block(1, &p1, &adam1); _ = block(2, &p2, &adam2)  // warm-up
    for _ in 0..<reps { blocks.append((block(1, &p1, &adam1), block(2, &p2, &adam2))) }
    print(String(format: "trainer_step alternating blocks: 1 thread %.2f ms, 2 threads %.2f ms (medians of %d blocks), median ratio %.2f",
                 median(blocks.map(\.one)) * 1000, median(blocks.map(\.two)) * 1000, reps, median(blocks.map { $0.one / $0.two })))
}

// With --parts: where a training step's time goes (descriptor vs. networks for ANI; the
// optimizer's share for every model).
if CommandLine.arguments.contains("--parts") {
    print("parts of a step (same batches):")
    measure("adam_update") { _ in
        var p = parameters
        adam.update(&p, along: parameters)
    }
}
if CommandLine.arguments.contains("--parts"), let ani = potential as? ANIPotential {
    measure("energy_inference_again") { b in
        _ = potential(positions: b.positions, topology: b.topology, batch: b.atoms, parameters: parameters, withForces: false).energies.scalars
    }
    measure("aev_forward") { b in _ = ani.aev(b.positions, topology: b.topology).scalars }
    measure("aev_forward_transpose") { b in
        let r = b.positions.requiringGrad()
        let g = ani.aev(r, topology: b.topology)
        _ = gradient(of: g, withRespectTo: [r], seed: Tensor(shape: g.shape, scalars: [Float](repeating: 0.01, count: g.count)))[0].scalars
    }
    measure("networks_energy") { b in
        let g = ani.aev(b.positions, topology: b.topology)
        _ = ani.networks.energies(features: g, batch: b.atoms, parameters: parameters).scalars
    }
}
