// Notebook cells for the ratio panel, parity plots, error histograms, training curves and MD
// traces; they read results.csv, md.csv and the combined unit-record CSVs in data/.

import Foundation

extension Report {
    /// A notebook cell as (type, id, text); ``notebook(files:)`` turns them into JSON cells.
    typealias NotebookCell = (type: String, id: String, text: String)

    /// Ratio cells: each pretrained start's test errors ÷ scratch's at the same N and seed.
    func ratioNotebookCells() -> [NotebookCell] {
        guard let baseline = scratchVariant else {
            return [("markdown", "ratios-md", "## Learning curves relative to scratch\n\nNo variant named or of kind `scratch` in "
                     + "this run: there is no baseline to divide by, so learning-curve ratios are not available.")]
        }
        return [
            ("markdown", "ratios-md", "## Learning curves relative to scratch\n\nEach pretrained start's test error divided by "
             + "`\(baseline)`'s at the same N and seed (from `results.csv`), mean over seeds; error bars ± one sample standard "
             + "deviation of the per-seed ratios; the table also gives min and max. Below 1 the pretrained start is better."),
            ("code", "ratios", """
                BASELINE = \(Report.python(baseline))
                RATIO_METRICS = {"force_rmse_meV_per_A": "Force RMSE", "energy_per_atom_rmse_meV": "Energy RMSE per atom"}
                base = results[results["variant"] == BASELINE].set_index(["n", "seed"])[list(RATIO_METRICS)]
                parts = []
                for variant in VARIANTS:
                    if variant == BASELINE:
                        continue
                    own = results[results["variant"] == variant].set_index(["n", "seed"])[list(RATIO_METRICS)]
                    per_seed = own.div(base).dropna(how="all")
                    for metric in RATIO_METRICS:
                        stats = per_seed[metric].dropna().groupby(level="n").agg(["mean", "std", "min", "max", "count"])
                        parts.append(stats.assign(variant=variant, metric=metric).reset_index())
                ratios = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
                fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
                for ax, (metric, title) in zip(axes, RATIO_METRICS.items()):
                    for variant in VARIANTS:
                        rows = ratios[(ratios["variant"] == variant) & (ratios["metric"] == metric)] if len(ratios) else ratios
                        if rows.empty:
                            continue
                        errors = rows["std"].where(rows["count"] > 1, 0.0).fillna(0.0)
                        ax.errorbar(rows["n"], rows["mean"], yerr=errors, marker="o", capsize=3, label=variant, color=colour(variant))
                    ax.axhline(1.0, linestyle="--", color=REFERENCE_COLOUR, label=f"{BASELINE} = 1")
                    ax.set_xscale("log")
                    ax.set_xlabel("Training conformations N")
                    ax.set_ylabel(f"{title} ÷ {BASELINE}'s (ratio)")
                    ax.set_title(f"{title} relative to {BASELINE}")
                    ax.grid(True, which="both", alpha=0.3)
                    ax.legend()
                fig.tight_layout()
                plt.show()
                ratios
                """),
        ]
    }

    /// Parity and error-histogram cells, or the reason they are absent.
    func parityNotebookCells(files: ExportedFiles) -> [NotebookCell] {
        let what = "refit test predictions (`refit/<variant>/n<N>-seed<S>.test.csv`)"
        guard files.testPredictions else {
            return [("markdown", "parity-md", "## Test predictions: parity and error distributions\n\n"
                     + (data.absenceOfUnitRecords(what, present: false) ?? ""))]
        }
        var cells: [NotebookCell] = [
            ("markdown", "parity-md", "## Test predictions: parity and error distributions\n\n`test_predictions.csv` has every "
             + "refit's per-conformation test energies (eV); `test_forces.csv` the per-atom forces (eV/Å) of the refits the figures "
             + "show (figure sizes, figure seed). Energies per atom are shown minus the mean reference energy per atom."),
            ("code", "parity-energy", """
                import numpy as np

                predictions = pd.read_csv(DATA / "test_predictions.csv")
                parity_sizes = figure_sizes(predictions["n"])


                def figure_refits(frame, n):
                    chosen = []
                    for variant in VARIANTS:
                        rows = frame[(frame["variant"] == variant) & (frame["n"] == n)]
                        if not rows.empty:
                            chosen.append((variant, pick_seed(rows)))
                    return chosen


                def diagonal(ax):
                    low = min(ax.get_xlim()[0], ax.get_ylim()[0])
                    high = max(ax.get_xlim()[1], ax.get_ylim()[1])
                    ax.plot([low, high], [low, high], "--", color=REFERENCE_COLOUR, label="y = x")


                fig, axes = plt.subplots(1, max(1, len(parity_sizes)), figsize=(6 * max(1, len(parity_sizes)), 5), squeeze=False)
                for ax, n in zip(axes[0], parity_sizes):
                    refits = figure_refits(predictions, n)
                    offset = pd.concat([r["energy_ref_eV"] / r["atoms"] for _, r in refits]).mean()
                    for variant, r in refits:
                        ax.scatter((r["energy_ref_eV"] / r["atoms"] - offset) * 1000, (r["energy_pred_eV"] / r["atoms"] - offset) * 1000,
                                   s=10, alpha=0.6, color=colour(variant), label=f"{variant} (seed {int(r['seed'].iloc[0])})")
                    diagonal(ax)
                    ax.set_title(f"Energy per atom parity, N = {n}")
                    ax.set_xlabel("Reference E/atom − mean reference (meV/atom)")
                    ax.set_ylabel("Predicted E/atom − mean reference (meV/atom)")
                    ax.grid(True, alpha=0.3)
                    ax.legend()
                fig.tight_layout()
                plt.show()
                """),
        ]
        if files.testForces {
            cells.append(("code", "parity-forces", """
                test_forces = pd.read_csv(DATA / "test_forces.csv")
                force_sizes = [n for n in parity_sizes if n in set(test_forces["n"])]
                columns = [v for v in VARIANTS if v in set(test_forces["variant"])]
                fig, axes = plt.subplots(max(1, len(force_sizes)), max(1, len(columns)),
                                         figsize=(4.5 * max(1, len(columns)), 4.3 * max(1, len(force_sizes))), squeeze=False)
                for row, n in zip(axes, force_sizes):
                    for ax, (variant, r) in zip(row, figure_refits(test_forces, n)):
                        for i, (element, atoms) in enumerate(r.groupby("element", sort=False)):
                            ref = atoms[["fx_ref", "fy_ref", "fz_ref"]].to_numpy().ravel()
                            pred = atoms[["fx_pred", "fy_pred", "fz_pred"]].to_numpy().ravel()
                            ax.scatter(ref, pred, s=4, alpha=0.5, color=PALETTE[i % len(PALETTE)], label=element)
                        diagonal(ax)
                        ax.set_title(f"{variant}, N = {n} (seed {int(r['seed'].iloc[0])})")
                        ax.set_xlabel("Reference force component (eV/Å)")
                        ax.set_ylabel("Predicted force component (eV/Å)")
                        ax.grid(True, alpha=0.3)
                        ax.legend(markerscale=3)
                fig.tight_layout()
                plt.show()
                """))
        } else {
            cells.append(("markdown", "parity-forces-md", "No per-atom test forces (`.test_forces.csv`) for these refits: "
                          + "force parity plots are not available."))
        }
        cells.append(("code", "error-histograms", """
            def shared_bins(values, bins=30):
                low, high = np.quantile(values, [0.005, 0.995])
                return np.linspace(low, high if high > low else low + 1, bins + 1)


            panels = 2 if \(files.testForces ? "True" : "False") else 1
            fig, axes = plt.subplots(max(1, len(parity_sizes)), panels, figsize=(6.5 * panels, 4.2 * max(1, len(parity_sizes))), squeeze=False)
            for row, n in zip(axes, parity_sizes):
                refits = figure_refits(predictions, n)
                bins = shared_bins(pd.concat([r["energy_per_atom_error_meV"] for _, r in refits]))
                for variant, r in refits:
                    row[0].hist(r["energy_per_atom_error_meV"].clip(bins[0], bins[-1]), bins=bins, alpha=0.35, color=colour(variant),
                                label=f"{variant} (seed {int(r['seed'].iloc[0])})")
                row[0].set_title(f"Energy-per-atom errors, N = {n}")
                row[0].set_xlabel("Predicted − reference E/atom (meV/atom)")
                row[0].set_ylabel("Count (test conformations)")
                row[0].legend()
                if panels == 2:
                    errors = {}
                    for variant, r in figure_refits(test_forces, n):
                        pred = r[["fx_pred", "fy_pred", "fz_pred"]].to_numpy().ravel()
                        ref = r[["fx_ref", "fy_ref", "fz_ref"]].to_numpy().ravel()
                        errors[variant] = (pred - ref) * 1000
                    if errors:
                        bins = shared_bins(np.concatenate(list(errors.values())))
                        for variant, e in errors.items():
                            row[1].hist(np.clip(e, bins[0], bins[-1]), bins=bins, alpha=0.35, color=colour(variant), label=variant)
                        row[1].legend()
                    row[1].set_title(f"Force-component errors, N = {n}")
                    row[1].set_xlabel("Predicted − reference force component (meV/Å)")
                    row[1].set_ylabel("Count (force components)")
            fig.tight_layout()
            plt.show()
            """))
        return cells
    }

    /// Training-curve cells (pretraining, refits), or the reasons they are absent.
    func curveNotebookCells(files: ExportedFiles) -> [NotebookCell] {
        var cells: [NotebookCell] = [("markdown", "training-curves-md", "## Training curves\n\nValidation errors during "
            + "pretraining (against epoch for multi-task/single-task pretraining; after adaptation, mean over the validation "
            + "tasks, against meta-iteration for Reptile/FOMAML/MAML) and during each refit (against epoch), log y.")]
        if files.pretrainCurves {
            cells.append(("code", "pretrain-curves", """
                pretrain_curves = pd.read_csv(DATA / "pretrain_curves.csv")
                for progress, xlabel in [("epoch", "Epoch"), ("iteration", "Meta-iteration")]:
                    rows = pretrain_curves[pretrain_curves["progress"] == progress]
                    if rows.empty:
                        continue
                    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
                    for ax, column, ylabel in zip(axes, ["validation_loss", "val_force_rmse_meV_per_A"],
                                                  ["Validation loss (eV², weighted)", "Validation force RMSE (meV/Å)"]):
                        for variant, curve in rows.groupby("variant", sort=False):
                            curve = curve.dropna(subset=[column])
                            if not curve.empty:
                                ax.plot(curve["step"], curve[column], label=variant, color=colour(variant))
                        ax.set_yscale("log")
                        ax.set_xlabel(xlabel)
                        ax.set_ylabel(ylabel)
                        ax.set_title(f"Pretraining: {ylabel.split(' (')[0].lower()} vs {xlabel.lower()}")
                        ax.grid(True, which="both", alpha=0.3)
                        ax.legend()
                    fig.tight_layout()
                    plt.show()
                """))
        } else {
            let reason = data.pretraining.isEmpty && !data.units.isEmpty ? "No pretrained variant in this run: there are no pretraining curves."
                : data.absenceOfUnitRecords("pretraining curves (`pretrain/<variant>/curve.csv`)", present: false) ?? ""
            cells.append(("markdown", "pretrain-curves-md", reason))
        }
        if files.refitCurves {
            cells.append(("code", "refit-curves", """
                refit_curves = pd.read_csv(DATA / "refit_curves.csv")
                curve_sizes = figure_sizes(refit_curves["n"])
                fig, axes = plt.subplots(max(1, len(curve_sizes)), 2, figsize=(12, 4.2 * max(1, len(curve_sizes))), squeeze=False)
                for row, n in zip(axes, curve_sizes):
                    for ax, column, ylabel in zip(row, ["val_force_rmse_meV_per_A", "val_energy_per_atom_rmse_meV"],
                                                  ["Validation force RMSE (meV/Å)", "Validation energy RMSE per atom (meV/atom)"]):
                        for variant in VARIANTS:
                            curve = refit_curves[(refit_curves["variant"] == variant) & (refit_curves["n"] == n)]
                            if curve.empty:
                                continue
                            curve = pick_seed(curve).dropna(subset=[column]).sort_values("epoch")
                            ax.plot(curve["epoch"], curve[column], label=f"{variant} (seed {int(curve['seed'].iloc[0])})" if len(curve) else variant,
                                    color=colour(variant))
                        ax.set_yscale("log")
                        ax.set_xlabel("Epoch")
                        ax.set_ylabel(ylabel)
                        ax.set_title(f"Refit on N = {n}")
                        ax.grid(True, which="both", alpha=0.3)
                        ax.legend()
                fig.tight_layout()
                plt.show()
                """))
        } else {
            cells.append(("markdown", "refit-curves-md",
                          data.absenceOfUnitRecords("refit curves (`refit/<variant>/n<N>-seed<S>.curve.csv`)", present: false) ?? ""))
        }
        return cells
    }

    /// Temperature of every ensemble and total energy of the thermostatted runs, against time.
    func mdTraceNotebookCells(files: ExportedFiles) -> [NotebookCell] {
        guard files.md else { return [] }
        return [
            ("markdown", "md-more-md", "### Temperature and Langevin energy traces\n\nTemperature (K) of every ensemble and, for "
             + "thermostatted (Langevin) runs, the total energy relative to the first frame (per atom when `ATOMS_PER_MOLECULE` "
             + "is known; the thermostat exchanges energy, so it is not expected to be flat)."),
            ("code", "md-more", """
                ensembles = sorted(md["ensemble"].unique(), key=lambda name: name.upper() != "NVE")
                if not any(name.upper() != "NVE" for name in ensembles):
                    print("md.csv has no Langevin run (the manifest's analysis.md asks for none).")
                for ensemble in ensembles:
                    frames = md[md["ensemble"] == ensemble]
                    sizes = figure_sizes(frames["n"])
                    quantities = [("temperature_K", "Temperature (K)")]
                    if ensemble.upper() != "NVE":
                        quantities.insert(0, ("total_eV", "Total energy per atom − initial (meV/atom)" if ATOMS_PER_MOLECULE
                                              else "Total energy − initial (meV)"))
                    fig, axes = plt.subplots(len(quantities), max(1, len(sizes)), figsize=(6.5 * max(1, len(sizes)), 4 * len(quantities)),
                                             squeeze=False)
                    for column, n in enumerate(sizes):
                        for row, (quantity, ylabel) in enumerate(quantities):
                            ax = axes[row][column]
                            for variant in VARIANTS:
                                run = frames[(frames["variant"] == variant) & (frames["n"] == n)].dropna(subset=[quantity])
                                if run.empty:
                                    continue
                                run = pick_seed(run).sort_values("time_fs")
                                values = run[quantity]
                                if quantity == "total_eV":
                                    values = (values - values.iloc[0]) * 1000 / (ATOMS_PER_MOLECULE or 1)
                                ax.plot(run["time_fs"], values, label=variant, color=colour(variant))
                            ax.set_title(f"{ensemble} {ylabel.split(' (')[0].lower()}, N = {n}")
                            ax.set_xlabel("Time (fs)")
                            ax.set_ylabel(ylabel)
                            ax.grid(True, alpha=0.3)
                            ax.legend()
                    fig.tight_layout()
                    plt.show()
                """),
        ]
    }
}
