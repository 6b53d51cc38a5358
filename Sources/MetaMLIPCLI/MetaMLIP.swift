import ArgumentParser
import Chemistry
import Foundation
import Training

@main
struct MetaMLIP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metamlip",
        abstract: "Meta-learning machine-learning interatomic potentials across levels of theory.",
        discussion: """
            Data are found through one setting: $\(Datasets.DataLocation.environmentVariable), a recipe's
            data_root, or ../shared/datasets when it exists.
            """,
        version: "metamlip \(MetaMLIPRelease.version)",
        subcommands: [DataCommand.self, CheckCommand.self, TrainCommand.self, EvaluateCommand.self, ServeCommand.self, RefitCommand.self, RunCommand.self, ScanCommand.self, ReportCommand.self,
                      MDCommand.self, OptimizeCommand.self, PredictCommand.self, ModelCommand.self])

    /// Runs a command body, turning `DataError`s and `TrainingDiverged` (a training loop that
    /// diverged after its retries) into a clear message and exit code 1.
    static func reportingErrors(_ body: () throws -> Void) throws {
        do { try body() } catch let error as DataError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as TrainingDiverged {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

import Datasets
