// The analysis stage of a study: PES scans and molecular dynamics with the refitted models.

import Foundation
import Analysis
import Autodiff
import Chemistry
import Datasets
import Potentials
import Simulation
import Training

/// The `analysis:` section of a study manifest. Every key is optional:
///
///     analysis:
///       n: [10, 450]               # refits to analyse (default: smallest and largest N)
///       seeds: [0]                 # default: the first refit seed
///       frame: 0                   # the structure: this conformation of the target's test set
///       scans: [torsion, stretch, bend]   # rigid scans of that structure (default: all three;
///                                  # [] for MD only, as periodic cells need)
///       torsion_step: 10           # degrees;   bend_step: 2 (degrees);   stretch_step: 0.02 (Å)
///       torsion_modes: [relaxed, rigid]   # relaxed: the dihedral held exactly, everything else
///                                  # relaxed with the model (RelaxedTorsionScan); rigid: one
///                                  # fragment turned, nothing relaxed (points may clash)
///       relax_fmax: 0.05           # eV/Å, projected-force threshold of each relaxed point
///       relax_steps: 300           # FIRE steps at most per relaxed point (each of two sweeps)
///       clash_factor: 1.0          # a point clashes when a non-bonded pair is nearer than
///                                  # this × the sum of their covalent radii (ContactCheck)
///       references: [acac-dihedral, acac-h-transfer]   # reference paths (names or files)
///       torsion_maps:              # 2-D relaxed maps of two dihedrals (TorsionMapSetting)
///         - {dihedrals: ["13 5 1 0", "5 13 14 17"], hold: [{dihedral: "14 13 5 1"}], step: 30}
///       md:
///         - {ensemble: nve, temperature: 300, steps: 2000, dt: 0.5, every: 10}
///         - {ensemble: langevin, temperature: 1200, steps: 4000, dt: 0.5, friction: 0.01}
///
/// The refits to analyse need `refit.save_models: true`. Results go to
/// `<run>/analysis/{scans,scan_metrics,md,md_metrics,torsion_maps,torsion_map_metrics}.csv`
/// (the schemas ``ScanResult``, ``StudyAnalysis/mdHeader`` and ``TorsionMapRecord`` define) and trajectories to `<run>/analysis/trajectories/`.
public struct AnalysisSettings: Codable, Sendable {
    public struct MDRun: Codable, Sendable {
        public var ensemble: String
        public var temperature: Double
        public var steps: Int
        public var dt: Double?
        public var friction: Double?
        public var every: Int?
        public var seed: UInt64?
    }
    public var n: [Int]?
    public var seeds: [UInt64]?
    public var frame: Int?
    public var scans: [String]?
    public var torsionStep: Double?
    public var bendStep: Double?
    public var stretchStep: Double?
    public var torsionModes: [String]?
    public var relaxFmax: Double?
    public var relaxSteps: Int?
    public var clashFactor: Double?
    public var references: [String]?
    public var md: [MDRun]?
    public var torsionMaps: [TorsionMapSetting]?
    enum CodingKeys: String, CodingKey {
        case n, seeds, frame, scans, references, md
        case torsionStep = "torsion_step", bendStep = "bend_step", stretchStep = "stretch_step"
        case torsionModes = "torsion_modes", relaxFmax = "relax_fmax", relaxSteps = "relax_steps", clashFactor = "clash_factor"
        case torsionMaps = "torsion_maps"
    }

    func check(file: String, refit: ExperimentManifest.Refit) throws {
        guard refit.saveModels == true else {
            throw DataError(file: file, item: "analysis", "needs the refitted models: set refit.save_models: true")
        }
        for n in self.n ?? [] where !refit.n.contains(n) {
            throw DataError(file: file, item: "analysis.n", "\(n) is not among refit.n \(refit.n)")
        }
        for s in seeds ?? [] where !(refit.seeds ?? [0]).contains(s) {
            throw DataError(file: file, item: "analysis.seeds", "\(s) is not among refit.seeds")
        }
        for kind in scans ?? [] where !["torsion", "stretch", "bend"].contains(kind) {
            throw DataError(file: file, item: "analysis.scans", "'\(kind)' is not torsion, stretch or bend")
        }
        for (key, value) in [("torsion_step", torsionStep), ("bend_step", bendStep), ("stretch_step", stretchStep)] {
            if let value, !(value > 0) { throw DataError(file: file, item: "analysis.\(key)", "must be positive") }
        }
        if let r = relaxSteps, r < 1 { throw DataError(file: file, item: "analysis.relax_steps", "must be ≥ 1") }
        if let f = relaxFmax, !(f > 0) { throw DataError(file: file, item: "analysis.relax_fmax", "must be positive (eV/Å)") }
        if let f = clashFactor, !(f > 0) { throw DataError(file: file, item: "analysis.clash_factor", "must be positive") }
        for mode in torsionModes ?? [] where !["relaxed", "rigid"].contains(mode) {
            throw DataError(file: file, item: "analysis.torsion_modes", "'\(mode)' is not relaxed or rigid")
        }
        if let modes = torsionModes, modes.isEmpty || Set(modes).count != modes.count {
            throw DataError(file: file, item: "analysis.torsion_modes", "give relaxed, rigid or both, once each")
        }
        try checkMaps(file: file)
        for (i, run) in (md ?? []).enumerated() {
            let item = "analysis.md[\(i)]"
            guard ["nve", "langevin"].contains(run.ensemble) else {
                throw DataError(file: file, item: "\(item).ensemble", "'\(run.ensemble)' is not nve or langevin")
            }
            guard run.steps >= 1, run.temperature >= 0, (run.dt ?? 0.5) > 0, (run.friction ?? 0.01) > 0, (run.every ?? 10) >= 1 else {
                throw DataError(file: file, item: item, "needs steps ≥ 1, temperature ≥ 0 K, dt > 0 fs, friction > 0 /fs, every ≥ 1")
            }
        }
    }
}

/// Runs the scans and MD of ``AnalysisSettings`` for every analysed refit of every variant.
///
/// Resumable and crash-safe. Each unit (one model's scans, or one MD run) writes its rows,
/// with headers, into its own folder `parts/<unit>.partial/`, renamed to `parts/<unit>/` when
/// complete: that one atomic rename is the unit's done marker, so a run killed at any point
/// redoes only unfinished units and never leaves half a unit's rows behind. Once every unit
/// is done, the study tables `scans.csv`, `scan_metrics.csv`, `md.csv` and `md_metrics.csv`
/// are assembled from the parts in unit order (the reference rows first) and each written
/// atomically, so they are the same for any `jobs`.
struct StudyAnalysis {
    static let mdHeader = "variant,n,seed,ensemble,time_fs,potential_eV,kinetic_eV,total_eV,temperature_K"
    static let mdMetricsHeader = "variant,n,seed,ensemble,temperature_K,steps,dt_fs,drift_meV_per_atom_per_ps,stable_time_fs,stable,max_bond_stretch,unphysical_reason"
    /// The assembled tables and their headers, in the order parts are searched for them.
    static let tables = [("scans.csv", ScanResult.scansHeader), ("scan_metrics.csv", ScanResult.metricsHeader),
                         ("md.csv", mdHeader), ("md_metrics.csv", mdMetricsHeader),
                         ("torsion_maps.csv", TorsionMapRecord.pointsHeader),
                         ("torsion_map_metrics.csv", TorsionMapRecord.metricsHeader)]

    let settings: AnalysisSettings
    let directory: URL
    let manifestPath: String
    let location: DataLocation
    let log: (String) -> Void
    /// How many scans or MD runs go at once (see `runConcurrently`).
    var jobs = 1

    var partsDirectory: URL { directory.appendingPathComponent("parts") }

    /// The refits analysed: (N, seed) pairs.
    func refits(_ refit: ExperimentManifest.Refit) -> [(n: Int, seed: UInt64)] {
        let ns = settings.n ?? Array(Set([refit.n.min()!, refit.n.max()!])).sorted()
        let seeds = settings.seeds ?? [(refit.seeds ?? [0])[0]]
        return ns.flatMap { n in seeds.map { (n, $0) } }
    }

    /// - Parameter skipping: failed refit units (`refit/<variant>/n<N>-seed<S>`): not analysed.
    func run(variants: [String], refitDirectory: URL, refit: ExperimentManifest.Refit, structure: Conformation,
             skipping: Set<String> = []) throws {
        let paths = try scanPaths(structure), maps = try mapPlans(structure)
        // Units: each analysed model's scans, each of its MD runs and each of its torsion
        // maps, on up to `jobs` threads, each into its own part.
        enum Job { case scans, md(Int), map(Int) }
        var units: [(variant: String, n: Int, seed: UInt64, model: String, job: Job)] = []
        for variant in variants {
            for (n, seed) in refits(refit) where !skipping.contains(ExperimentRunner.refitUnit(variant, n: n, seed: seed)) {
                let model = refitDirectory.appendingPathComponent("\(variant)/n\(n)-seed\(seed).model.json").path
                guard FileManager.default.fileExists(atPath: model) else {
                    throw DataError(file: model, "missing: the refit was run without refit.save_models")
                }
                units.append((variant, n, seed, model, .scans))
                units += (settings.md ?? []).indices.map { (variant, n, seed, model, .md($0)) }
                units += maps.indices.map { (variant, n, seed, model, .map($0)) }
            }
        }
        let names = units.map { unit -> String in
            let suffix = switch unit.job { case .scans: ".scans"; case .md(let i): ".md\(i)"; case .map(let i): ".map\(i)" }
            return "\(unit.variant)-n\(unit.n)-seed\(unit.seed)" + suffix
        }
        try discardIfSettingsChanged()
        if try earlierLayoutIsComplete(names) { return }
        try FileManager.default.createDirectory(at: partsDirectory, withIntermediateDirectories: true)
        try part("reference") { staging in
            try ScanCSVWriter(directory: staging).append(paths.compactMap { ScanResult.reference($0.path) })
        }
        let counter = UnitCounter(stage: "analysis", total: units.count, jobs: jobs, log: log)
        try runConcurrently(units.count, jobs: jobs) { k in
            defer { counter.finished(names[k]) }
            let (variant, n, seed, model, job) = units[k]
            let label = "\(variant)-n\(n)-seed\(seed)"
            try part(names[k]) { staging in
                let start = Date()
                let (potential, parameters) = try ModelFile.load(path: model)
                switch job {
                case .scans: break
                case .md(let i):
                    let run = settings.md![i]
                    try molecularDynamics(run, potential: potential, parameters: parameters, structure: structure,
                                          variant: variant, n: n, seed: seed, label: "\(label)-md\(i)-\(run.ensemble)", into: staging)
                    return
                case .map(let i):
                    try torsionMap(maps[i], potential: potential, parameters: parameters, variant: variant, n: n, seed: seed,
                                   label: label, into: staging)
                    return
                }
                let evaluator = ScanEvaluator(potential: potential, parameters: parameters)
                let relaxer = RelaxedTorsionScan(calculator: PotentialCalculator(potential: potential, parameters: parameters),
                                                 fmax: settings.relaxFmax ?? 0.05, maxSteps: settings.relaxSteps ?? 300)
                let clash = settings.clashFactor ?? 1.0
                var results: [ScanResult] = []
                for planned in paths {
                    var path = planned.path
                    if let bond = planned.relaxedBond, let builder = planned.builder {
                        path = try relaxer.scan(builder, bond: bond, step: settings.torsionStep ?? 10)
                    }
                    let curve = try evaluator.evaluate(path, file: model, clashFactor: clash)
                    if let why = curve.contactsAbsentReason { log("[analysis] \(label) \(path.name): no closest-contact column: \(why)") }
                    results.append(ScanResult(curve: curve, variant: variant, n: n, seed: seed, clashFactor: clash))
                }
                try ScanCSVWriter(directory: staging).append(results)
                let spurious = results.map { max(0, $0.metrics.spuriousExtrema) }.reduce(0, +)
                log(String(format: "[analysis] %@: %d scans, %d spurious extrema, %.0f s", label, results.count, spurious,
                           Date().timeIntervalSince(start)))
            }
        }
        try assemble(["reference"] + names)
    }

    /// The record of what the analysis was computed with: its settings and the table
    /// schemas. When it differs from `analysis/settings.json` (the `analysis:` section was
    /// edited, or a new version changed the tables), every part, table and trajectory is
    /// discarded so that nothing computed with other settings is kept; then it is written.
    private func discardIfSettingsChanged() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        struct Record: Encodable { var settings: AnalysisSettings; var tables: [String] }
        let record = try encoder.encode(Record(settings: settings, tables: Self.tables.map(\.1)))
        let url = directory.appendingPathComponent("settings.json"), manager = FileManager.default
        if manager.fileExists(atPath: directory.path) {
            if let old = try? Data(contentsOf: url), old == record { return }
            log("[analysis] settings or table schemas differ from the recorded ones: discarding earlier analysis results")
            for name in ["parts", "done", "trajectories", "settings.json"] + Self.tables.map(\.0) {
                let item = directory.appendingPathComponent(name)
                if manager.fileExists(atPath: item.path) { try manager.removeItem(at: item) }
            }
        }
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        try writeAtomically(record, to: url.path)
    }

    /// Runs `body` on a fresh staging folder unless `parts/<name>/` exists, then renames the
    /// staging folder to `parts/<name>/`.
    private func part(_ name: String, _ body: (URL) throws -> Void) throws {
        let manager = FileManager.default
        let done = partsDirectory.appendingPathComponent(name), staging = partsDirectory.appendingPathComponent(name + ".partial")
        guard !manager.fileExists(atPath: done.path) else { return }
        if manager.fileExists(atPath: staging.path) { try manager.removeItem(at: staging) }
        try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        try body(staging)
        try manager.moveItem(at: staging, to: done)
    }

    /// Writes each study table as the concatenation of the parts' rows, in `names` order.
    private func assemble(_ names: [String]) throws {
        for (table, header) in Self.tables {
            var text = header + "\n", found = false
            for name in names {
                let url = partsDirectory.appendingPathComponent("\(name)/\(table)")
                guard FileManager.default.fileExists(atPath: url.path) else { continue }
                let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
                guard lines.first.map(String.init) == header else {
                    throw DataError(file: url.path, item: "line 1", "header is not '\(header)'; delete the part to redo it")
                }
                text += lines.dropFirst().map { $0 + "\n" }.joined()
                found = true
            }
            if found { try text.write(to: directory.appendingPathComponent(table), atomically: true, encoding: .utf8) }
        }
    }

    /// Whether this analysis was finished by a version that appended to the tables directly
    /// and marked units in `done/`: then its tables stand. A partly finished one is redone
    /// in parts (its tables are replaced when the parts are assembled).
    private func earlierLayoutIsComplete(_ names: [String]) throws -> Bool {
        let done = directory.appendingPathComponent("done"), manager = FileManager.default
        guard manager.fileExists(atPath: done.path), !manager.fileExists(atPath: partsDirectory.path) else { return false }
        if names.allSatisfy({ manager.fileExists(atPath: done.appendingPathComponent($0).path) }) {
            log("[analysis] complete (written by an earlier version; tables kept)")
            return true
        }
        log("[analysis] partly done by an earlier version: redoing every unit")
        return false
    }

    /// One planned scan: a path to evaluate as it is, or (relaxed torsions) the rigid path
    /// whose bond is relaxed with each model.
    struct PlannedScan {
        var path: ScanPath
        var relaxedBond: RotatableBond? = nil
        var builder: ScanBuilder? = nil
    }

    func scanPaths(_ structure: Conformation) throws -> [PlannedScan] {
        let kinds = settings.scans ?? ["torsion", "stretch", "bend"]
        // `scans: []` without references: MD only (the scans need a molecule; periodic
        // cells such as mlearn Si/Ge are analysed by MD alone).
        if kinds.isEmpty && (settings.references ?? []).isEmpty { return [] }
        let builder = try ScanBuilder(structure, file: manifestPath, item: "analysis.frame")
        var paths: [PlannedScan] = []
        if kinds.contains("torsion") {
            let step = settings.torsionStep ?? 10
            for bond in builder.rotatableBonds() {
                for mode in settings.torsionModes ?? ["relaxed", "rigid"] {
                    let rigid = builder.torsionScan(bond, step: step)
                    paths.append(mode == "relaxed" ? PlannedScan(path: rigid, relaxedBond: bond, builder: builder) : PlannedScan(path: rigid))
                }
            }
        }
        if kinds.contains("stretch") { paths += builder.stretchScans(step: settings.stretchStep ?? 0.02).map { PlannedScan(path: $0) } }
        if kinds.contains("bend") { paths += builder.bendScans(step: settings.bendStep ?? 2).map { PlannedScan(path: $0) } }
        for name in settings.references ?? [] {
            if let relative = ReferenceScan.named[name] {
                let file = try location.path(of: relative, recipe: "\(manifestPath): analysis.references")
                paths.append(PlannedScan(path: name == "acac-dihedral" ? try ReferenceScan.acacDihedral(path: file)
                                                                       : try ReferenceScan.acacHydrogenTransfer(path: file)))
            } else {
                paths.append(PlannedScan(path: try ReferenceScan.load(path: try location.path(of: name, nextTo: manifestPath))))
            }
        }
        return paths
    }

    /// One MD run: rows every `every` steps into `part`/md.csv, one row into
    /// `part`/md_metrics.csv, the trajectory (same frames) into trajectories/<label>.xyz. Stops at the first
    /// unphysical frame (``StabilityDetector``'s rule).
    func molecularDynamics(_ run: AnalysisSettings.MDRun, potential: any AtomisticPotential, parameters: ParameterSet<Float>,
                           structure: Conformation, variant: String, n: Int, seed: UInt64, label: String, into part: URL) throws {
        let start = Date()
        let bath: Thermostat = run.ensemble == "nve" ? .none
            : .langevin(temperature: run.temperature, friction: run.friction ?? 0.01)
        let dt = run.dt ?? 0.5, every = run.every ?? 10
        let watched = try WatchedRun(structure, calculator: PotentialCalculator(potential: potential, parameters: parameters),
                                     settings: .init(thermostat: bath, temperature: run.temperature, steps: run.steps,
                                                     timeStep: dt, seed: run.seed ?? seed, every: every))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("trajectories"), withIntermediateDirectories: true)
        let trajectory = try TrajectoryWriter(path: directory.appendingPathComponent("trajectories/\(label).xyz").path)
        var rows: [String] = []
        let outcome = try watched.run { state, event in
            let s = state.sample
            rows.append([variant, String(n), String(seed), run.ensemble, String(format: "%.3f", s.time),
                         String(format: "%.8f", s.potentialEnergy), String(format: "%.8f", s.kineticEnergy),
                         String(format: "%.8f", s.totalEnergy), String(format: "%.3f", s.temperature)].joined(separator: ","))
            if let reason = event.instability {
                // The first unphysical frame is kept, labelled with why.
                try trajectory.write(state, info: ["time_fs": String(state.time), "step": String(state.step),
                                                                "unphysical": reason.description])
            } else {
                try trajectory.write(state, info: ["time_fs": String(state.time), "step": String(state.step)])
            }
        }
        let samples = outcome.samples, last = samples.last!
        let unstableAt = outcome.instability?.sample.time, maxStretch = outcome.maxBondStretch
        let drift = run.ensemble == "nve" ? EnergyDrift(samples: samples, atomCount: structure.atomCount).slope : nil
        let metrics = [variant, String(n), String(seed), run.ensemble, String(run.temperature), String(last.step), String(dt),
                       drift.map { String(format: "%.5f", $0) } ?? "", String(format: "%.2f", unstableAt ?? last.time),
                       unstableAt == nil ? "true" : "false", String(format: "%.4f", maxStretch),
                       outcome.instability.map { "\"\($0.reason.description.replacingOccurrences(of: "\"", with: "'"))\"" } ?? ""].joined(separator: ",")
        try Self.writeTable(rows, header: Self.mdHeader, to: part.appendingPathComponent("md.csv"))
        try Self.writeTable([metrics], header: Self.mdMetricsHeader, to: part.appendingPathComponent("md_metrics.csv"))
        log(String(format: "[analysis] %@: %@ %.0f K, %@ after %.0f fs%@, largest bond stretch ×%.2f, %.0f s", label, run.ensemble,
                   run.temperature, unstableAt == nil ? "stable" : "unphysical", unstableAt ?? last.time,
                   drift.map { String(format: ", drift %+.3f meV/atom/ps", $0) } ?? "", maxStretch, Date().timeIntervalSince(start)))
    }

    /// Writes a CSV table: `header`, then `rows` (a part's staging folder is fresh, so there is
    /// nothing to append to).
    static func writeTable(_ rows: [String], header: String, to url: URL) throws {
        try ([header] + rows).map { $0 + "\n" }.joined().write(to: url, atomically: true, encoding: .utf8)
    }
}
