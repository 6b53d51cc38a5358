import ArgumentParser
import Chemistry
import Communication
import Foundation
import Training

/// The `metamlip` command (run by `metamlip` and, on MPI ranks, by `metamlip-mpi`).
public struct MetaMLIP: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "metamlip",
        abstract: "Meta-learning machine-learning interatomic potentials across levels of theory.",
        discussion: """
            Data are found through one setting: $\(Datasets.DataLocation.environmentVariable), a recipe's \
            data_root, or ../shared/datasets when it exists (scripts/fetch-data.py fetches the public files).
            """,
        version: "metamlip \(MetaMLIPRelease.versionDescription)",
        subcommands: [DataCommand.self, CheckCommand.self, TrainCommand.self, EvaluateCommand.self, ServeCommand.self, RefitCommand.self, RunCommand.self, ScanCommand.self, ReportCommand.self,
                      MDCommand.self, OptimizeCommand.self, PredictCommand.self, ModelCommand.self])

    /// Runs a command body, turning `DataError`s and `TrainingDiverged` (a training loop that
    /// diverged after its retries) into a clear message on stderr (``Console/error(_:)``, so
    /// a run's `run.log` records it too) and exit code 1. A progress bar on screen is removed
    /// either way.
    static func reportingErrors(_ body: () throws -> Void) throws {
        let console = Console.shared
        defer { console.endProgress() }
        do { try body() } catch let error as DataError {
            console.endProgress()
            console.runLog?.holding = false
            console.error("error: \(error)")
            throw ExitCode(1)
        } catch let error as TrainingDiverged {
            console.endProgress()
            console.runLog?.holding = false
            console.error("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Parses the command line and runs the command, printing what `main()` prints (help,
    /// usage errors), and returns the exit code instead of exiting: `metamlip-mpi` ends MPI
    /// before it exits.
    public static func runReturningStatus() -> Int32 {
        do {
            var command = try parseAsRoot()
            try command.run()
            return 0
        } catch is RankFailure {
            return 1  // rank 0 has printed the error
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                let stream = code == .success ? FileHandle.standardOutput : FileHandle.standardError
                stream.write(Data((message + "\n").utf8))
            }
            return code.rawValue
        }
    }
}

import Datasets
