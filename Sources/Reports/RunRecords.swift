// The rows of a run directory's tables, typed: refits (results.csv), committees
// (committees.csv), scans and their
// metrics (analysis/scans.csv, analysis/scan_metrics.csv), MD traces and their metrics
// (analysis/md.csv, analysis/md_metrics.csv), and pretraining summaries.

import Foundation

/// One refit's test-set errors: a row of `results.csv`. Energies in meV, forces in meV/Å.
public struct RefitRecord: Equatable, Sendable {
    public var variant: String
    public var n: Int
    public var seed: Int
    public var energyRMSE: Double
    public var energyPerAtomRMSE: Double
    public var forceRMSE: Double
    public var energyMAE: Double?
    public var forceMAE: Double?
    public var epochs: Int?
    public var seconds: Double?

    public init(variant: String, n: Int, seed: Int, energyRMSE: Double, energyPerAtomRMSE: Double, forceRMSE: Double,
                energyMAE: Double? = nil, forceMAE: Double? = nil, epochs: Int? = nil, seconds: Double? = nil) {
        self.variant = variant; self.n = n; self.seed = seed
        self.energyRMSE = energyRMSE; self.energyPerAtomRMSE = energyPerAtomRMSE; self.forceRMSE = forceRMSE
        self.energyMAE = energyMAE; self.forceMAE = forceMAE; self.epochs = epochs; self.seconds = seconds
    }

    static let requiredColumns = ["variant", "n", "seed", "energy_rmse_meV", "energy_per_atom_rmse_meV", "force_rmse_meV_per_A"]

    init(_ r: CSVRecord) throws {
        self.init(variant: try r.requiredString("variant"), n: try r.int("n"), seed: try r.int("seed"),
                  energyRMSE: try r.double("energy_rmse_meV"), energyPerAtomRMSE: try r.double("energy_per_atom_rmse_meV"),
                  forceRMSE: try r.double("force_rmse_meV_per_A"), energyMAE: try r.optionalDouble("energy_mae_meV"),
                  forceMAE: try r.optionalDouble("force_mae_meV_per_A"), epochs: try r.optionalInt("epochs"),
                  seconds: try r.optionalDouble("seconds"))
    }
}

/// One committee's test-set errors: a row of `committees.csv` (the mean prediction of
/// `members` refitted models; `committee` is a variant, or `all-variants`). Energies in meV,
/// forces in meV/Å; the members' own mean errors beside the committee's.
public struct CommitteeRecord: Equatable, Sendable, Encodable {
    public var committee: String
    public var n: Int
    public var members: Int
    public var energyRMSE: Double
    public var forceRMSE: Double
    public var memberEnergyRMSE: Double
    public var memberForceRMSE: Double

    static let requiredColumns = ["committee", "n", "members", "energy_rmse_meV", "force_rmse_meV_per_A",
                                  "member_energy_rmse_meV", "member_force_rmse_meV_per_A"]

    init(_ r: CSVRecord) throws {
        committee = try r.requiredString("committee")
        n = try r.int("n")
        members = try r.int("members")
        energyRMSE = try r.double("energy_rmse_meV")
        forceRMSE = try r.double("force_rmse_meV_per_A")
        memberEnergyRMSE = try r.double("member_energy_rmse_meV")
        memberForceRMSE = try r.double("member_force_rmse_meV_per_A")
    }
}

/// A variant's paired difference to the baseline at one N (a row of `comparisons.csv`):
/// mean over seeds of RMSE(variant) − RMSE(baseline) with a 95 % bootstrap interval over
/// seeds and test conformations.
public struct ComparisonRecord: Equatable, Sendable, Encodable {
    public var variant: String
    public var baseline: String
    public var n: Int
    /// `energy_rmse_meV` or `force_rmse_meV_per_A`.
    public var metric: String
    public var seeds: Int
    public var testConformations: Int
    public var difference: Double
    public var lower: Double
    public var upper: Double
    public var verdict: String

    static let requiredColumns = ["variant", "baseline", "n", "metric", "seeds", "test_conformations", "difference",
                                  "ci95_low", "ci95_high", "verdict"]

    init(_ r: CSVRecord) throws {
        variant = try r.requiredString("variant")
        baseline = try r.requiredString("baseline")
        n = try r.int("n")
        metric = try r.requiredString("metric")
        seeds = try r.int("seeds")
        testConformations = try r.int("test_conformations")
        difference = try r.double("difference")
        lower = try r.double("ci95_low")
        upper = try r.double("ci95_high")
        verdict = try r.requiredString("verdict")
    }
}

/// A unit of the study that failed (diverged training, …): a row of `failures.csv`. Its
/// numbers are in no table; reports list it so a missing seed is never silent.
public struct FailureRecord: Equatable, Sendable, Encodable {
    /// `pretrain/<variant>` or `refit/<variant>/n<N>-seed<S>`.
    public var unit: String
    public var stage: String
    public var reason: String

    static let requiredColumns = ["unit", "stage", "reason"]

    init(_ r: CSVRecord) throws {
        unit = try r.requiredString("unit")
        stage = try r.requiredString("stage")
        reason = try r.requiredString("reason")
    }
}

/// One point of an energy scan along a torsion, stretch or bend: a row of `analysis/scans.csv`.
/// Rows with variant `reference` are the reference method's curve (no N, no seed).
public struct ScanPoint: Equatable, Sendable {
    public var scan: String
    public var scanKind: String
    public var variant: String
    public var n: Int?
    public var seed: Int?
    public var point: Int
    public var coordinate: Double
    public var coordinateUnit: String
    /// The model's energy (eV).
    public var energy: Double?
    /// The reference energy at this point (eV), when known.
    public var referenceEnergy: Double?
    public var minusDEds: Double?
    public var forceAlongPath: Double?
    /// rigid, relaxed or given (empty in runs made before scan modes existed: rigid).
    public var mode: String
    /// Closest non-bonded contact d/(r_i + r_j), and whether it is a clash.
    public var closestContact: Double?
    public var clash: Bool?

    static let requiredColumns = ["scan", "variant", "point", "coordinate", "energy_eV"]

    init(_ r: CSVRecord) throws {
        scan = try r.requiredString("scan")
        scanKind = r.optionalString("scan_kind") ?? ""
        variant = try r.requiredString("variant")
        n = try r.optionalInt("n")
        seed = try r.optionalInt("seed")
        point = try r.int("point")
        coordinate = try r.double("coordinate")
        coordinateUnit = r.optionalString("coordinate_unit") ?? ""
        energy = try r.optionalDouble("energy_eV")
        referenceEnergy = try r.optionalDouble("reference_energy_eV")
        minusDEds = try r.optionalDouble("minus_dE_ds")
        forceAlongPath = try r.optionalDouble("force_along_path")
        mode = r.optionalString("mode") ?? ""
        closestContact = try r.optionalDouble("closest_contact")
        clash = r.optionalString("clash").map { $0 == "true" }
    }
}

/// Smoothness and accuracy of one scan curve: a row of `analysis/scan_metrics.csv`.
public struct ScanMetric: Equatable, Sendable {
    public var scan: String
    public var scanKind: String
    public var variant: String
    public var n: Int?
    public var seed: Int?
    public var points: Int?
    public var roughness: Double?
    public var highFrequencyShare: Double?
    public var extrema: Int?
    public var referenceExtrema: Int?
    public var spuriousExtrema: Int?
    public var consistencyRMSE: Double?
    /// RMSE against the reference curve (meV).
    public var referenceRMSE: Double?
    /// Energy range of the curve (meV): the barrier (highest minus lowest point); column
    /// `barrier_meV` (`energy_range_meV` in runs made before it).
    public var energyRange: Double?
    /// rigid, relaxed or given (empty in runs made before scan modes existed).
    public var mode: String
    /// The defining atoms, "C13-O5-C1-C0" (empty in older runs).
    public var atoms: String
    public var clashPoints: Int?
    /// Relaxed points where a relaxation ended in a clash (a hole of the model).
    public var holePoints: Int?
    public var unconvergedPoints: Int?
    /// Largest deviation of the held dihedral from its target, degrees (relaxed scans).
    public var maxHeldResidual: Double?
    /// Coordinate of the highest point, in the scan's coordinate unit.
    public var barrierPosition: Double?
    public var normalisedRoughness: Double?
    public var minima: Int?
    public var minimaFound: Int?
    public var minimaMissed: Int?
    public var minimaSpurious: Int?

    static let requiredColumns = ["scan", "variant"]

    init(_ r: CSVRecord) throws {
        scan = try r.requiredString("scan")
        scanKind = r.optionalString("scan_kind") ?? ""
        variant = try r.requiredString("variant")
        n = try r.optionalInt("n")
        seed = try r.optionalInt("seed")
        points = try r.optionalInt("points")
        roughness = try r.optionalDouble("roughness")
        highFrequencyShare = try r.optionalDouble("high_frequency_share")
        extrema = try r.optionalInt("extrema")
        referenceExtrema = try r.optionalInt("reference_extrema")
        spuriousExtrema = try r.optionalInt("spurious_extrema")
        consistencyRMSE = try r.optionalDouble("consistency_rmse")
        referenceRMSE = try r.optionalDouble("reference_rmse_meV")
        energyRange = try r.optionalDouble("barrier_meV") ?? r.optionalDouble("energy_range_meV")
        mode = r.optionalString("mode") ?? ""
        atoms = r.optionalString("atoms") ?? ""
        clashPoints = try r.optionalInt("clash_points")
        holePoints = try r.optionalInt("hole_points")
        unconvergedPoints = try r.optionalInt("unconverged_points")
        maxHeldResidual = try r.optionalDouble("max_held_residual_deg")
        barrierPosition = try r.optionalDouble("barrier_position")
        normalisedRoughness = try r.optionalDouble("normalised_roughness")
        minima = try r.optionalInt("minima")
        minimaFound = try r.optionalInt("minima_found")
        minimaMissed = try r.optionalInt("minima_missed")
        minimaSpurious = try r.optionalInt("minima_spurious")
    }
}

/// One frame of a molecular-dynamics run: a row of `analysis/md.csv`. Energies in eV.
public struct MDFrame: Equatable, Sendable {
    public var variant: String
    public var n: Int?
    public var seed: Int?
    public var ensemble: String
    public var time: Double
    public var potentialEnergy: Double?
    public var kineticEnergy: Double?
    public var totalEnergy: Double?
    public var temperature: Double?

    static let requiredColumns = ["variant", "ensemble", "time_fs", "total_eV"]

    init(_ r: CSVRecord) throws {
        variant = try r.requiredString("variant")
        n = try r.optionalInt("n")
        seed = try r.optionalInt("seed")
        ensemble = try r.requiredString("ensemble")
        time = try r.double("time_fs")
        potentialEnergy = try r.optionalDouble("potential_eV")
        kineticEnergy = try r.optionalDouble("kinetic_eV")
        totalEnergy = try r.optionalDouble("total_eV")
        temperature = try r.optionalDouble("temperature_K")
    }
}

/// Stability of one molecular-dynamics run: a row of `analysis/md_metrics.csv`.
public struct MDMetric: Equatable, Sendable {
    public var variant: String
    public var n: Int?
    public var seed: Int?
    public var ensemble: String
    public var temperature: Double?
    public var steps: Int?
    public var timeStep: Double?
    /// Why the run became unphysical (StabilityDetector's reason), when it did.
    public var instability: String?
    /// Total-energy drift (meV per atom per ps).
    public var drift: Double?
    /// Time until the run became unstable, or its length when it stayed stable (fs).
    public var stableTime: Double?
    public var stable: Bool?
    public var maxBondStretch: Double?

    static let requiredColumns = ["variant", "ensemble"]

    init(_ r: CSVRecord) throws {
        variant = try r.requiredString("variant")
        n = try r.optionalInt("n")
        seed = try r.optionalInt("seed")
        ensemble = try r.requiredString("ensemble")
        temperature = try r.optionalDouble("temperature_K")
        steps = try r.optionalInt("steps")
        timeStep = try r.optionalDouble("dt_fs")
        instability = r.optionalString("unphysical_reason")
        drift = try r.optionalDouble("drift_meV_per_atom_per_ps")
        stableTime = try r.optionalDouble("stable_time_fs")
        stable = try r.optionalBool("stable")
        maxBondStretch = try r.optionalDouble("max_bond_stretch")
    }
}

/// A pretraining run's `pretrain/<variant>/summary.json`.
public struct PretrainingSummary: Equatable, Sendable {
    public var variant: String
    public var kind: String?
    public var tasks: [String]
    public var conformations: Int?
    public var steps: Int?
    public var seconds: Double?
    public var validationLoss: Double?
    /// Tasks without forces that contributed energy terms only (nil: not recorded, runs
    /// from before force masks).
    public var energyOnlyTasks: [String]?
    /// The file's path relative to the run directory.
    public var file: String

    init(variant: String, json: [String: Any], file: String) {
        func number(_ key: String) -> Double? {
            switch json[key] {
            case let x as Double: x
            case let i as Int: Double(i)
            case let x as NSNumber: x.doubleValue
            default: nil
            }
        }
        self.variant = json["variant"] as? String ?? variant
        kind = json["kind"] as? String
        tasks = json["tasks"] as? [String] ?? []
        conformations = number("conformations").map { Int($0) }
        steps = number("steps").map { Int($0) }
        seconds = number("seconds")
        validationLoss = number("validationLoss") ?? number("validation_loss")
        energyOnlyTasks = json["energyOnlyTasks"] as? [String]
        self.file = file
    }
}
