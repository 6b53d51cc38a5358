// What a study keeps of each training unit besides its result (see Experiments.UnitRecords):
// training curves and per-structure test predictions, typed and read by their headers.

import Chemistry
import Foundation

/// One row of a training curve: an epoch of ``Trainer`` or a validation iteration of
/// ``MetaTrainer``. Validation errors in meV (energy), meV/atom (energy per atom) and meV/Å
/// (forces); losses in the weighted eV² units of the energy–force loss.
public struct CurvePoint: Equatable, Sendable {
    /// The epoch (1-based) or the meta-iteration.
    public var step: Int
    public var trainingLoss: Double?
    public var validationLoss: Double?
    public var energyRMSE: Double?
    public var energyPerAtomRMSE: Double?
    public var forceRMSE: Double?
    public var learningRate: Double?
    /// Reptile/FOMAML/MAML outer step size (meta curves only).
    public var epsilon: Double?
    /// Wall time since the start of training (s).
    public var seconds: Double?
}

/// A unit's training curve: `pretrain/<variant>/curve.csv` or `refit/<variant>/n<N>-seed<S>.curve.csv`.
public struct TrainingCurve: Equatable, Sendable {
    /// What the curve's rows count: epochs (multi-task, single-task and refit training) or
    /// meta-iterations (post-adaptation validation of Reptile, FOMAML, MAML).
    public enum Progress: String, Sendable { case epoch, iteration }
    public var variant: String
    /// N and seed of a refit curve; nil for a pretraining curve.
    public var n: Int?
    public var seed: Int?
    public var progress: Progress
    public var points: [CurvePoint]
    /// The file's path relative to the run directory.
    public var file: String

    static let epochColumns = ["epoch", "validation_loss", "val_energy_per_atom_rmse_meV", "val_force_rmse_meV_per_A"]
    static let metaColumns = ["iteration", "validation_loss", "val_energy_per_atom_rmse_meV", "val_force_rmse_meV_per_A"]

    /// Reads a curve by its header: `epoch,…` or `iteration,…`; any other header is a `DataError`.
    init(table: CSVTable, variant: String, n: Int?, seed: Int?, file: String) throws {
        self.variant = variant; self.n = n; self.seed = seed; self.file = file
        if table.hasColumn("epoch") {
            try table.require(columns: Self.epochColumns)
            progress = .epoch
        } else {
            try table.require(columns: Self.metaColumns)
            progress = .iteration
        }
        let key = progress.rawValue
        points = try table.records.map { r in
            CurvePoint(step: try r.int(key), trainingLoss: try r.optionalDouble("training_loss"),
                       validationLoss: try r.optionalDouble("validation_loss"), energyRMSE: try r.optionalDouble("val_energy_rmse_meV"),
                       energyPerAtomRMSE: try r.optionalDouble("val_energy_per_atom_rmse_meV"),
                       forceRMSE: try r.optionalDouble("val_force_rmse_meV_per_A"), learningRate: try r.optionalDouble("learning_rate"),
                       epsilon: try r.optionalDouble("epsilon"), seconds: try r.optionalDouble("seconds"))
        }
    }
}

/// One test conformation of a refit: a row of `n<N>-seed<S>.test.csv`. Energies in eV.
public struct TestEnergy: Equatable, Sendable {
    public var conformation: Int
    public var atoms: Int
    public var reference: Double
    public var predicted: Double
    /// (predicted − reference) / atoms, meV/atom.
    public var perAtomError: Double

    static let requiredColumns = ["conformation", "atoms", "energy_ref_eV", "energy_pred_eV", "energy_per_atom_error_meV"]

    init(_ r: CSVRecord) throws {
        conformation = try r.int("conformation"); atoms = try r.int("atoms")
        reference = try r.double("energy_ref_eV"); predicted = try r.double("energy_pred_eV")
        perAtomError = try r.double("energy_per_atom_error_meV")
    }
}

/// One test atom of a refit: a row of `n<N>-seed<S>.test_forces.csv`. Forces in eV/Å.
public struct TestForce: Equatable, Sendable {
    public var conformation: Int
    public var atom: Int
    public var element: String
    /// Reference and predicted (x, y, z) components.
    public var reference: [Double]
    public var predicted: [Double]

    static let requiredColumns = ["conformation", "atom", "element", "fx_ref", "fy_ref", "fz_ref", "fx_pred", "fy_pred", "fz_pred"]

    init(_ r: CSVRecord) throws {
        conformation = try r.int("conformation"); atom = try r.int("atom"); element = try r.requiredString("element")
        reference = [try r.double("fx_ref"), try r.double("fy_ref"), try r.double("fz_ref")]
        predicted = [try r.double("fx_pred"), try r.double("fy_pred"), try r.double("fz_pred")]
    }
}

/// One refit's test predictions: energies from `.test.csv`, forces from `.test_forces.csv`
/// (nil when that file is absent or was not selected for loading).
public struct RefitTestSet: Equatable, Sendable {
    public var variant: String
    public var n: Int
    public var seed: Int
    public var energies: [TestEnergy]
    public var forces: [TestForce]?
}

/// The unit records of a run: training curves and test predictions. Runs made before
/// studies wrote them have none (``UnitRecordsData/isEmpty``); reports then say so.
public struct UnitRecordsData: Equatable, Sendable {
    /// Pretraining curves, variants sorted by name (scratch has none).
    public var pretrainCurves: [TrainingCurve] = []
    /// Refit curves, by variant, N, seed.
    public var refitCurves: [TrainingCurve] = []
    /// Refit test predictions, by variant, N, seed.
    public var testSets: [RefitTestSet] = []
    /// Refit result files (`n<N>-seed<S>.json`) found, so absence can be told from a run without refits.
    public var refitResultFiles: Int = 0

    public init() {}

    public var isEmpty: Bool { pretrainCurves.isEmpty && refitCurves.isEmpty && testSets.isEmpty }

    /// The atoms per test conformation, when every `.test.csv` row agrees on one count.
    public var atomsPerConformation: Int? {
        let counts = Set(testSets.flatMap { $0.energies.map(\.atoms) })
        return counts.count == 1 ? counts.first : nil
    }

    /// `n<N>-seed<S>.<suffix>` → (N, S), nil for any other name.
    static func refitUnit(_ name: String, suffix: String) -> (n: Int, seed: Int)? {
        guard name.hasPrefix("n"), name.hasSuffix(suffix) else { return nil }
        let stem = name.dropFirst().dropLast(suffix.count)
        let parts = stem.components(separatedBy: "-seed")
        guard parts.count == 2, let n = Int(parts[0]), let s = Int(parts[1]), n >= 0, s >= 0 else { return nil }
        return (n, s)
    }

    /// Reads `pretrain/*/curve.csv` and `refit/*/n<N>-seed<S>.{curve,test,test_forces}.csv`.
    /// `loadForces(variant, N, seed)` decides which force files are read (they are the large ones);
    /// nil reads every one. A present but malformed file is a `DataError` naming it and the line.
    static func load(from directory: URL, loadForces: ((String, Int, Int) -> Bool)? = nil) throws -> UnitRecordsData {
        let fm = FileManager.default
        var records = UnitRecordsData()
        func list(_ relative: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: directory.appendingPathComponent(relative).path)) ?? []).sorted()
        }
        func table(_ relative: String) throws -> CSVTable {
            try CSVTable(contentsOf: directory.appendingPathComponent(relative))
        }
        for variant in list("pretrain") {
            let relative = "pretrain/\(variant)/curve.csv"
            guard fm.fileExists(atPath: directory.appendingPathComponent(relative).path) else { continue }
            records.pretrainCurves.append(try TrainingCurve(table: try table(relative), variant: variant, n: nil, seed: nil, file: relative))
        }
        for variant in list("refit") {
            var units: [(n: Int, seed: Int, name: String)] = []
            for name in list("refit/\(variant)") {
                if refitUnit(name, suffix: ".json") != nil { records.refitResultFiles += 1 }
                if let u = refitUnit(name, suffix: ".curve.csv") { units.append((u.n, u.seed, "curve")) }
                if let u = refitUnit(name, suffix: ".test.csv") { units.append((u.n, u.seed, "test")) }
            }
            for u in units.sorted(by: { ($0.n, $0.seed) < ($1.n, $1.seed) }) {
                let stem = "refit/\(variant)/n\(u.n)-seed\(u.seed)"
                if u.name == "curve" {
                    records.refitCurves.append(try TrainingCurve(table: try table(stem + ".curve.csv"), variant: variant,
                                                                 n: u.n, seed: u.seed, file: stem + ".curve.csv"))
                    continue
                }
                let energyTable = try table(stem + ".test.csv")
                try energyTable.require(columns: TestEnergy.requiredColumns)
                var set = RefitTestSet(variant: variant, n: u.n, seed: u.seed, energies: try energyTable.records.map(TestEnergy.init))
                let forces = stem + ".test_forces.csv"
                if fm.fileExists(atPath: directory.appendingPathComponent(forces).path), loadForces?(variant, u.n, u.seed) ?? true {
                    let forceTable = try table(forces)
                    try forceTable.require(columns: TestForce.requiredColumns)
                    set.forces = try forceTable.records.map(TestForce.init)
                }
                records.testSets.append(set)
            }
        }
        return records
    }
}

extension RunData {
    /// Why a figure drawn from unit records is absent, as one sentence, or nil when `present`.
    /// `what` names the files (e.g. "refit test predictions (`refit/<variant>/n<N>-seed<S>.test.csv`)").
    func absenceOfUnitRecords(_ what: String, present: Bool) -> String? {
        if present { return nil }
        if units.isEmpty {
            return "No \(what) in this run: the run was made by a version that did not record them "
                + "(studies write them since training curves and test predictions were added; rerun to get them)."
        }
        return "No \(what) in this run, although it has other unit records."
    }
}
