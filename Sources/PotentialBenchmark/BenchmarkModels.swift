import Chemistry
import Potentials

/// The potential `PotentialBenchmark` times, chosen by `--model` (and `--preset`, `--width`),
/// with a one-line description for the output header.
///
/// - `ani` (default): the ANI-1x networks (TorchANI's `like_1x`).
/// - `hipnn`: hippynn's ANI-1x sizes, 2 interactions × 3 atom layers, `--width` features;
///   `--preset resnet` (default) is hippynn's default residual form (`Hipnn(resnet=True)`, what
///   `../shared/peers/bench_hippynn.py` builds), `plain` the paper's form (fewer weights).
/// - `mace`, `--preset small` (default) or `medium`: mace-torch's default model
///   (`scripts/mace_torch_timing.py` builds the same): hidden irreps 64x0e (small) or
///   64x0e + 64x1o (medium), edge harmonics l ≤ 3, correlation 3, 2 interactions, 8 Bessel
///   functions, radial MLP [64, 64, 64], cutoff 5 Å, readout MLP 16x0e; average neighbour
///   count and scale fitted to `conformations` (they do not change the cost).
/// - `deeppot`, `--preset typical` (default) or `experiment`: deepmd-kit's `se_e2_a` + `ener`
///   (`scripts/deepmd_timing.py` builds the same), rcut 6 Å, rcut_smth 0.5 Å, `sel: auto`
///   (1.1 × the largest neighbour counts of `conformations`, rounded up to a multiple of 4),
///   one embedding network per (centre, neighbour) pair (`type_one_side: false`), embedding
///   `resnet_dt` false, fitting `resnet_dt` true (deepmd-kit's input-file defaults).
///   `typical` is deepmd-kit's `se_e2_a` example size (embedding [25, 50, 100], axis_neuron 16,
///   fitting [240, 240, 240]: a 1600-long descriptor); `experiment` is the size of
///   `experiments/model-kinds/3bpa-deeppot.yaml` ([16, 32, 64], 8, [120, 120, 120]).
///   davg/dstd are deepmd-kit's environment statistics of `conformations`.
func benchmarkPotential(model: String, preset: String?, width: Int, conformations: [Conformation],
                        selfEnergies: SelfEnergies) throws -> (potential: any AtomisticPotential, description: String) {
    let species = Array(Set(conformations.flatMap(\.atomicNumbers))).sorted()
    switch model {
    case "ani":
        return (ANIPotential.ani1x(selfEnergies: selfEnergies), "ANI-1x")
    case "hipnn":
        let resnet: Bool
        switch preset ?? "resnet" {
        case "resnet": resnet = true
        case "plain": resnet = false
        case let other: throw BenchmarkError("unknown HIP-NN preset '\(other)' (resnet or plain)")
        }
        return (HIPNNPotential(HIPNNArchitecture(species: species, width: width, resnet: resnet), selfEnergies: selfEnergies),
                "HIP-NN \(resnet ? "resnet" : "plain") (width \(width))")
    case "mace":
        let hiddenDegree: Int
        switch preset ?? "small" {
        case "small": hiddenDegree = 0
        case "medium": hiddenDegree = 1
        case let other: throw BenchmarkError("unknown MACE preset '\(other)' (small or medium)")
        }
        let mace = try MACEPotential(MACEArchitecture(species: species, hiddenDegree: hiddenDegree), selfEnergies: selfEnergies)
            .fitted(to: conformations)
        let h = mace.hyperparameters
        return (mace, "MACE \(preset ?? "small") (\(h.hiddenIrreps.map { "\(h.channels)x\($0)" }.joined(separator: "+")), l ≤ \(h.shDegree), "
                + "correlation \(h.correlation), \(h.interactions) interactions, radial MLP \(h.radialMLP), cutoff \(h.cutoff) Å)")
    case "deeppot":
        let sizes: (neuron: [Int], axis: Int, fitting: [Int])
        switch preset ?? "typical" {
        case "typical": sizes = ([25, 50, 100], 16, [240, 240, 240])
        case "experiment": sizes = ([16, 32, 64], 8, [120, 120, 120])
        case let other: throw BenchmarkError("unknown DeepPot preset '\(other)' (typical or experiment)")
        }
        let architecture = DeepPotArchitecture(species: species, rcut: 6, rcutSmooth: 0.5, sel: species.map { _ in 1 },
                                               neuron: sizes.neuron, axisNeuron: sizes.axis, fittingNeuron: sizes.fitting)
        let deeppot = try DeepPotPotential(automaticSel: 1.1, architecture, selfEnergies: selfEnergies)
            .fittingStatistics(to: conformations, file: "benchmark data")
        let h = deeppot.hyperparameters
        return (deeppot, "DeepPot-SE \(preset ?? "typical") (se_e2_a rcut \(h.rcut) Å, rcut_smth \(h.rcutSmooth) Å, sel \(h.sel), "
                + "neuron \(h.neuron), axis_neuron \(h.axisNeuron), fitting \(h.fittingNeuron))")
    default:
        throw BenchmarkError("unknown --model '\(model)' (ani, hipnn, mace or deeppot)")
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
