// What a study keeps of each training unit besides its result: the training curve and the
// per-structure test predictions (read by the report for training-curve and parity plots).

import Foundation
import Chemistry
import MetaLearning
import Training

/// CSV files written next to a unit's result, each atomically (temporary file + rename),
/// before the result file that marks the unit done.
///
///     <run>/pretrain/<variant>/curve.csv               one row per epoch or validation iteration
///     <run>/refit/<variant>/n<N>-seed<S>.curve.csv     one row per epoch
///     <run>/refit/<variant>/n<N>-seed<S>.test.csv      one row per test conformation
///     <run>/refit/<variant>/n<N>-seed<S>.test_forces.csv  one row per test atom
///
/// A run made by a version before these files existed has none; the report says so.
public enum UnitRecords {
    /// Header of a curve from ``Trainer`` (epochs). Validation errors are of the validation
    /// set (for refits: the target's validation split; for multi-task / single pretraining:
    /// the held-out 5 % of the pool), in meV, meV/atom and meV/Å; losses in the weighted
    /// eV² units of ``EnergyForceLoss``.
    public static let epochCurveHeader =
        "epoch,step,training_loss,validation_loss,val_energy_rmse_meV,val_energy_per_atom_rmse_meV,val_force_rmse_meV_per_A,learning_rate,seconds"
    /// Header of a curve from ``MetaTrainer``: post-adaptation validation (mean over the
    /// validation tasks) at each validation iteration.
    public static let metaCurveHeader =
        "iteration,validation_loss,val_energy_per_atom_rmse_meV,val_force_rmse_meV_per_A,epsilon,seconds"
    /// Header of the per-conformation test predictions (total energies, eV).
    public static let testHeader = "conformation,atoms,energy_ref_eV,energy_pred_eV,energy_per_atom_error_meV"
    /// Header of the per-atom test forces (eV/Å).
    public static let testForcesHeader = "conformation,atom,element,fx_ref,fy_ref,fz_ref,fx_pred,fy_pred,fz_pred"

    /// The epoch curve of `history`.
    public static func epochCurve(_ history: [EpochRecord]) -> String {
        lines(epochCurveHeader, history.map { r in
            [String(r.epoch + 1), String(r.step), g(r.trainingLoss), g(r.validationLoss), g(r.validation.energyRMSE),
             g(r.validation.energyPerAtomRMSE),
             r.validation.forceComponentCount > 0 ? g(r.validation.forceRMSE) : "", g(r.learningRate), f2(r.seconds)]
        })
    }

    /// The post-adaptation validation curve of `history`.
    public static func metaCurve(_ history: [MetaRecord]) -> String {
        lines(metaCurveHeader, history.map { r in
            let m = Array(r.metrics.values)
            let forces = m.filter { $0.forceComponentCount > 0 }.map(\.forceRMSE)
            return [String(r.iteration), m.isEmpty ? "" : g(r.validationLoss),   // no validation tasks: no loss
                    m.isEmpty ? "" : g(m.map(\.energyPerAtomRMSE).reduce(0, +) / Double(m.count)),
                    forces.isEmpty ? "" : g(forces.reduce(0, +) / Double(forces.count)), g(r.epsilon), f2(r.seconds)]
        })
    }

    /// Per-conformation energies of `predictions` against `conformations` (same order).
    public static func testEnergies(_ predictions: Predictions, _ conformations: [Conformation]) -> String {
        lines(testHeader, conformations.indices.map { c in
            let n = conformations[c].atomCount, ref = conformations[c].energy, pred = predictions.energies[c]
            return [String(c), String(n), g(ref), g(pred), g((pred - ref) / Double(n) * 1000)]
        })
    }

    /// Per-atom forces of `predictions` against `conformations`, for conformations with both.
    public static func testForces(_ predictions: Predictions, _ conformations: [Conformation]) -> String {
        var rows: [[String]] = []
        for (c, conformation) in conformations.enumerated() {
            guard let reference = conformation.forces, let predicted = predictions.forces[c] else { continue }
            for a in 0..<conformation.atomCount {
                rows.append([String(c), String(a), Element.symbol(for: conformation.atomicNumbers[a]),
                             g(reference[a].x), g(reference[a].y), g(reference[a].z),
                             g(predicted[3 * a]), g(predicted[3 * a + 1]), g(predicted[3 * a + 2])])
            }
        }
        return lines(testForcesHeader, rows)
    }

    /// Writes `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try writeAtomically(Data(text.utf8), to: path)
    }

    static func lines(_ header: String, _ rows: [[String]]) -> String {
        ([header] + rows.map { $0.joined(separator: ",") }).map { $0 + "\n" }.joined()
    }
    static func g(_ x: Double) -> String { x.isFinite ? String(format: "%.10g", x) : "" }
    static func f2(_ x: Double) -> String { String(format: "%.2f", x) }
}
