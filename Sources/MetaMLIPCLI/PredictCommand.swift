import ArgumentParser
import Chemistry
import Foundation
import Potentials
import Simulation
import Training

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Energies and forces of a model (or a committee, with --with) for every structure of a data file, as extended XYZ.",
        discussion: """
            Each frame of the output keeps the structure (positions, cell, pbc), the reference labels \
            (as `energy` and `forces`, in eV and eV/Å whatever their name and unit in the data file) and \
            the other comment-line keys of the input, and adds MetaMLIP_energy (eV) on the comment line \
            and a MetaMLIP_forces column (eV/Å); with --with, the committee mean of all the models, \
            MetaMLIP_energy_std (eV, sample std of the members' total energies) and a \
            MetaMLIP_forces_std column (eV/Å, per atom and component). A frame whose cell is periodic in \
            all three directions also gets MetaMLIP_stress (eV/Å³, ASE's stress −W/V in Voigt order \
            xx yy zz yz xz xy, the committee mean with --with); other frames have none. Evaluation is in Float64, as \
            `md`, `optimize` and the C library (libmetamlip-c) evaluate. Isolated-atom frames are skipped, \
            as `evaluate` skips them. With labels, the energy and force errors are printed. \
            ase.io.read(OUT, index=':') reads the file.
            """)

    @Argument(help: "The model file (JSON, as `metamlip train` writes it).")
    var model: String
    @Argument(help: "A data file (extended XYZ, HDF5, .npz, mlearn JSON); with --no-labels, an extended or plain XYZ file.")
    var data: String
    @Option(name: .customLong("with"), help: "A further model file; the committee of all the models predicts (repeatable).")
    var others: [String] = []
    @Option(name: .shortAndLong, help: "The extended XYZ file to write.")
    var output: String
    @OptionGroup var reader: DataReaderOptions
    @Flag(help: "Read structures without reference labels (every frame of an extended or plain XYZ file, as `md` does); no errors are printed.")
    var noLabels = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if noLabels, !reader.isEmpty {
            throw ValidationError("--no-labels reads extended or plain XYZ without labels: drop --format, --energy-key, --forces-key, --energy-unit and --npz-keys")
        }
    }

    func run() throws {
        logging.configure()
        let console = Console.shared
        try MetaMLIP.reportingErrors {
            let structures = noLabels ? try readStructures(path: data)
                                      : try readConformations(path: data, options: reader.openerOptions()).conformations
            guard !structures.isEmpty else { throw DataError(file: data, "no structures to predict (only isolated atoms?)") }
            let committee = try Self.committee([model] + others)
            let members = committee.members
            let t0 = Date()
            // Every frame is predicted before the output is created: a bad frame leaves no partial file.
            var predictions: [CommitteeEvaluation] = []
            predictions.reserveCapacity(structures.count)
            for (k, s) in structures.enumerated() {
                let item = s.properties["frame"].map { "frame \($0)" } ?? "structure \(k)"
                try committee.checkElements(s.atomicNumbers, file: data, item: item)
                do {
                    predictions.append(try committee.predict(atomicNumbers: s.atomicNumbers, positions: s.positions, cell: s.cell,
                                                             withVirial: Virial.stressUnavailableReason(cell: s.cell) == nil))
                } catch let error as DataError {
                    throw DataError(file: data, item: item, "cannot evaluate: \(error)")
                }
            }
            let seconds = Date().timeIntervalSince(t0)
            var text = ""
            for (s, p) in zip(structures, predictions) {
                text += PredictionFrame.text(s, p, labelled: !noLabels, committee: members.count > 1)
            }
            try writeAtomically(Data(text.utf8), to: output)
            console.info(String(format: "%@: %d structures with %@ in %.2f s (%.1f ms each)", data, structures.count,
                         members.count == 1 ? model : "a committee of \(members.count) models", seconds,
                         1000 * seconds / Double(structures.count)))
            if !noLabels { printErrors(structures, predictions) }
            if members.count > 1 {
                let meanStd = predictions.map(\.energyStd).reduce(0, +) / Double(predictions.count)
                let maxForceStd = predictions.flatMap { $0.forcesStd.map { max($0.x, $0.y, $0.z) } }.max() ?? 0
                console.result(String(format: "committee spread: mean energy std %.2f meV, largest force std %.2f meV/Å",
                             1000 * meanStd, 1000 * maxForceStd))
            }
            console.info("wrote \(output)")
        }
    }

    /// Prints energy RMSE/MAE (meV, meV/atom) and force RMSE/MAE (meV/Å) against the labels.
    private func printErrors(_ structures: [Conformation], _ predictions: [CommitteeEvaluation]) {
        let forces: [[Double]?] = zip(structures, predictions).map { s, p in
            s.forces == nil ? nil : p.forces.flatMap { [$0.x, $0.y, $0.z] }
        }
        let metrics = Predictions(energies: predictions.map(\.energy), forces: forces).metrics(against: structures)
        Console.shared.result("errors against the reference labels (\(metrics.conformationCount) structures):")
        printMetrics(metrics)
    }
}

/// One frame of `metamlip predict` output as extended-XYZ text.
enum PredictionFrame {
    /// Keys the frame writes itself; input keys of these names are not copied.
    static let reserved: Set<String> = ["Properties", "Lattice", "pbc", "energy", "MetaMLIP_energy", "MetaMLIP_energy_std",
                                        "MetaMLIP_stress"]

    /// `structure` with its labels (when `labelled`) and `prediction` (and its spread for a `committee`;
    /// its stress when the prediction has a virial and the cell is periodic in a, b and c).
    static func text(_ structure: Conformation, _ prediction: CommitteeEvaluation, labelled: Bool, committee: Bool) -> String {
        let referenceForces = labelled ? structure.forces : nil
        var properties = "species:S:1:pos:R:3"
        if referenceForces != nil { properties += ":forces:R:3" }
        properties += ":MetaMLIP_forces:R:3"
        if committee { properties += ":MetaMLIP_forces_std:R:3" }
        var comment = "Properties=\(properties)"
        if labelled { comment += " energy=\(format(structure.energy))" }
        comment += " MetaMLIP_energy=\(format(prediction.energy))"
        if committee { comment += " MetaMLIP_energy_std=\(format(prediction.energyStd))" }
        if let stress = prediction.virial?.stress(in: structure.cell) {
            comment += " MetaMLIP_stress=\"" + stress.map(format).joined(separator: " ") + "\""
        }
        for key in structure.properties.keys.sorted() where !reserved.contains(key) && isPlainKey(key) {
            comment += " \(key)=\(quoted(structure.properties[key]!))"
        }
        if let cell = structure.cell {
            comment += " Lattice=\"" + cell.vectors.flatMap { [$0.x, $0.y, $0.z] }.map(format).joined(separator: " ") + "\""
            comment += " pbc=\"" + cell.periodic.map { $0 ? "T" : "F" }.joined(separator: " ") + "\""
        } else {
            comment += " pbc=\"F F F\""
        }
        var lines = ["\(structure.atomCount)", comment]
        for (i, z) in structure.atomicNumbers.enumerated() {
            var row = [Element.symbol(for: z)] + triple(structure.positions[i])
            if let referenceForces { row += triple(referenceForces[i]) }
            row += triple(prediction.forces[i])
            if committee { row += triple(prediction.forcesStd[i]) }
            lines.append(row.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func triple(_ v: SIMD3<Double>) -> [String] { [format(v.x), format(v.y), format(v.z)] }

    /// Shortest text that reads back as the same Double.
    private static func format(_ x: Double) -> String { x.description }

    /// A key extended XYZ can hold unquoted (letters, digits, `_`, `-`, `.`).
    private static func isPlainKey(_ key: String) -> Bool {
        !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// A value quoted when it holds spaces or `=` (a value with a double quote is single-quoted).
    private static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" || $0 == "\t" }) else { return value }
        return value.contains("\"") ? "'\(value.replacingOccurrences(of: "'", with: ""))'" : "\"\(value)\""
    }
}

extension PredictCommand {
    /// The model files at `paths` (checked to exist) as one committee; a single path is a
    /// committee of one (`predict`, `serve`).
    static func committee(_ paths: [String]) throws -> CommitteeCalculator {
        let members = try paths.map { path -> PotentialCalculator in
            try InputFile.requireRegularFile(path)
            let (potential, parameters) = try ModelFile.load(path: path)
            Console.shared.debug(modelSummary(path, potential, parameters))
            return PotentialCalculator(potential: potential, parameters: parameters)
        }
        return CommitteeCalculator(members: members)
    }
}
