import Analysis
import ArgumentParser
import Chemistry
import Datasets
import Foundation
import Potentials
import Simulation
import Training

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "PES scans of a model: relaxed or rigid torsion scans, stretch and bend scans of a structure, or reference scans.",
        discussion: """
            Appends one row per point to DIR/scans.csv and one row per scan to \
            DIR/scan_metrics.csv, and prints the metrics.

              metamlip scan model.json mol.xyz --frame 0 --kind torsion --step 5 -o scans/
              metamlip scan model.json --reference acac-dihedral -o scans/

            Torsions turn every rotatable bond through 360°. By default they are \
            relaxed: the dihedral is held exactly and every other coordinate relaxed \
            with the model (projected FIRE, --relax-fmax, --relax-steps); --rigid turns \
            one fragment and relaxes nothing (points where non-bonded atoms come \
            closer than --clash-factor × their covalent-radius sum are flagged). \
            Stretches take one bond per bond type from 0.7 to 3 times its length; \
            bends one angle per angle type from 60° to 180° (both rigid).

            References: acac-dihedral and acac-h-transfer (under the data root), or \
            an extended-XYZ file whose frames carry dihedral="i j k l" (0-based) and \
            energy= (eV): the model is evaluated on its geometries and compared point \
            by point. --write-xyz DIR writes every scan's geometries in that format \
            (model energies as model_energy=) for recomputing with a QM code. \
            Derivatives are per radian (torsions, bends) or per Å (stretches, proton \
            transfer); the consistency compares F·dR/ds with a fine difference of E \
            at every point, so it does not depend on the step.

            A 2-D relaxed torsion map instead of the scans: two --map dihedrals on a \
            --map-step grid, optional --hold dihedrals fixed (at "i j k l=angle", or \
            at the minimum's angle), every other coordinate relaxed at each point; \
            rows go to DIR/torsion_maps.csv and DIR/torsion_map_metrics.csv.

              metamlip scan model.json 3bpa.xyz --map "13 5 1 0" --map "5 13 14 17" \\
                  --hold "14 13 5 1" --map-step 30 -o maps/
            """)

    @Argument(help: "The model file (JSON).")
    var model: String
    @Argument(help: "An XYZ / extended-XYZ file with the structure to scan.")
    var structure: String?
    @Option(help: "Frame of the structure file (0-based).")
    var frame = 0
    @Option(help: "Scans to run on the structure: torsion, stretch, bend or all.")
    var kind = "all"
    @Option(help: "Angle step of torsion and bend scans, degrees (default 10 for torsions, 2 for bends).")
    var step: Double?
    @Flag(help: "Rigid torsion scans (one fragment turned, nothing relaxed) instead of relaxed ones.")
    var rigid = false
    @Flag(help: "Relaxed torsion scans (the default; stated for scripts that name the mode).")
    var relaxed = false
    @Option(help: "Relaxed torsions: largest projected force left at each point, eV/Å.")
    var relaxFmax = 0.05
    @Option(help: "Relaxed torsions: most FIRE steps per point.")
    var relaxSteps = 300
    @Option(help: "A point clashes when a non-bonded pair is nearer than this × their covalent-radius sum.")
    var clashFactor = 1.0
    @Option(help: "Write each scan's geometries as a reference-scan extended-XYZ file into this directory.")
    var writeXyz: String?
    @Option(help: "Step of stretch scans, Å.")
    var stretchStep = 0.02
    @Flag(help: "Leave out terminal rotors (CH3, NH2, OH) from torsion scans.")
    var backboneOnly = false
    @Option(help: "A reference scan: acac-dihedral, acac-h-transfer, or an extended-XYZ path file.")
    var reference: String?
    @Option(name: .shortAndLong, help: "Output directory for scans.csv and scan_metrics.csv.")
    var output: String
    @Option(help: "The model's name in the tables (default: the model file name).")
    var variant: String?
    @Option(help: "Training-set size of the model, for the tables.")
    var n: Int?
    @Option(help: "Seed of the model, for the tables (default: the model file's provenance).")
    var seed: UInt64?
    @Option(help: "Highest smooth harmonic M (high-frequency share and smooth fit).")
    var cutoffHarmonic = 6
    @Option(name: .customLong("tolerance-mev"), help: "Least prominence of a counted extremum, meV.")
    var toleranceMeV = 1.0
    @Option(help: "A dihedral \"i j k l\" (0-based) of a 2-D torsion map; give it twice (φ₁, then φ₂).")
    var map: [String] = []
    @Option(help: "A dihedral held during the map: \"i j k l\" (at the minimum's angle) or \"i j k l=120\".")
    var hold: [String] = []
    @Option(help: "Grid step of the torsion map, degrees (360/step points per axis).")
    var mapStep = 30.0
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard structure != nil || reference != nil else {
            throw ValidationError("give a STRUCTURE file or --reference")
        }
        guard ["torsion", "stretch", "bend", "all"].contains(kind) else {
            throw ValidationError("--kind must be torsion, stretch, bend or all")
        }
        if let step, !(step > 0 && step <= 180) { throw ValidationError("--step must lie in (0, 180] degrees") }
        guard stretchStep > 0 else { throw ValidationError("--stretch-step must be positive") }
        guard frame >= 0 else { throw ValidationError("--frame must be 0 or more") }
        guard !(rigid && relaxed) else { throw ValidationError("--rigid and --relaxed exclude each other") }
        guard relaxFmax > 0 else { throw ValidationError("--relax-fmax must be positive") }
        guard relaxSteps >= 1 else { throw ValidationError("--relax-steps must be at least 1") }
        guard clashFactor > 0 else { throw ValidationError("--clash-factor must be positive") }
        try validateMap()
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        logging.configure()
        let console = Console.shared
        try MetaMLIP.reportingErrors {
            guard FileManager.default.fileExists(atPath: model) else { throw DataError(file: model, "file does not exist") }
            let file = try ModelFile.read(path: model)
            let (potential, parameters) = try file.model(file: model)
            console.debug(modelSummary(model, potential, parameters))
            let evaluator = ScanEvaluator(potential: potential, parameters: parameters)
            let name = variant ?? Self.variantName(model)
            let modelSeed = seed ?? file.provenance?.seed
            let options = ScanMetricOptions(cutoffHarmonic: cutoffHarmonic, extremumTolerance: toleranceMeV / 1000)

            var paths = [ScanPath]()
            if let structure {
                let conformation = try StructureFile.read(path: structure, frame: frame)
                let missing = potential.unsupported(conformation.atomicNumbers)
                guard missing.isEmpty else {
                    throw DataError(file: structure, item: "frame \(frame)",
                                    "elements \(missing.map { Element.symbol(for: $0) }.joined(separator: " ")) are not in the model \(model)")
                }
                let builder = try ScanBuilder(conformation, file: structure, item: "frame \(frame)")
                if !map.isEmpty {
                    try runMap(builder, calculator: PotentialCalculator(potential: potential, parameters: parameters),
                               variant: name, seed: modelSeed)
                    return
                }
                if kind == "torsion" || kind == "all" {
                    let bonds = builder.rotatableBonds(includingTerminalRotors: !backboneOnly)
                    if bonds.isEmpty && kind == "torsion" {
                        throw DataError(file: structure, item: "frame \(frame)",
                                        "no rotatable bonds (acyclic bonds whose ends both have two or more neighbours)")
                    }
                    if rigid {
                        paths += bonds.map { builder.torsionScan($0, step: step ?? 10) }
                    } else {
                        let relaxer = RelaxedTorsionScan(calculator: PotentialCalculator(potential: potential, parameters: parameters),
                                                         fmax: relaxFmax, maxSteps: relaxSteps)
                        for bond in bonds {
                            let start = Date()
                            let path = try relaxer.scan(builder, bond: bond, step: step ?? 10)
                            let r = path.relaxation ?? []
                            console.info(String(format: "relaxed %@ (%d points, %d not converged, %d with a relaxation ending in a clash, largest dihedral residual %.1e°, %.0f s)",
                                         path.name, path.count, r.filter { !$0.converged }.count, r.filter { $0.clashingCandidates > 0 }.count,
                                         r.map(\.heldResidual).max() ?? 0, Date().timeIntervalSince(start)))
                            paths.append(path)
                        }
                    }
                }
                if kind == "stretch" || kind == "all" { paths += builder.stretchScans(step: stretchStep) }
                if kind == "bend" || kind == "all" { paths += builder.bendScans(step: step ?? 2) }
            }
            if let reference {
                let location = DataLocation.resolve()
                if let relative = ReferenceScan.named[reference] {
                    let path = try location.path(of: relative, recipe: "--reference \(reference)")
                    guard FileManager.default.fileExists(atPath: path) else { throw DataError(file: path, "file does not exist") }
                    paths.append(reference == "acac-dihedral" ? try ReferenceScan.acacDihedral(path: path)
                                                              : try ReferenceScan.acacHydrogenTransfer(path: path))
                } else {
                    paths.append(try ReferenceScan.load(path: reference))
                }
            }

            let writer = try ScanCSVWriter(directory: URL(fileURLWithPath: output))
            var results = [ScanResult]()
            for path in paths {
                if let ref = ScanResult.reference(path, options: options),
                   try !writer.containsMetrics(scan: path.name, variant: ScanResult.referenceVariant) {
                    results.append(ref)
                }
                let started = Date()
                let curve = try evaluator.evaluate(path, file: model, clashFactor: clashFactor)
                console.debug(String(format: "evaluated %@ (%d points) in %.2f s", path.name, path.count, Date().timeIntervalSince(started)))
                if let why = curve.contactsAbsentReason { console.info("note: \(path.name): no closest-contact column: \(why)") }
                results.append(ScanResult(curve: curve, variant: name, n: n, seed: modelSeed, options: options,
                                          clashFactor: clashFactor))
                if let writeXyz {
                    try FileManager.default.createDirectory(atPath: writeXyz, withIntermediateDirectories: true)
                    let file = URL(fileURLWithPath: writeXyz)
                        .appendingPathComponent("\(path.name.replacingOccurrences(of: ":", with: "_"))-\(path.mode.rawValue).xyz").path
                    try ReferenceScan.write(path, modelEnergies: curve.energies, to: file)
                }
            }
            try writer.append(results)
            Self.printTable(results)
            console.info("appended \(results.reduce(0) { $0 + $1.coordinates.count }) rows to \(writer.scansPath) and \(results.count) to \(writer.metricsPath)")
        }
    }

    /// "reptile" for "runs/reptile.model.json".
    static func variantName(_ path: String) -> String {
        var stem = URL(fileURLWithPath: path).lastPathComponent
        for suffix in [".json", ".model"] where stem.hasSuffix(suffix) { stem.removeLast(suffix.count) }
        return stem.isEmpty ? "model" : stem
    }

    static func printTable(_ results: [ScanResult]) {
        func f(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "-" }
        func row(_ cells: [String]) -> String {
            let widths = [-30, -12, 6, 11, 7, 4, 4, 5, 10, 9, 10]
            return zip(cells, widths).map { cell, w in
                let pad = String(repeating: " ", count: max(0, abs(w) - cell.count))
                return w < 0 ? cell + pad : pad + cell
            }.joined(separator: " ")
        }
        Console.shared.result(row(["scan", "variant", "points", "roughness", "hf", "ext", "ref", "spur", "consist", "ref meV", "range meV"]))
        for r in results {
            let m = r.metrics
            Console.shared.result(row([r.scan, r.variant, String(m.points), f(m.roughness, "%.4g"), f(m.highFrequencyShare, "%.4f"),
                       String(m.extrema), String(m.referenceExtrema), String(m.spuriousExtrema),
                       f(m.consistencyRMSE, "%.3g"), f(m.referenceRMSE, "%.2f"), f(m.energyRange, "%.1f")]))
        }
    }
}
