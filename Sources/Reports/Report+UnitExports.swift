// The unit records as combined CSV files for the export's data/ folder (one file per kind,
// with variant, N and seed columns), so the notebook reads four files instead of hundreds.

import Foundation

extension Report {
    /// The combined tables, by file name under `data/`, only those the run has:
    ///
    ///     test_predictions.csv  variant,n,seed,conformation,atoms,energy_ref_eV,energy_pred_eV,energy_per_atom_error_meV
    ///                           (every refit with a .test.csv; energies in eV, error in meV/atom)
    ///     test_forces.csv       variant,n,seed,conformation,atom,element,fx_ref,fy_ref,fz_ref,fx_pred,fy_pred,fz_pred
    ///                           (eV/Å; only the refits whose forces were loaded: the figure sizes and seed)
    ///     pretrain_curves.csv   variant,progress,step,training_loss,validation_loss,val_energy_rmse_meV,
    ///                           val_energy_per_atom_rmse_meV,val_force_rmse_meV_per_A,learning_rate,epsilon,seconds
    ///                           (progress: epoch or iteration)
    ///     refit_curves.csv      variant,n,seed,epoch,training_loss,validation_loss,val_energy_rmse_meV,
    ///                           val_energy_per_atom_rmse_meV,val_force_rmse_meV_per_A,learning_rate,seconds
    public func unitDataFiles() -> [(name: String, text: String)] {
        let u = data.units
        var files: [(String, String)] = []
        if !u.testSets.isEmpty {
            var s = "variant,n,seed,conformation,atoms,energy_ref_eV,energy_pred_eV,energy_per_atom_error_meV\n"
            for t in u.testSets {
                let key = "\(Report.csvField(t.variant)),\(t.n),\(t.seed)"
                for e in t.energies {
                    s += "\(key),\(e.conformation),\(e.atoms),\(Report.g(e.reference)),\(Report.g(e.predicted)),\(Report.g(e.perAtomError))\n"
                }
            }
            files.append(("test_predictions.csv", s))
        }
        if u.testSets.contains(where: { $0.forces != nil }) {
            var s = "variant,n,seed,conformation,atom,element,fx_ref,fy_ref,fz_ref,fx_pred,fy_pred,fz_pred\n"
            for t in u.testSets {
                guard let forces = t.forces else { continue }
                let key = "\(Report.csvField(t.variant)),\(t.n),\(t.seed)"
                for f in forces {
                    s += "\(key),\(f.conformation),\(f.atom),\(Report.csvField(f.element)),"
                        + (f.reference + f.predicted).map(Report.g).joined(separator: ",") + "\n"
                }
            }
            files.append(("test_forces.csv", s))
        }
        func values(_ p: CurvePoint) -> String {
            [p.trainingLoss, p.validationLoss, p.energyRMSE, p.energyPerAtomRMSE, p.forceRMSE, p.learningRate]
                .map { $0.map(Report.g) ?? "" }.joined(separator: ",")
        }
        if !u.pretrainCurves.isEmpty {
            var s = "variant,progress,step,training_loss,validation_loss,val_energy_rmse_meV,val_energy_per_atom_rmse_meV,"
                + "val_force_rmse_meV_per_A,learning_rate,epsilon,seconds\n"
            for c in u.pretrainCurves {
                for p in c.points {
                    s += "\(Report.csvField(c.variant)),\(c.progress.rawValue),\(p.step),\(values(p)),"
                        + "\(p.epsilon.map(Report.g) ?? ""),\(p.seconds.map(Report.g) ?? "")\n"
                }
            }
            files.append(("pretrain_curves.csv", s))
        }
        if !u.refitCurves.isEmpty {
            var s = "variant,n,seed,epoch,training_loss,validation_loss,val_energy_rmse_meV,val_energy_per_atom_rmse_meV,"
                + "val_force_rmse_meV_per_A,learning_rate,seconds\n"
            for c in u.refitCurves {
                let key = "\(Report.csvField(c.variant)),\(c.n.map(String.init) ?? ""),\(c.seed.map(String.init) ?? "")"
                for p in c.points { s += "\(key),\(p.step),\(values(p)),\(p.seconds.map(Report.g) ?? "")\n" }
            }
            files.append(("refit_curves.csv", s))
        }
        return files
    }

    /// A CSV field, quoted when it holds a comma, quote or line end.
    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Ten significant digits; empty for a non-finite value.
    static func g(_ x: Double) -> String { x.isFinite ? String(format: "%.10g", x) : "" }
}
