// Uncertainty-driven growth of a training set from a labelled pool (query by committee).

import Chemistry
import Training

/// Pool-based active learning by committee spread: the rule, kept apart from training so it
/// can be tested on its own.
///
/// Every round a committee of the selecting architecture is trained on the current set, and
/// each pool conformation c not yet in the set gets the score
///
///     s_c = max( σ_E,c / (f_E · RMSE_E),  σ_F,c / (f_F · RMSE_F) )
///
/// with σ_E,c the committee's energy spread per atom (eV/atom), σ_F,c its largest force-
/// component spread (eV/Å), RMSE_E and RMSE_F the committee mean's errors on the fixed
/// validation split (eV/atom, eV/Å), and f_E = 3, f_F = 6 (Eckhoff & Reiher 2023, as
/// ``UncertaintyThresholds``). So s_c > 1 exactly when the structure is flagged, and
/// flagged structures rank before unflagged ones; within each group the larger relative
/// spread ranks first. The `count` highest-scoring candidates are added; ties go to the
/// lower pool index, so the rule is deterministic. Test and validation conformations are
/// never candidates, and a conformation already in the set is never picked again.
public enum PoolSelection {
    /// The score of one prediction under `thresholds` (dimensionless; > 1 means flagged).
    /// A threshold of zero (a perfect committee on validation) counts a non-zero spread as
    /// infinitely uncertain.
    public static func score(_ p: CommitteePrediction, thresholds t: UncertaintyThresholds) -> Double {
        func ratio(_ spread: Double, _ limit: Double) -> Double {
            guard spread.isFinite else { return .infinity }
            if limit > 0 && limit.isFinite { return spread / limit }
            return spread > 0 ? .infinity : 0
        }
        let e = ratio(p.energySpreadPerAtom, t.energyFactor * t.energyRMSEPerAtom)
        let f = p.maxForceSpread.map { ratio($0, t.forceFactor * t.forceRMSE) } ?? 0
        return Swift.max(e, f)
    }

    /// The `count` best candidates: `candidates[k]` has score `scores[k]`; members of
    /// `excluding` are skipped; highest score first, ties to the lower index; NaN scores
    /// rank last. Returns fewer when too few candidates remain.
    ///
    /// - Precondition: `candidates` and `scores` have the same length, `count ≥ 0`.
    public static func pick(count: Int, candidates: [Int], scores: [Double], excluding: Set<Int>) -> [Int] {
        precondition(candidates.count == scores.count && count >= 0, "one score per candidate, count ≥ 0")
        var seen = Set<Int>()
        let ranked = zip(candidates, scores)
            .filter { !excluding.contains($0.0) && seen.insert($0.0).inserted }
            .map { ($0.0, $0.1.isNaN ? -Double.infinity : $0.1) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return ranked.prefix(count).map(\.0)
    }

    /// How many conformations each round adds to grow `initial` to `finalSize` by
    /// `perRound` (the last round may add fewer).
    public static func roundSizes(initial: Int, perRound: Int, finalSize: Int) -> [Int] {
        precondition(perRound >= 1)
        var sizes: [Int] = []
        var n = initial
        while n < finalSize {
            let k = Swift.min(perRound, finalSize - n)
            sizes.append(k)
            n += k
        }
        return sizes
    }

    /// One finished round, as stored in the run directory.
    public struct Round: Codable, Equatable, Sendable {
        /// Set size the committee was trained on.
        public var size: Int
        /// Pool indices added this round, in rank order.
        public var picked: [Int]
        /// Their scores s_c.
        public var scores: [Double]
        /// Pool conformations flagged (s_c > 1) this round.
        public var flagged: Int
        /// The committee mean on the validation split, meV/atom and meV/Å.
        public var validationEnergyRMSE: Double
        public var validationForceRMSE: Double
        public var seconds: Double
        public init(size: Int, picked: [Int], scores: [Double], flagged: Int, validationEnergyRMSE: Double,
                    validationForceRMSE: Double, seconds: Double) {
            self.size = size; self.picked = picked; self.scores = scores; self.flagged = flagged
            self.validationEnergyRMSE = validationEnergyRMSE; self.validationForceRMSE = validationForceRMSE
            self.seconds = seconds
        }
    }

    /// Grows `initial` round by round: `rounds` already finished (resumed) are replayed,
    /// then `round(current set, how many to add)` is called for each remaining round and
    /// must return the round (whose `picked` are added). Returns the final set (initial
    /// first, then picks in order) and every round.
    ///
    /// - Throws: what `round` throws, or `DataError` when a round picks a member twice or
    ///   the wrong number.
    public static func grow(initial: [Int], perRound: Int, finalSize: Int, resumed: [Round] = [],
                            round: (_ current: [Int], _ count: Int) throws -> Round) throws -> (set: [Int], rounds: [Round]) {
        let sizes = roundSizes(initial: initial.count, perRound: perRound, finalSize: finalSize)
        var current = initial, rounds: [Round] = []
        for (r, k) in sizes.enumerated() {
            let next = r < resumed.count ? resumed[r] : try round(current, k)
            guard next.picked.count == k, Set(next.picked).isDisjoint(with: current), Set(next.picked).count == k else {
                throw DataError(file: "pool selection", item: "round \(r)",
                                "expected \(k) new distinct conformations, got \(next.picked)")
            }
            current += next.picked
            rounds.append(next)
        }
        return (current, rounds)
    }
}
