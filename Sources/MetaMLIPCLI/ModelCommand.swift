import ArgumentParser
import Autodiff
import Chemistry
import Foundation
import Potentials
import Training
import Yams

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Bring trained models from elsewhere into MetaMLIP model files.",
        subcommands: [ImportANI1x.self, ImportDeepMD.self])
}

extension ModelCommand {
    struct ImportANI1x: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-ani1x",
            abstract: "Import the trained ANI-1x 8-network ensemble (NeuroChem files) as one model file per member.",
            discussion: """
                DIR is torchani/resources/ani-1x_8x from the torchani 2.2.4 wheel (MIT licence): \
                `pip download --no-deps torchani==2.2.4 -d wheels && unzip -q wheels/torchani-2.2.4-py3-none-any.whl -d wheels/torchani`, \
                then DIR = wheels/torchani/torchani/resources/ani-1x_8x. Writes PREFIX-0.json … PREFIX-7.json \
                (energies eV, forces eV/Å; Hartree converted with TorchANI's 27.211386024367243 eV/Ha), usable alone \
                or as a committee: `metamlip predict OUT/ani1x-0.json DATA --with OUT/ani1x-1.json … -o PRED.xyz`.
                """)

        @Argument(help: "The NeuroChem ensemble directory (torchani/resources/ani-1x_8x).")
        var directory: String
        @Option(name: .shortAndLong, help: "The directory to write the model files into (created if needed).")
        var output: String
        @Option(help: "File name prefix: PREFIX-k.json for member k.")
        var prefix = "ani1x"

        func run() throws {
            try MetaMLIP.reportingErrors {
                let (ensemble, paths) = try NeuroChemImport.writeANI1x(directory: directory, outputDirectory: output, prefix: prefix)
                let widths = ensemble.memberWidths[0].keys.sorted()
                    .map { "\(Element.symbol(for: $0)) \(ensemble.memberWidths[0][$0]!.map(String.init).joined(separator: "-"))" }
                print("read \(ensemble.count) members from \(directory): AEV \(ensemble.aev.featureCount) features, networks "
                      + widths.joined(separator: ", ") + ", CELU α = 0.1")
                for path in paths { print("wrote \(path)") }
            }
        }
    }
}

extension ModelCommand {
    struct ImportDeepMD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-deepmd",
            abstract: "Import a deepmd-kit se_e2_a energy model (deepmd-kit's native model dictionary) as a model file.",
            discussion: """
                FILE is deepmd-kit's native model dictionary: the .yaml (or .yml) file `dp convert-backend MODEL.pth MODEL.yaml` \
                writes, or the same dictionary as JSON (e.g. `json.dump` of `model.serialize()` with arrays as lists). Writes a MetaMLIP model of kind deeppot with \
                deepmd-kit's out_bias + bias_atom_e as its self-energies (eV); parameters are stored in single precision, \
                as for every MetaMLIP model file. See DeepMDModelReader for what is refused.
                """)

        @Argument(help: "deepmd-kit's model dictionary (.yaml/.yml, else JSON).")
        var file: String
        @Option(name: .shortAndLong, help: "The model file to write.")
        var output: String

        /// The model of a JSON or YAML (by extension) deepmd-kit model dictionary.
        static func read(_ path: String) throws -> (potential: DeepPotPotential, parameters: ParameterSet<Double>) {
            guard path.hasSuffix(".yaml") || path.hasSuffix(".yml") else { return try DeepMDModelReader.read(path: path) }
            let text = String(decoding: try InputFile.read(path), as: UTF8.self)
            let object: Any?
            do { object = try Yams.load(yaml: text) } catch { throw DataError(file: path, "malformed YAML: \(error)") }
            return try DeepMDModelReader.read(object as Any, file: path)
        }

        func run() throws {
            try MetaMLIP.reportingErrors {
                let (potential, parameters) = try Self.read(file)
                let h = potential.hyperparameters
                let model = ModelFile(potential: potential, parameters: parameters.converted(to: Float.self),
                                      provenance: .init(source: "deepmd-kit se_e2_a energy model \((file as NSString).lastPathComponent)"))
                try model.save(to: output)
                print("read deepmd-kit se_e2_a from \(file): types \(h.species.map { Element.symbol(for: $0) }.joined(separator: " ")), "
                      + "rcut \(h.rcut) Å, sel \(h.sel), embedding \(h.neuron), axis \(h.axisNeuron), fitting \(h.fittingNeuron), "
                      + "\(parameters.scalarCount) parameters")
                print("wrote \(output)")
            }
        }
    }
}
