// Committee (ensemble) errors of a study's refitted models: the mean prediction of several
// refits, evaluated on the study's fixed test set.

import Foundation
import Autodiff
import Chemistry
import Potentials
import Training

/// The test errors of one committee: the mean energy and forces of `members` refitted models
/// of one N (each with its own fitted self-energies), against the study's test set.
public struct CommitteeResult: Codable, Equatable, Sendable {
    /// The variant whose seeds form the committee, or ``allVariants`` for every variant's
    /// refits of this N together.
    public var committee: String
    public var n: Int
    /// Refitted models averaged.
    public var members: Int
    /// Errors of the committee mean (meV, meV/atom, meV/Å).
    public var test: EnergyForceMetrics
    /// Mean over the members of their own energy RMSE (meV) and force RMSE (meV/Å), for
    /// comparison with the committee's.
    public var memberEnergyRMSE: Double, memberForceRMSE: Double

    /// The name of the committee of every variant's refits.
    public static let allVariants = "all-variants"
}

extension ExperimentRunner {
    /// Every committee of the study's saved refitted models: for each variant and N, its
    /// seeds' models (when there are at least two); and for each N, every variant's and
    /// seed's models together (when there are at least two variants).
    ///
    /// - Throws: `DataError` naming the model file that is missing or cannot be read.
    /// - Parameter skipping: failed refit units (``refitUnit(_:n:seed:)``), left out of every
    ///   committee; a committee left with fewer than two members is not formed.
    func committees(target: TargetData, skipping: Set<String> = []) throws -> [CommitteeResult] {
        let seeds = manifest.refit.seeds ?? [0]
        let variants = manifest.variants.map(\.name)
        var cache: [String: (predictions: Predictions, metrics: EnergyForceMetrics)] = [:]
        func member(_ variant: String, _ n: Int, _ seed: UInt64) throws -> (predictions: Predictions, metrics: EnergyForceMetrics) {
            let path = runDirectory.appendingPathComponent("refit/\(variant)/n\(n)-seed\(seed).model.json").path
            if let known = cache[path] { return known }
            guard FileManager.default.fileExists(atPath: path) else {
                throw DataError(file: path, item: "committee", "the refitted model is missing (refit.save_models must be on when the refit runs)")
            }
            let (potential, parameters) = try ModelFile.load(path: path)
            let p = try predictions(potential: potential, parameters: parameters, conformations: target.test, label: target.path)
            let result = (p, p.metrics(against: target.test))
            cache[path] = result
            return result
        }
        func committee(_ name: String, _ n: Int, _ keys: [(String, UInt64)]) throws -> CommitteeResult {
            let each = try keys.map { try member($0.0, n, $0.1) }
            let m = Double(each.count)
            return CommitteeResult(committee: name, n: n, members: each.count,
                                   test: Predictions.mean(each.map(\.predictions)).metrics(against: target.test),
                                   memberEnergyRMSE: each.reduce(0) { $0 + $1.metrics.energyRMSE } / m,
                                   memberForceRMSE: each.reduce(0) { $0 + $1.metrics.forceRMSE } / m)
        }
        var results: [CommitteeResult] = []
        for n in manifest.refit.n.sorted() {
            func members(_ keys: [(String, UInt64)]) -> [(String, UInt64)] {
                keys.filter { !skipping.contains(Self.refitUnit($0.0, n: n, seed: $0.1)) }
            }
            if seeds.count >= 2 {
                for v in variants {
                    let keys = members(seeds.map { (v, $0) })
                    if keys.count >= 2 { results.append(try committee(v, n, keys)) }
                }
            }
            if variants.count >= 2 {
                let keys = members(variants.flatMap { v in seeds.map { (v, $0) } })
                if keys.count >= 2 { results.append(try committee(CommitteeResult.allVariants, n, keys)) }
            }
        }
        return results
    }
}
