// Ensemble (committee) uncertainty: spread of several networks, flags, calibration.

import Foundation
import Autodiff
import Chemistry
import Potentials

/// A committee of networks of one architecture (different parameters, e.g. different
/// initial seeds or data orders). Its spread estimates the error of its mean.
///
/// For conformation c with `N_c` atoms and members m = 1…M (M ≥ 2):
///
///     Ē_c     = (1/M) Σ_m E_m,c                                   (eV)
///     σ_E,c   = √( Σ_m (E_m,c − Ē_c)² / (M − 1) ) / N_c           (eV/atom, sample std per atom)
///     σ_F,c   = max over atoms i and components α of
///               √( Σ_m (F_m,iα − F̄_iα)² / (M − 1) )               (eV/Å)
///
/// Energies are residuals (network part); self-energies are the same for every member and
/// cancel in spreads and errors.
public struct Committee {
    public let potential: any AtomisticPotential
    /// One parameter set per member, all of `potential`'s shape.
    public let members: [ParameterSet<Float>]

    /// - Precondition: at least two members.
    public init(potential: any AtomisticPotential, members: [ParameterSet<Float>]) {
        precondition(members.count >= 2, "a committee needs at least two members")
        self.potential = potential
        self.members = members
    }

    /// Predictions, spreads and errors for every conformation of `set` (evaluated in Float,
    /// in batches of `batchSize`; forces when the set has them).
    public func predict(_ set: FittingSet, batchSize: Int = 32) -> [CommitteePrediction] {
        evaluate(set, batchSize: batchSize).predictions
    }

    /// ``predict(_:batchSize:)`` and, from the same forward passes, each member's own errors
    /// on `set` (as ``residualMetrics(potential:parameters:set:batchSize:)`` accumulates them;
    /// accumulators so several sets can be merged).
    public func evaluate(_ set: FittingSet, batchSize: Int = 32)
        -> (predictions: [CommitteePrediction], members: [MetricsAccumulator]) {
        var result: [CommitteePrediction] = []
        result.reserveCapacity(set.count)
        var accumulators = [MetricsAccumulator](repeating: MetricsAccumulator(), count: members.count)
        let m = Double(members.count)
        for start in stride(from: 0, to: set.count, by: batchSize) {
            let indices = Array(start..<min(set.count, start + batchSize))
            let batch: FittingBatch<Float> = set.batch(indices, forces: true)
            let withForces = batch.forces != nil
            let referenceEnergies = indices.map { set.residuals[$0] }
            let referenceForces = batch.forces?.scalars.map(Double.init)
            var energies: [[Double]] = [], forces: [[Double]] = []
            for (k, parameters) in members.enumerated() {
                let (e, f) = potential.networkEnergiesAndForces(positions: batch.positions, topology: batch.topology,
                                                                batch: batch.atoms, parameters: parameters,
                                                                withForces: withForces)
                energies.append(e.scalars.map(Double.init))
                if let f { forces.append(f.scalars.map(Double.init)) }
                accumulators[k].add(predictedEnergies: energies[k], referenceEnergies: referenceEnergies,
                                    atomCounts: batch.atoms.atomCounts,
                                    predictedForces: f == nil ? [] : batch.labelledComponents(forces[k]),
                                    referenceForces: f == nil ? [] : batch.labelledComponents(referenceForces ?? []))
            }
            for b in indices.indices {
                let n = batch.atoms.atomCounts[b]
                let values = energies.map { $0[b] }
                let mean = values.reduce(0, +) / m
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (m - 1)
                var prediction = CommitteePrediction(
                    atomCount: n, energy: mean, referenceEnergy: referenceEnergies[b],
                    energySpreadPerAtom: variance.squareRoot() / Double(n), maxForceSpread: nil, maxForceError: nil,
                    forceComponentErrors: [], forceComponentSpreads: [])
                if !forces.isEmpty, let referenceForces, batch.forceLabelled[b] {
                    let lo = 3 * batch.atoms.offsets[b], hi = 3 * batch.atoms.offsets[b + 1]
                    var maxSpread = 0.0, maxError = 0.0
                    var errors: [Double] = [], spreads: [Double] = []
                    for k in lo..<hi {
                        let fk = forces.map { $0[k] }
                        let fMean = fk.reduce(0, +) / m
                        let spread = (fk.reduce(0) { $0 + ($1 - fMean) * ($1 - fMean) } / (m - 1)).squareRoot()
                        let error = Swift.abs(fMean - referenceForces[k])
                        maxSpread = Swift.max(maxSpread, spread); maxError = Swift.max(maxError, error)
                        errors.append(error); spreads.append(spread)
                    }
                    prediction.maxForceSpread = maxSpread
                    prediction.maxForceError = maxError
                    prediction.forceComponentErrors = errors
                    prediction.forceComponentSpreads = spreads
                }
                result.append(prediction)
            }
        }
        return (result, accumulators)
    }

    /// Metrics of the committee mean on `set` (meV units, as ``EnergyForceMetrics``).
    public static func metrics(of predictions: [CommitteePrediction]) -> EnergyForceMetrics {
        var accumulator = MetricsAccumulator()
        for p in predictions {
            accumulator.add(predictedEnergies: [p.energy], referenceEnergies: [p.referenceEnergy ?? .nan],
                            atomCounts: [p.atomCount],
                            predictedForces: p.forceComponentErrors, referenceForces: Array(repeating: 0, count: p.forceComponentErrors.count))
        }
        return accumulator.metrics
    }
}

/// The committee's view of one conformation (eV, eV/atom, eV/Å).
public struct CommitteePrediction: Codable, Equatable, Sendable {
    public var atomCount: Int
    /// Mean residual (network) energy over members, eV.
    public var energy: Double
    /// Reference residual energy E − E_self, eV (nil when unknown).
    public var referenceEnergy: Double?
    /// σ_E: sample standard deviation of member energies divided by the atom count, eV/atom.
    public var energySpreadPerAtom: Double
    /// σ_F: largest per-component sample standard deviation of member forces, eV/Å (nil
    /// without forces).
    public var maxForceSpread: Double?
    /// Largest |F̄ − F_ref| over components, eV/Å (nil without reference forces).
    public var maxForceError: Double?
    /// |F̄ − F_ref| per Cartesian component, eV/Å (empty without forces).
    public var forceComponentErrors: [Double]
    /// Member spread per Cartesian component, eV/Å (empty without forces).
    public var forceComponentSpreads: [Double]

    public init(atomCount: Int, energy: Double, referenceEnergy: Double?, energySpreadPerAtom: Double,
                maxForceSpread: Double?, maxForceError: Double?, forceComponentErrors: [Double], forceComponentSpreads: [Double]) {
        self.atomCount = atomCount; self.energy = energy; self.referenceEnergy = referenceEnergy
        self.energySpreadPerAtom = energySpreadPerAtom; self.maxForceSpread = maxForceSpread
        self.maxForceError = maxForceError; self.forceComponentErrors = forceComponentErrors
        self.forceComponentSpreads = forceComponentSpreads
    }

    /// |Ē − E_ref| / N, eV/atom (NaN when the reference is unknown).
    public var energyErrorPerAtom: Double {
        guard let referenceEnergy else { return .nan }
        return Swift.abs(energy - referenceEnergy) / Double(atomCount)
    }
}

/// When a structure needs new reference data (Eckhoff & Reiher 2023): its energy spread per
/// atom exceeds `energyFactor` × the test energy RMSE per atom, or its largest force spread
/// exceeds `forceFactor` × the test force RMSE.
public struct UncertaintyThresholds: Codable, Equatable, Sendable {
    /// Multiple of the test energy RMSE per atom (default 3).
    public var energyFactor: Double
    /// Multiple of the test force RMSE (default 6).
    public var forceFactor: Double
    /// Test energy RMSE per atom, eV/atom.
    public var energyRMSEPerAtom: Double
    /// Test force RMSE, eV/Å.
    public var forceRMSE: Double

    public init(energyFactor: Double = 3, forceFactor: Double = 6, energyRMSEPerAtom: Double, forceRMSE: Double) {
        self.energyFactor = energyFactor; self.forceFactor = forceFactor
        self.energyRMSEPerAtom = energyRMSEPerAtom; self.forceRMSE = forceRMSE
    }

    /// Thresholds from test metrics (meV/atom and meV/Å, as ``EnergyForceMetrics`` reports them).
    public init(energyFactor: Double = 3, forceFactor: Double = 6, testMetrics: EnergyForceMetrics) {
        self.init(energyFactor: energyFactor, forceFactor: forceFactor,
                  energyRMSEPerAtom: testMetrics.energyPerAtomRMSE / 1000,
                  forceRMSE: testMetrics.forceComponentCount > 0 ? testMetrics.forceRMSE / 1000 : .infinity)
    }

    /// Whether the energy spread is above its threshold.
    public func energyFlag(_ p: CommitteePrediction) -> Bool { p.energySpreadPerAtom > energyFactor * energyRMSEPerAtom }
    /// Whether the force spread is above its threshold.
    public func forceFlag(_ p: CommitteePrediction) -> Bool { (p.maxForceSpread ?? 0) > forceFactor * forceRMSE }
    /// Whether the structure is flagged as needing new reference data.
    public func flags(_ p: CommitteePrediction) -> Bool { energyFlag(p) || forceFlag(p) }
    /// Whether the actual error is above the same thresholds (what a flag should catch).
    public func actuallyExceeds(_ p: CommitteePrediction) -> Bool {
        p.energyErrorPerAtom > energyFactor * energyRMSEPerAtom || (p.maxForceError ?? 0) > forceFactor * forceRMSE
    }
}

/// How well spreads σ predict errors ε, for one quantity (per-atom energies or force components).
///
/// - `spearman`: rank correlation of σ and |ε| (1: perfect ordering).
/// - `withinOne/Two/Three`: fractions with |ε| ≤ kσ (a calibrated Gaussian gives 0.683, 0.954, 0.997).
/// - `scale`: s with s² = mean(ε²/σ²), the factor that makes σ calibrated on average (1: calibrated;
///   > 1: the committee is over-confident).
/// - `bins`: quantile bins of σ with their RMS σ and RMS error (a calibrated committee has equal
///   columns).
public struct UncertaintyCalibration: Codable, Equatable, Sendable {
    public struct Bin: Codable, Equatable, Sendable {
        public var count: Int
        public var rmsSpread: Double
        public var rmsError: Double
    }
    public var count: Int
    public var spearman: Double
    public var withinOne: Double
    public var withinTwo: Double
    public var withinThree: Double
    public var scale: Double
    public var bins: [Bin]

    /// Calibration of `spreads` against `errors` (same length, same units), in `binCount`
    /// quantile bins of the spread. Pairs with a zero spread are skipped in `scale`.
    public init(spreads: [Double], errors: [Double], binCount: Int = 5) {
        precondition(spreads.count == errors.count, "spreads and errors differ in length")
        let pairs = zip(spreads, errors.map { Swift.abs($0) }).filter { $0.0.isFinite && $0.1.isFinite }
        count = pairs.count
        guard !pairs.isEmpty else {
            spearman = .nan; withinOne = .nan; withinTwo = .nan; withinThree = .nan; scale = .nan; bins = []
            return
        }
        let n = Double(pairs.count)
        spearman = Self.spearman(pairs.map(\.0), pairs.map(\.1))
        withinOne = Double(pairs.filter { $0.1 <= $0.0 }.count) / n
        withinTwo = Double(pairs.filter { $0.1 <= 2 * $0.0 }.count) / n
        withinThree = Double(pairs.filter { $0.1 <= 3 * $0.0 }.count) / n
        let ratios = pairs.filter { $0.0 > 0 }.map { ($0.1 / $0.0) * ($0.1 / $0.0) }
        scale = ratios.isEmpty ? .nan : (ratios.reduce(0, +) / Double(ratios.count)).squareRoot()
        let sorted = pairs.sorted { $0.0 < $1.0 }
        let k = Swift.max(1, Swift.min(binCount, sorted.count))
        bins = (0..<k).map { b in
            let slice = sorted[(b * sorted.count / k)..<((b + 1) * sorted.count / k)]
            let c = Double(slice.count)
            return Bin(count: slice.count,
                       rmsSpread: (slice.reduce(0) { $0 + $1.0 * $1.0 } / c).squareRoot(),
                       rmsError: (slice.reduce(0) { $0 + $1.1 * $1.1 } / c).squareRoot())
        }
    }

    /// Spearman rank correlation (average ranks for ties).
    static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        let rx = ranks(x), ry = ranks(y)
        let n = Double(x.count)
        let mx = rx.reduce(0, +) / n, my = ry.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in rx.indices {
            sxy += (rx[i] - mx) * (ry[i] - my); sxx += (rx[i] - mx) * (rx[i] - mx); syy += (ry[i] - my) * (ry[i] - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }

    static func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = rank }
            i = j + 1
        }
        return r
    }
}

extension Array where Element == CommitteePrediction {
    /// Calibration of per-atom energy spreads against per-atom energy errors (eV/atom).
    public func energyCalibration(binCount: Int = 5) -> UncertaintyCalibration {
        UncertaintyCalibration(spreads: map(\.energySpreadPerAtom), errors: map(\.energyErrorPerAtom), binCount: binCount)
    }

    /// Calibration of force-component spreads against force-component errors (eV/Å).
    public func forceCalibration(binCount: Int = 5) -> UncertaintyCalibration {
        UncertaintyCalibration(spreads: flatMap(\.forceComponentSpreads), errors: flatMap(\.forceComponentErrors),
                               binCount: binCount)
    }
}
