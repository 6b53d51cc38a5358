// The report of a transferability study (StudyDocument: HTML + notebook + data).

import Foundation
import Chemistry
import Reports

extension TransferabilityResults {
    static func pm(_ v: (mean: Double, std: Double), _ digits: Int = 1) -> String {
        guard v.mean.isFinite else { return "–" }
        return String(format: "%.\(digits)f ± %.\(digits)f", v.mean, v.std.isFinite ? v.std : 0)
    }

    /// A matrix table: one row per architecture, one column per set, `metric` mean ± std over seeds.
    func matrix(_ caption: String, _ metric: @escaping (CrossResult) -> Double) -> StudyDocument.Table {
        StudyDocument.Table(caption: caption, header: ["architecture \\ training set"] + setNames,
                            rows: architectures.map { a in [a] + setNames.map { Self.pm(cross(a, $0, metric)) } })
    }

    /// Bond classes present in the reference, sorted.
    var bondClasses: [String] { referenceBonds.map(\.bond) }

    /// Every table of the study, in report order.
    public func tables(manifest: TransferabilityManifest) -> [StudyDocument.Table] {
        setTables(frames: nil) + crossTables() + mdTables()
    }

    func setTables(frames: [Int: Int]?) -> [StudyDocument.Table] {
        var rows: [[String]] = []
        for set in sets {
            var row = [set.name, set.selector ?? "–", String(set.frames.count)]
            if let frames {
                let atoms = set.frames.map { Double(frames[$0] ?? 0) }
                row += [String(format: "%.1f", atoms.reduce(0, +) / Double(max(1, atoms.count))), String(Int(atoms.max() ?? 0))]
            }
            row += sets.map { other in String(Set(set.frames).intersection(other.frames).count) }
            rows.append(row)
        }
        let header = ["set", "selector", "size"] + (frames == nil ? [] : ["mean atoms", "max atoms"]) + sets.map { "shared with \($0.name)" }
        var tables = [StudyDocument.Table(caption: "Training sets (frames shared between sets include the common starting set)",
                                          header: header, rows: rows, numericColumns: Set(2..<header.count))]
        let roundRows = architectures.flatMap { a in
            (rounds[a] ?? []).enumerated().map { r, round in
                [a, String(r + 1), String(round.size), String(format: "%.1f", round.validationEnergyRMSE),
                 String(format: "%.0f", round.validationForceRMSE), String(round.flagged),
                 String(format: "%.2f – %.2f", round.scores.last ?? .nan, round.scores.first ?? .nan), String(format: "%.0f", round.seconds)]
            }
        }
        tables.append(StudyDocument.Table(
            caption: "Selection rounds: committee trained on the current set; validation RMSE of its mean (meV/atom, meV/Å); pool frames flagged (score > 1); scores of the frames added",
            header: ["selector", "round", "set size", "val. E RMSE", "val. F RMSE", "flagged", "scores added", "seconds"], rows: roundRows))
        return tables
    }

    func crossTables() -> [StudyDocument.Table] {
        [matrix("Test split: force RMSE (meV/Å), mean ± std over seeds", { $0.test.forceRMSE }),
         matrix("Test split: energy RMSE (meV/atom)", { $0.test.energyPerAtomRMSE }),
         matrix("Reference DMC MD frames (GFN2-xTB): force RMSE (meV/Å)", { $0.mdReference.forceRMSE }),
         matrix("Reference DMC MD frames: energy RMSE (meV/atom)", { $0.mdReference.energyPerAtomRMSE })]
    }

    func mdTables() -> [StudyDocument.Table] {
        var stability: [[String]] = []
        var bonds: [[String]] = [["reference (xTB MD)", "–"] + bondClasses.map { b in
            referenceBonds.first { $0.bond == b }.map { String(format: "%.3f (%.3f)", $0.mean, $0.std) } ?? "–"
        }]
        var shifts: [[String]] = []
        for a in architectures {
            for set in setNames {
                let runs = mdRuns(a, set)
                guard !runs.isEmpty else { continue }
                let times = Self.meanStd(runs.map(\.stableTime))
                stability.append([a, set, "\(runs.filter(\.stable).count)/\(runs.count)", Self.pm(times, 0),
                                  String(format: "%.0f", runs[0].requestedTime),
                                  runs.first { !$0.stable }?.reason ?? ""])
                bonds.append([a, set] + bondClasses.map { b in
                    let found = runs.compactMap { $0.bonds.first { $0.bond == b } }
                    guard !found.isEmpty else { return "–" }
                    let m = Self.meanStd(found.map(\.mean)).mean, s = Self.meanStd(found.map(\.std)).mean
                    return String(format: "%.3f (%.3f)", m, s)
                })
                shifts.append([a, set] + bondClasses.map { Self.pm(bondShift(a, set, $0), 1) })
            }
        }
        return [
            StudyDocument.Table(caption: "Langevin MD from the first reference frame: runs stable to the end, time until the first unphysical frame (fs, mean ± std over seeds)",
                                header: ["architecture", "training set", "stable runs", "stable time (fs)", "requested (fs)", "first failure"],
                                rows: stability, numericColumns: [2, 3, 4]),
            StudyDocument.Table(caption: "Bond lengths over the stable part of each run: mean (std) in Å, averaged over seeds",
                                header: ["model", "training set"] + bondClasses, rows: bonds, numericColumns: Set(2..<(2 + bondClasses.count))),
            StudyDocument.Table(caption: "Mean bond length minus the reference's, mÅ (mean ± std over seeds)",
                                header: ["architecture", "training set"] + bondClasses, rows: shifts,
                                numericColumns: Set(2..<(2 + bondClasses.count))),
        ]
    }

    /// The report: setup, sets, cross-evaluation, MD, reading.
    public func document(manifest: TransferabilityManifest, data: TransferabilityRunner.StudyData) -> StudyDocument {
        let m = manifest, sel = m.selection
        var doc = StudyDocument(experiment: m.experiment, description: m.description ?? "Training-set transferability between architectures.")
        let archs = m.architectures.map { a in
            "`\(a.name)` (\(a.model.kind ?? "ani")" + (a.model.widths.map { ", widths \($0)" } ?? "")
                + (a.model.width.map { ", width \($0)" } ?? "") + (a.model.interactions.map { ", \($0) interaction(s)" } ?? "")
                + (a.model.cutoff.map { ", cutoff \($0) Å" } ?? "") + ")"
        }.joined(separator: " and ")
        doc.section("setup", "Setup") {
            $0.text("Data: `\(m.data.train)` (\(data.frames.count) conformations) split once (seed \(m.split.seed ?? 0)) into a test split of \(data.test.count), a validation split of \(data.validation.count) (early stopping, selection thresholds) and a pool of \(data.pool.count). `\(m.data.mdReference)` (\(data.reference.count) frames of DMC from GFN2-xTB MD) is a second test set, the MD start and the bond-length reference.")
            $0.text("Architectures: \(archs). Every training run starts from random parameters (seeds \(m.trainingSeeds.map(String.init).joined(separator: ", "))), Adam, \(m.training.epochs) epochs at most, early stopping on the validation split; self-energies are the isolated-atom energies plus a least-squares per-element correction fitted on the training set itself.")
            $0.text("Sets (\(sel.finalSize) frames each): `random` is the first \(sel.finalSize) of a seeded shuffle of the pool; each `selected-by-<arch>` starts from the first \(sel.initial) of the same shuffle and adds \(sel.perRound) frames per round by query by committee: a committee of \(sel.committeeSeeds.count) \(sel.epochs)-epoch models of the selecting architecture scores every remaining pool frame by s = max(σ_E / (3·RMSE_E), σ_F / (6·RMSE_F)) (spreads per atom and largest force-component spread; RMSEs of the committee mean on the validation split), and the highest scores are added (flagged frames, s > 1, first; ties to the lower index).")
            $0.text(String(format: "MD: Langevin (BAOAB) at %.0f K, friction %.3g /fs, %d steps of %.2g fs from the first reference frame, one run per trained model; a run ends at the first unphysical frame (a starting bond beyond 1.5 × the covalent-radius sum, or two atoms closer than 0.6 Å). Bond lengths are sampled every %d steps over the stable part; C–O bonds shorter than %.2f Å in the starting geometry are C=O.",
                               m.md.temperature, m.md.friction ?? 0.01, m.md.steps, m.md.dt ?? 0.5, m.md.every ?? 10, TransferabilityRunner.carbonylLimit))
        }
        let counts = Dictionary(uniqueKeysWithValues: data.frames.indices.map { ($0, data.frames[$0].atomCount) })
        doc.section("sets", "Training sets") { s in setTables(frames: counts).forEach { s.table($0) } }
        doc.section("cross", "Cross-evaluation") { s in
            s.text("Each architecture (rows) trained on each set (columns).")
            crossTables().forEach { s.table($0) }
        }
        doc.section("md", "MD stability and bond lengths") { s in
            mdTables().forEach { s.table($0) }
            if let f = bondLengthFigure() { s.figure(f.chart, caption: f.caption) }
        }
        doc.section("reading", "Which sets help whom") { s in
            s.text(readingRule)
            reading().forEach { s.text($0) }
        }
        return doc
    }
}

extension TransferabilityRunner {
    /// Writes the report to `<root>/<experiment>/` with the run's CSVs as data.
    @discardableResult
    public func writeReport(_ results: TransferabilityResults, root: URL) throws -> URL {
        let doc = results.document(manifest: manifest, data: try loadData())
        return try doc.write(to: root, dataFiles: ["sets.csv", "cross.csv", "md.csv", "bonds.csv", "summary.md"]
            .map { runDirectory.appendingPathComponent($0) })
    }
}
