import ArgumentParser
import Chemistry
import ClassicalPotentials
import Datasets
import Foundation
import Simulation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect QM data files and build task suites.",
        subcommands: [Inspect.self, Build.self, Classical.self])
}

extension DataCommand {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print, per task: level of theory, elements, conformations, forces, energy range, units, NaN counts.")

        @Argument(help: "A data file: MetaMLIP suite (.h5), ANI/SPICE HDF5, extended XYZ, .npz or mlearn JSON.")
        var file: String

        @OptionGroup var reader: DataReaderOptions
        @Option(help: "Level-of-theory label (default: what the file records; 'unspecified' for extxyz, npz and JSON).")
        var level: String?

        func run() throws {
            try MetaMLIP.reportingErrors {
                let summaries = try DataInspection.summaries(path: file, options: reader.openerOptions(level: level))
                print("\(file): \(summaries.count) task(s)")
                print(TaskSummary.table(summaries))
            }
        }
    }

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a MetaMLIP task-suite HDF5 file from a suite recipe (see datasets/*.yaml).")

        @Argument(help: "The suite recipe (YAML).")
        var recipe: String
        @Option(name: .shortAndLong, help: "The suite file to write (.h5).")
        var output: String
        @OptionGroup var logging: LoggingOptions

        func run() throws {
            logging.configure()
            let console = Console.shared
            try MetaMLIP.reportingErrors {
                var builder = try SuiteBuilder(recipePath: recipe)
                console.debug("recipe \(recipe); data root \(builder.location.root ?? "unset")")
                builder.relabellers = StillingerWeber.relabellers
                let (suite, report) = try builder.build()
                for entry in report.entries {
                    console.info(String(format: "  read %-45@ %7d conformations in %6.2f s", entry.source as NSString, entry.conformations, entry.seconds))
                }
                for task in suite.tasks {
                    console.debug("task \(task.name): \(task.conformations.count) conformations, \(task.conformations.filter { $0.forces != nil }.count) with forces")
                }
                let t0 = Date()
                try SuiteFiles.write(suite, to: output, recipe: recipe, location: builder.location)
                console.info(String(format: "built %@: %d tasks, %d conformations (read %.2f s, wrote %.2f s)",
                             output, suite.tasks.count, report.conformations, report.seconds, Date().timeIntervalSince(t0)))
            }
        }
    }
}

extension DataCommand {
    struct Classical: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Relabel every structure of a data file with a classical potential's energies and forces (extended XYZ out).")

        @Option(help: "The classical potential: \(StillingerWeber.named.keys.sorted().joined(separator: ", ")).")
        var potential: String
        @Argument(help: "Any readable data file (mlearn JSON, extended XYZ, .npz, HDF5).")
        var input: String
        @Option(name: .shortAndLong, help: "The extended XYZ file to write (Lattice and pbc for cells; energy in eV, forces in eV/Å).")
        var output: String
        @OptionGroup var reader: DataReaderOptions

        func run() throws {
            try MetaMLIP.reportingErrors {
                let calculator = try StillingerWeber.named(potential, file: "--potential")
                let tasks = try DataFileOpener.open(path: input, options: reader.openerOptions())
                // Everything is relabelled before the output is created: a bad structure
                // leaves no partial file.
                var frames: [(Conformation, String)] = []
                for task in tasks {
                    for (k, conformation) in task.conformations.enumerated() {
                        frames.append((try calculator.relabelling(conformation, label: "\(input): \(task.name) conformation \(k)"), task.name))
                    }
                }
                let writer = try TrajectoryWriter(path: output)
                for (conformation, task) in frames {
                    try writer.write(conformation, info: ["potential": potential, "source_task": task])
                }
                print("wrote \(output): \(writer.frameCount) structures relabelled with \(potential)")
            }
        }
    }
}

extension SourceFormat: ExpressibleByArgument {}
