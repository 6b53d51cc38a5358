import ArgumentParser
import Chemistry
import Foundation
import Training

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Bring trained models from elsewhere into MetaMLIP model files.",
        subcommands: [ImportANI1x.self])
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
