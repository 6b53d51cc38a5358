// Error metrics for energies and forces, accumulated over batches.

import Autodiff
import Chemistry
import Descriptors
import Potentials
import Foundation

/// Mean absolute and root-mean-square errors of energies and forces, in meV units.
///
/// From energies in eV and forces in eV/Å:
///
///     energy MAE          = (1/C) Σ_c |ΔE_c|              · 1000   (meV)
///     energy RMSE         = √((1/C) Σ_c ΔE_c²)            · 1000   (meV)
///     energy/atom MAE     = (1/C) Σ_c |ΔE_c / N_c|        · 1000   (meV/atom)
///     energy/atom RMSE    = √((1/C) Σ_c (ΔE_c / N_c)²)    · 1000   (meV/atom)
///     force MAE           = (1/K) Σ_k |ΔF_k|              · 1000   (meV/Å)
///     force RMSE          = √((1/K) Σ_k ΔF_k²)            · 1000   (meV/Å)
///
/// with `ΔE = E_pred − E_ref` over `C` conformations and `ΔF` over all `K = 3A` Cartesian force
/// components (component-wise, not per-atom vector norms). Metrics of an empty set are NaN.
public struct EnergyForceMetrics: Codable, Equatable, Sendable {
    /// Energy MAE (meV).
    public var energyMAE: Double
    /// Energy RMSE (meV).
    public var energyRMSE: Double
    /// Per-atom energy MAE (meV/atom).
    public var energyPerAtomMAE: Double
    /// Per-atom energy RMSE (meV/atom).
    public var energyPerAtomRMSE: Double
    /// Force-component MAE (meV/Å).
    public var forceMAE: Double
    /// Force-component RMSE (meV/Å).
    public var forceRMSE: Double
    /// Conformations `C` counted.
    public var conformationCount: Int
    /// Force components `K` counted.
    public var forceComponentCount: Int
}

extension EnergyForceMetrics {
    /// The eight fields as numbers in declaration order (the counts exactly, as whole
    /// `Double`s), so metrics can travel between ranks (``RankParallelism/mapArrays(_:_:)``).
    public var numbers: [Double] {
        [energyMAE, energyRMSE, energyPerAtomMAE, energyPerAtomRMSE, forceMAE, forceRMSE,
         Double(conformationCount), Double(forceComponentCount)]
    }

    /// Metrics from ``numbers``.
    public init(numbers n: [Double]) {
        precondition(n.count == 8, "metrics travel as 8 numbers, got \(n.count)")
        self.init(energyMAE: n[0], energyRMSE: n[1], energyPerAtomMAE: n[2], energyPerAtomRMSE: n[3],
                  forceMAE: n[4], forceRMSE: n[5], conformationCount: Int(n[6]), forceComponentCount: Int(n[7]))
    }
}

/// Sums of absolute and squared errors over batches; ``metrics`` turns them into
/// ``EnergyForceMetrics``. Sums are in eV (and eV/Å) in `Double`; order of batches does not
/// change the counts and changes sums only by rounding.
public struct MetricsAccumulator: Codable, Equatable, Sendable {
    private var conformations = 0
    private var sumAbsE = 0.0, sumSqE = 0.0
    private var sumAbsEPerAtom = 0.0, sumSqEPerAtom = 0.0
    private var components = 0
    private var sumAbsF = 0.0, sumSqF = 0.0

    /// An empty accumulator.
    public init() {}

    /// Adds a batch.
    ///
    /// - Parameters:
    ///   - predictedEnergies, referenceEnergies: `C` energies (eV).
    ///   - atomCounts: `N_c` per conformation (positive).
    ///   - predictedForces, referenceForces: flat `[A · 3]` force components (eV/Å), row-major
    ///     `[A, 3]`; empty arrays when the batch has no forces.
    public mutating func add(predictedEnergies: [Double], referenceEnergies: [Double], atomCounts: [Int],
                             predictedForces: [Double] = [], referenceForces: [Double] = []) {
        precondition(predictedEnergies.count == referenceEnergies.count && atomCounts.count == predictedEnergies.count,
                     "energies and atom counts differ in length")
        precondition(predictedForces.count == referenceForces.count, "force arrays differ in length")
        for c in predictedEnergies.indices {
            precondition(atomCounts[c] > 0, "atom counts must be positive")
            let d = predictedEnergies[c] - referenceEnergies[c]
            let dn = d / Double(atomCounts[c])
            sumAbsE += Swift.abs(d); sumSqE += d * d
            sumAbsEPerAtom += Swift.abs(dn); sumSqEPerAtom += dn * dn
        }
        conformations += predictedEnergies.count
        for k in predictedForces.indices {
            let d = predictedForces[k] - referenceForces[k]
            sumAbsF += Swift.abs(d); sumSqF += d * d
        }
        components += predictedForces.count
    }

    /// Merges another accumulator (e.g. from another worker) into this one.
    public mutating func merge(_ other: MetricsAccumulator) {
        conformations += other.conformations; components += other.components
        sumAbsE += other.sumAbsE; sumSqE += other.sumSqE
        sumAbsEPerAtom += other.sumAbsEPerAtom; sumSqEPerAtom += other.sumSqEPerAtom
        sumAbsF += other.sumAbsF; sumSqF += other.sumSqF
    }

    /// The metrics so far (meV, meV/atom, meV/Å).
    public var metrics: EnergyForceMetrics {
        let c = Double(conformations), k = Double(components)
        let nan = Double.nan
        return EnergyForceMetrics(
            energyMAE: conformations > 0 ? 1000 * sumAbsE / c : nan,
            energyRMSE: conformations > 0 ? 1000 * (sumSqE / c).squareRoot() : nan,
            energyPerAtomMAE: conformations > 0 ? 1000 * sumAbsEPerAtom / c : nan,
            energyPerAtomRMSE: conformations > 0 ? 1000 * (sumSqEPerAtom / c).squareRoot() : nan,
            forceMAE: components > 0 ? 1000 * sumAbsF / k : nan,
            forceRMSE: components > 0 ? 1000 * (sumSqF / k).squareRoot() : nan,
            conformationCount: conformations, forceComponentCount: components)
    }
}

extension EnergyForceMetrics {
    /// Metrics of one set of predictions (see ``MetricsAccumulator/add(predictedEnergies:referenceEnergies:atomCounts:predictedForces:referenceForces:)``).
    public init(predictedEnergies: [Double], referenceEnergies: [Double], atomCounts: [Int],
                predictedForces: [Double] = [], referenceForces: [Double] = []) {
        var acc = MetricsAccumulator()
        acc.add(predictedEnergies: predictedEnergies, referenceEnergies: referenceEnergies, atomCounts: atomCounts,
                predictedForces: predictedForces, referenceForces: referenceForces)
        self = acc.metrics
    }
}

/// Total energies and forces a model predicts for a list of conformations.
public struct Predictions: Equatable, Sendable {
    /// `[C]` total energies (eV), self-energies included.
    public var energies: [Double]
    /// Per conformation, its `[N_c · 3]` forces (eV/Å, row-major `[N_c, 3]`), or nil for a
    /// conformation without reference forces (so the value does not depend on batching).
    public var forces: [[Double]?]

    public init(energies: [Double], forces: [[Double]?]) {
        precondition(energies.count == forces.count, "energies and forces differ in count")
        self.energies = energies
        self.forces = forces
    }

    /// The committee mean of several models' predictions for the same conformations:
    /// energies averaged, forces averaged where every member has them.
    ///
    /// - Precondition: at least one member, all of the same conformations.
    public static func mean(_ members: [Predictions]) -> Predictions {
        precondition(!members.isEmpty, "a mean needs at least one member")
        let m = Double(members.count), count = members[0].energies.count
        precondition(members.allSatisfy { $0.energies.count == count }, "members predict different conformations")
        let energies = (0..<count).map { c in members.reduce(0) { $0 + $1.energies[c] } / m }
        let forces: [[Double]?] = (0..<count).map { c in
            let each = members.compactMap { $0.forces[c] }
            guard each.count == members.count else { return nil }
            var sum = [Double](repeating: 0, count: each[0].count)
            for f in each {
                precondition(f.count == sum.count, "members predict forces of different shapes")
                for k in f.indices { sum[k] += f[k] }
            }
            return sum.map { $0 / m }
        }
        return Predictions(energies: energies, forces: forces)
    }

    /// Errors against `conformations` (the ones predicted, in order); forces counted for every
    /// conformation with both predicted and reference forces.
    public func metrics(against conformations: [Conformation]) -> EnergyForceMetrics {
        precondition(conformations.count == energies.count, "predictions and conformations differ in count")
        var accumulator = MetricsAccumulator()
        for (c, conformation) in conformations.enumerated() {
            let reference = conformation.forces.map { $0.flatMap { [$0.x, $0.y, $0.z] } }
            let both = forces[c] != nil && reference != nil
            accumulator.add(predictedEnergies: [energies[c]], referenceEnergies: [conformation.energy],
                            atomCounts: [conformation.atomCount],
                            predictedForces: both ? forces[c]! : [], referenceForces: both ? reference! : [])
        }
        return accumulator.metrics
    }
}

/// What `potential` with `parameters` predicts for `conformations`, evaluated in Float64 in
/// batches of `batchSize`: forces for every conformation that has reference forces (a batch
/// is differentiated when any of its conformations has them), so neither the batch size nor
/// one conformation without forces changes which force errors are counted.
///
/// - Throws: `DataError` (labelled `label`) when a conformation cannot be evaluated, e.g.
///   an element the model does not know.
public func predictions(potential: any AtomisticPotential, parameters: ParameterSet<Float>, conformations: [Conformation],
                        label: String, batchSize: Int = 32) throws -> Predictions {
    let doubles = parameters.converted(to: Double.self)
    var energies: [Double] = [], forces: [[Double]?] = []
    energies.reserveCapacity(conformations.count)
    forces.reserveCapacity(conformations.count)
    for start in stride(from: 0, to: conformations.count, by: batchSize) {
        let confs = Array(conformations[start..<min(conformations.count, start + batchSize)])
        let withForces = confs.contains { $0.forces != nil }
        let out = potential(positions: Tensor<Double>(positions: confs.flatMap(\.positions)),
                            topology: try potential.topology(of: confs, label: label),
                            batch: AtomBatch(confs), parameters: doubles, withForces: withForces)
        energies += out.energies.scalars
        var offset = 0
        for conformation in confs {
            let k = 3 * conformation.atomCount
            forces.append(conformation.forces == nil ? nil : out.forces.map { Array($0.scalars[offset..<offset + k]) })
            offset += k
        }
    }
    return Predictions(energies: energies, forces: forces)
}

/// Errors of `potential` with `parameters` on `conformations`, evaluated in Float64 in
/// batches of `batchSize` (force errors over every conformation with reference forces).
///
/// - Throws: `DataError` (labelled `label`) when a conformation cannot be evaluated, e.g.
///   an element the model does not know.
public func errorMetrics(potential: any AtomisticPotential, parameters: ParameterSet<Float>, conformations: [Conformation],
                         label: String, batchSize: Int = 32) throws -> EnergyForceMetrics {
    try predictions(potential: potential, parameters: parameters, conformations: conformations, label: label,
                    batchSize: batchSize).metrics(against: conformations)
}

/// Errors of `potential` with `parameters` on a prepared set, against its residual targets
/// (the same differences as total energies, since each conformation's self-energy cancels),
/// evaluated in Float in batches of `batchSize`; force errors over the conformations that
/// have forces (energy-only ones count in the energy errors only).
///
/// - Parameter acrossRanks: compute the batches on the ranks of an MPI run and on
///   ``StepParallelism`` threads (``RankParallelism/mapArrays(_:_:)``), then accumulate them in
///   batch order as one thread would, so the metrics are bitwise the same. A collective: with
///   it, every rank must call this at the same point (the trainer's validation does).
public func residualMetrics(potential: any AtomisticPotential, parameters: ParameterSet<Float>, set: FittingSet,
                            batchSize: Int = 32, acrossRanks: Bool = false) -> EnergyForceMetrics {
    var unused = SeededGenerator(seed: 0)
    let batches = set.batches(of: Array(0..<set.count), size: batchSize, byTask: potential is TaskHeadPotential, using: &unused)
    /// One batch: predicted energies, atom counts, then predicted and reference labelled force components.
    func piece(_ k: Int) -> [Double] {
        let indices = batches[k]
        let batch: FittingBatch<Float> = set.batch(indices, forces: true)
        let (energies, forces) = potential.networkEnergiesAndForces(
            positions: batch.positions, topology: batch.topology, batch: batch.atoms, parameters: parameters,
            withForces: batch.forces != nil)
        return energies.scalars.map(Double.init) + batch.atoms.atomCounts.map(Double.init)
            + batch.labelledComponents(forces?.scalars.map(Double.init) ?? [])
            + batch.labelledComponents(batch.forces?.scalars.map(Double.init) ?? [])
    }
    let pieces = acrossRanks ? RankParallelism.mapArrays(batches.count, piece) : batches.indices.map(piece)
    var accumulator = MetricsAccumulator()
    for (indices, values) in zip(batches, pieces) {
        let n = indices.count, labelled = (values.count - 2 * n) / 2
        accumulator.add(predictedEnergies: Array(values[0..<n]), referenceEnergies: indices.map { set.residuals[$0] },
                        atomCounts: values[n..<(2 * n)].map { Int($0) },
                        predictedForces: Array(values[(2 * n)..<(2 * n + labelled)]),
                        referenceForces: Array(values[(2 * n + labelled)...]))
    }
    return accumulator.metrics
}

extension EnergyForceLoss {
    /// The loss these weights give from metrics: w_E · RMSE(E/N)² + w_F · RMSE(F)² (eV units;
    /// the force term only when forces were measured and w_F > 0).
    public func validationLoss(_ m: EnergyForceMetrics) -> Double {
        var loss = energyWeight * pow(m.energyPerAtomRMSE / 1000, 2)
        if forceWeight > 0 && m.forceComponentCount > 0 { loss += forceWeight * pow(m.forceRMSE / 1000, 2) }
        return loss
    }
}
